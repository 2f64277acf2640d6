package dev.nudge.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nudge.spi.SendResult;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** HTTP dates in their three forms, and {@code Retry-After} from them. */
class HttpDatesTest {
  private static final Instant T = Instant.parse("1994-11-06T08:49:37Z");

  @Test
  void theThreeFormsOfRfc9110AreTheSameInstant() {
    assertThat(HttpDates.parse("Sun, 06 Nov 1994 08:49:37 GMT")).isEqualTo(T);
    assertThat(HttpDates.parse("Sunday, 06-Nov-94 08:49:37 GMT")).isEqualTo(T);
    assertThat(HttpDates.parse("Sun Nov  6 08:49:37 1994")).isEqualTo(T);
    assertThat(HttpDates.parse("yesterday")).isNull();
  }

  @Test
  void retryAfterIsSecondsOrTheTimeUntilADate() {
    Instant now = T.minusSeconds(90);
    assertThat(SendResult.retryAfterHeader("120", now)).isEqualTo(Duration.ofSeconds(120));
    assertThat(SendResult.retryAfterHeader(" Sun Nov  6 08:49:37 1994 ", now)).isEqualTo(Duration.ofSeconds(90));
    assertThat(SendResult.retryAfterHeader("Sunday, 06-Nov-94 08:49:37 GMT", T.plusSeconds(5))).isEqualTo(Duration.ZERO);
    assertThat(SendResult.retryAfterHeader("soon", now)).isNull();
    assertThat(SendResult.retryAfterHeader("", now)).isNull();
    assertThat(SendResult.retryAfterHeader("9999999999999", now)).as("beyond any sensible wait").isNull();
  }
}
