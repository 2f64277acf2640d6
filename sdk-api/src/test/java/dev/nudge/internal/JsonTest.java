package dev.nudge.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one reading of JSON values: strictness, the number rule, and writing that reads back equal. */
class JsonTest {

  @Test
  void wholeNumbersAreLongsWhenTheyFitElseBigIntegersAndAllOthersAreDoubles() {
    assertThat(Json.read("0")).isEqualTo(0L);
    assertThat(Json.read("-0")).isEqualTo(0L);
    assertThat(Json.read("-1")).isEqualTo(-1L);
    assertThat(Json.read("999999999999999999")).isEqualTo(999_999_999_999_999_999L);
    assertThat(Json.read(String.valueOf(Long.MAX_VALUE))).isEqualTo(Long.MAX_VALUE);
    assertThat(Json.read(String.valueOf(Long.MIN_VALUE))).isEqualTo(Long.MIN_VALUE);
    assertThat(Json.read("9223372036854775808")).isEqualTo(new BigInteger("9223372036854775808")); // Long.MAX + 1
    assertThat(Json.read("-9223372036854775809")).isEqualTo(new BigInteger("-9223372036854775809"));
    assertThat(Json.read("12345678901234567891")).isEqualTo(new BigInteger("12345678901234567891"));
    assertThat(Json.read("-12345678901234567891")).isEqualTo(new BigInteger("-12345678901234567891"));
    assertThat(Json.read("1.0")).isEqualTo(1.0);
    assertThat(Json.read("1e3")).isEqualTo(1000.0);
    assertThat(Json.read("1E3")).isEqualTo(1000.0);
    assertThat(Json.read("-0.5")).isEqualTo(-0.5);
    assertThat(Json.read("12345678901234567891.0")).isEqualTo(1.2345678901234567891e19);
    assertThat(Json.read("1e-400")).isEqualTo(0.0);
  }

  @Test
  void aNumberBeyondTheRangeOfADoubleIsAnErrorWithItsPath() {
    assertThatThrownBy(() -> Json.read("{\"a\": [1, 1E400]}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("at a[1]: the number 1E400 is beyond the range of a double (about ±1.8E308); write a smaller number");
    assertThatThrownBy(() -> Json.read("-1e400")).hasMessageStartingWith("at $: the number -1e400 is beyond");
  }

  @Test
  void aFieldGivenTwiceIsAnErrorThatNamesIt() {
    assertThatThrownBy(() -> Json.read("{\"steps\": [{\"delay\": \"PT1H\", \"delay\": \"PT2H\"}]}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("at steps[0].delay: field \"delay\" is given twice; give it once");
    assertThat(Json.read("[{\"a\": 1}, {\"a\": 2}]")).isEqualTo(List.of(Map.of("a", 1L), Map.of("a", 2L)));
  }

  @Test
  void textAfterTheValueIsAnError() {
    for (String json : List.of("{\"a\": 1} x", "{} {}", "1 2", "[] ]")) {
      assertThatThrownBy(() -> Json.read(json))
          .as(json)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("not valid JSON: text after the end of the document at line 1 column ");
    }
    assertThat(Json.read(" {\"a\": 1}\n\t ")).isEqualTo(Map.of("a", 1L));
  }

  @Test
  void malformedJsonIsReportedWithLineColumnAndPathButNoLinkToGsonsGuide() {
    assertThatThrownBy(() -> Json.read("{\"campaigns\": [{\"id\": \"a\",}]}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not valid JSON: expected name at line 1 column 28, path campaigns[0].id");
    assertThatThrownBy(() -> Json.read("{\"a\": {\n  \"b\": 'x'}}"))
        .hasMessage("not valid JSON: unexpected character at line 2 column 9, path a.b");
    assertThatThrownBy(() -> Json.read("")).hasMessage("not valid JSON: end of input at line 1 column 1, path $");
    assertThatThrownBy(() -> Json.read("{\"a\": ")).hasMessageStartingWith("not valid JSON: end of input");
    for (String lenient : List.of("{a: 1}", "/* c */ {}", "[1,]", "[NaN]", "[01]", "[1.]", "\"tab\there\"")) {
      assertThatThrownBy(() -> Json.read(lenient))
          .as(lenient)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("not valid JSON: ")
          .hasMessageContaining(" at line 1 column ")
          .hasMessageNotContaining("Troubleshooting")
          .hasMessageNotContaining("setStrictness")
          .hasMessageNotContaining("\n");
    }
  }

  @Test
  void nullIsReadAsNullAndLeftToTheCaller() {
    assertThat(Json.read("null")).isNull();
    @SuppressWarnings("unchecked")
    Map<String, Object> m = (Map<String, Object>) Json.read("{\"zone\": null, \"tags\": [null, 1]}");
    assertThat(m).containsEntry("zone", null).hasSize(2);
    assertThat(m.get("tags")).isEqualTo(Arrays.asList(null, 1L));
  }

  @Test
  void objectsKeepTheirOrderAndNestedValuesCannotBeChanged() {
    Object v = Json.read("{\"z\": 1, \"a\": {\"y\": [true, false, {\"x\": \"deep\"}]}, \"m\": []}");
    assertThat(v).isInstanceOf(Map.class);
    @SuppressWarnings("unchecked")
    Map<String, Object> m = (Map<String, Object>) v;
    assertThat(m.keySet()).containsExactly("z", "a", "m");
    assertThat(m).isEqualTo(Map.of("z", 1L, "a", Map.of("y", List.of(true, false, Map.of("x", "deep"))), "m", List.of()));
    assertThatThrownBy(() -> m.put("b", 1L)).isInstanceOf(UnsupportedOperationException.class);
    @SuppressWarnings("unchecked")
    List<Object> y = (List<Object>) ((Map<String, Object>) m.get("a")).get("y");
    assertThatThrownBy(() -> y.add(1L)).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void unicodeIsReadAndWrittenAsIs() {
    assertThat(Json.read("\"\\u00e9\\ud83d\\ude00 \\\"q\\\" \\\\ \\n\"")).isEqualTo("é😀 \"q\" \\ \n");
    assertThat(Json.read("{\"سلام\": \"ایران\"}")).isEqualTo(Map.of("سلام", "ایران"));
    assertThat(Json.write(Map.of("سلام", "<é😀 & \"q\">"))).isEqualTo("{\"سلام\":\"<é😀 & \\\"q\\\">\"}");
  }

  @Test
  void fieldNamesGoThroughTheGivenMapping() {
    List<String> seen = new ArrayList<>();
    Object v = Json.read(new StringReader("{\"a\": {\"b\": 1}}"), name -> {
      seen.add(name);
      return name.toUpperCase();
    });
    assertThat(v).isEqualTo(Map.of("A", Map.of("B", 1L)));
    assertThat(seen).containsExactly("a", "b");
  }

  @Test
  void everyKindOfValueReadsBackAsWritten() {
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("string", "Yoga mat");
    values.put("empty", "");
    values.put("yes", true);
    values.put("no", false);
    values.put("long", 2L);
    values.put("min", Long.MIN_VALUE);
    values.put("max", Long.MAX_VALUE);
    values.put("big", new BigInteger("123456789012345678901234567890"));
    values.put("negativeBig", new BigInteger("-12345678901234567891"));
    values.put("double", 19.5);
    values.put("wholeDouble", 3.0);
    values.put("huge", 1.0e300);
    values.put("tiny", -4.9e-324);
    values.put("nothing", null);
    values.put("list", List.of(1L, "two", 3.5, false, List.of(), Map.of()));
    values.put("map", Map.of("country", "PT", "inner", Map.of("n", 1L)));
    values.put("listWithNull", Arrays.asList("a", null));
    for (String json : List.of(Json.write(values), Json.writeIndented(values))) {
      assertThat(Json.read(json)).isEqualTo(values);
      assertThat(new ArrayList<Object>(((Map<?, ?>) Json.read(json)).keySet())).containsExactlyElementsOf(values.keySet());
    }
    assertThat(Json.write(3.0)).isEqualTo("3.0");
    assertThat(Json.read(Json.write(3.0))).isInstanceOf(Double.class);
  }

  @Test
  void otherJavaNumbersAreWrittenSoTheyReadBackByTheSameRule() {
    assertThat(Json.read(Json.write(7))).isEqualTo(7L);
    assertThat(Json.read(Json.write((short) 7))).isEqualTo(7L);
    assertThat(Json.read(Json.write((byte) 7))).isEqualTo(7L);
    assertThat(Json.read(Json.write(2.5f))).isEqualTo(2.5);
    assertThat(Json.write(new BigDecimal("2.50"))).isEqualTo("2.50");
    assertThat(Json.read(Json.write(new BigDecimal("2.50")))).isEqualTo(2.5);
    assertThat(Json.write(new BigDecimal("1E+3"))).isEqualTo("1000");
    assertThat(Json.read(Json.write(new BigDecimal("1E+3")))).isEqualTo(1000L);
    assertThat(Json.read(Json.write(new BigDecimal("1E+20")))).isEqualTo(BigInteger.TEN.pow(20));
    assertThat(Json.read(Json.write(new BigDecimal("1E-3")))).isEqualTo(0.001);
  }

  @Test
  void whatJsonCannotHoldIsRefusedWithItsPath() {
    assertThatThrownBy(() -> Json.write(Map.of("tags", List.of(1L, Double.NaN))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("at tags[1]: NaN cannot be written as JSON; numbers must be finite");
    assertThatThrownBy(() -> Json.write(Map.of("a", Map.of("b", Double.POSITIVE_INFINITY))))
        .hasMessage("at a.b: Infinity cannot be written as JSON; numbers must be finite");
    assertThatThrownBy(() -> Json.write(List.of(Map.of("when", new Object()))))
        .hasMessage("at [0].when: a value of type java.lang.Object cannot be written as JSON;"
            + " use a string, number, boolean, list or map");
    assertThatThrownBy(() -> Json.write(Map.of(1, "x")))
        .hasMessage("at $: a map key of type java.lang.Integer cannot be written as JSON; use string keys");
    assertThatThrownBy(() -> Json.write(new BigDecimal("1" + "0".repeat(400) + ".5")))
        .hasMessageStartingWith("at $: ").hasMessageEndingWith("is beyond the range of a double, which it would read back as");
  }

  @Test
  void aReaderThatFailsIsAnUncheckedIoException() {
    Reader failing = new Reader() {
      @Override
      public int read(char[] buffer, int offset, int length) throws IOException {
        throw new IOException("disk gone");
      }

      @Override
      public void close() {}
    };
    assertThatThrownBy(() -> Json.read(failing))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessage("reading JSON failed: disk gone");
  }
}
