package dev.nudge.core;

import static java.time.Duration.ofHours;
import static java.time.Duration.ofMinutes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nudge.Campaign;
import dev.nudge.InterruptionLevel;
import dev.nudge.Message;
import dev.nudge.Outcome;
import dev.nudge.spi.RenderedNotification;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The subtitle, category, thread id, interruption level and data-only forms of a message. */
class MessageFormsTest {
  private Fixture f;

  @BeforeEach
  void setUp() {
    f = new Fixture();
  }

  @AfterEach
  void tearDown() {
    f.close();
  }

  @Test
  void theSubtitleIsATemplateAndTheOtherFieldsReachTheTransport() {
    f.nudge.define(Campaign.named("cart").triggeredBy("cart_add").after(ofHours(2))
        .send(Message.of("Still thinking?", "It is waiting").subtitle("{{event.item_name}}, size {{event.size}}")
            .category("CART").threadId("carts").interruptionLevel(InterruptionLevel.PASSIVE).build())
        .build());
    f.registerIos("u1", "t1");
    f.track(Fixture.cartAdd("u1", "Trail shoes").property("size", 42));
    f.advance(ofHours(2).plusMinutes(1));

    RenderedNotification n = f.ios.deliveries().get(0).notification();
    assertThat(n.subtitle()).isEqualTo("Trail shoes, size 42");
    assertThat(n.category()).isEqualTo("CART");
    assertThat(n.threadId()).isEqualTo("carts");
    assertThat(n.interruptionLevel()).isEqualTo(InterruptionLevel.PASSIVE);
    assertThat(n.isDataOnly()).isFalse();
  }

  @Test
  void aSubtitleWithoutItsValueSkipsTheReminderLikeATitleWould() {
    f.nudge.define(Campaign.named("cart").triggeredBy("cart_add").after(ofHours(2))
        .send(Message.of("Hi", "Body").subtitle("{{event.missing}}").build()).build());
    f.registerIos("u1", "t1");
    f.track(Fixture.cartAdd("u1", "Shoes"));
    f.advance(ofHours(3));
    assertThat(f.ios.deliveries()).isEmpty();
    assertThat(f.single(Outcome.SUPPRESSED).reason()).isNotNull();
  }

  @Test
  void aDataOnlyMessageSendsItsDataWithoutTitleOrBody() {
    f.nudge.define(Campaign.named("sync").triggeredBy("cart_add").after(ofMinutes(1))
        .send(Message.dataOnly().data("refresh", "cart").data("item", "{{event.item_name}}").build()).build());
    f.registerIos("u1", "t1");
    f.track(Fixture.cartAdd("u1", "Shoes"));
    f.advance(ofMinutes(2));

    RenderedNotification n = f.ios.deliveries().get(0).notification();
    assertThat(n.isDataOnly()).isTrue();
    assertThat(n.title()).isNull();
    assertThat(n.body()).isNull();
    assertThat(n.data()).isEqualTo(Map.of("refresh", "cart", "item", "Shoes"));
    assertThat(f.single(Outcome.SENT).title()).isNull();
  }

  @Test
  void aDataOnlyMessageMustCarryDataAndShowNothing() {
    assertThatThrownBy(() -> Message.dataOnly().build()).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has no data");
    assertThatThrownBy(() -> Message.dataOnly().data("k", "v").title("Hi").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("has a title")
        .hasMessageContaining("Message.of(title, body)");
    assertThatThrownBy(() -> Message.dataOnly().data("k", "v").badge(1).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("has a badge");
    assertThatThrownBy(() -> Message.dataOnly().data("k", "v").locale("fa", Message.builder().body("x").build())
        .build()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("locale 'fa'");
    assertThatThrownBy(() -> Campaign.named("c").triggeredBy("e").after(ofMinutes(1))
        .send(Message.builder().data("k", "v").build()).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Message.dataOnly()");
  }

  @Test
  void aCollapseKeyOverApnsLimitIsRefusedWhenTheMessageIsBuilt() {
    assertThat(Message.of("a", "b").collapseKey("k".repeat(64)).build().collapseKey()).hasValue("k".repeat(64));
    // 22 Persian letters are 44 bytes; 33 are 66.
    assertThatThrownBy(() -> Message.of("a", "b").collapseKey("س".repeat(33)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("66 bytes")
        .hasMessageContaining("at most 64");
    assertThatThrownBy(() -> Message.of("a", "b").collapseKey(" "))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("collapseKey is blank");
  }
}
