package dev.nudge.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Values as JSON text, and the trigger maps read from rows, parsed on first use. */
class JsonValuesTest {
  private static final Map<String, Object> VALUES = values();

  private static Map<String, Object> values() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("item_name", "Yoga mat");
    m.put("qty", 2L);
    m.put("price", 19.0);
    m.put("huge", new BigInteger("123456789012345678901234567890"));
    m.put("gift", true);
    m.put("tags", List.of("a", "b"));
    m.put("shipping", Map.of("country", "PT"));
    return m;
  }

  @Test
  void valuesReadBackAsWritten() {
    String json = JsonValues.write(VALUES);
    assertThat(JsonValues.readMap(json)).isEqualTo(VALUES);
    assertThat(JsonValues.readMapLazily(json)).isEqualTo(VALUES).hasSameHashCodeAs(VALUES);
    assertThat(VALUES).isEqualTo(JsonValues.readMapLazily(json));
    assertThat(JsonValues.readMapLazily(json).get("qty")).isEqualTo(2L);
    assertThat(JsonValues.readMapLazily(json)).containsKey("shipping").hasSize(VALUES.size());
  }

  @Test
  void aLazyMapIsWrittenBackAsTheSameTextAndCannotBeChanged() {
    String json = "{\"b\":1,  \"a\":\"x\"}"; // not the form write() gives: proves it is not re-serialized
    Map<String, Object> lazy = JsonValues.readMapLazily(json);
    assertThat(JsonValues.write(lazy)).isSameAs(json);
    assertThat(lazy).isEqualTo(JsonValues.readMapLazily("{\"b\":1,  \"a\":\"x\"}"))
        .isEqualTo(Map.of("a", "x", "b", 1L))
        .isNotEqualTo(JsonValues.readMapLazily("{\"b\":2,\"a\":\"x\"}"));
    assertThatThrownBy(() -> lazy.put("c", 1L)).isInstanceOf(UnsupportedOperationException.class);
    assertThat(JsonValues.readMapLazily("{}")).isEmpty();
    assertThat(JsonValues.readMapLazily(null)).isEmpty();
  }
}
