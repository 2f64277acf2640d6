package dev.nudge.store.jdbc;

import dev.nudge.Platform;
import dev.nudge.spi.DeviceToken;
import dev.nudge.spi.Reminder;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import static dev.nudge.store.jdbc.BulkInsert.Type.BIGINT;
import static dev.nudge.store.jdbc.BulkInsert.Type.INTEGER;
import static dev.nudge.store.jdbc.BulkInsert.Type.TEXT;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The store's table names (with the configured prefix) and the reminder row mapping shared by
 * the committer and the claim queries. Immutable.
 */
final class Tables {
  static final String REMINDER_COLUMNS = "id, campaign_id, step, user_id, rkey, triggered_at, trigger_json, due_at,"
      + " fire_at, attempt, sent_at, pending_devices, accepted, owner, lease_until";

  final String prefix;
  final String reminders;
  final String users;
  final String devices;
  final String sends;
  final String lastSent;
  final String events;
  final String counters;
  final String schemaVersion;
  final String paused;

  Tables(String prefix) {
    this.prefix = prefix;
    this.reminders = prefix + "reminders";
    this.users = prefix + "users";
    this.devices = prefix + "devices";
    this.sends = prefix + "sends";
    this.lastSent = prefix + "last_sent";
    this.events = prefix + "events";
    this.counters = prefix + "counters";
    this.schemaVersion = prefix + "schema_version";
    this.paused = prefix + "paused";
  }

  /** The types of {@link #REMINDER_COLUMNS}, in order. */
  static final BulkInsert.Type[] REMINDER_TYPES = {TEXT, TEXT, INTEGER, TEXT, TEXT, BIGINT, TEXT, BIGINT, BIGINT,
      INTEGER, BIGINT, TEXT, INTEGER, TEXT, BIGINT};

  /** The reminder rows one transaction inserts. */
  BulkInsert reminderInserts() {
    return new BulkInsert(reminders, REMINDER_COLUMNS, REMINDER_TYPES);
  }

  String updateReminder() {
    return "UPDATE " + reminders + " SET campaign_id = ?, step = ?, user_id = ?, rkey = ?, triggered_at = ?,"
        + " trigger_json = ?, due_at = ?, fire_at = ?, attempt = ?, sent_at = ?, pending_devices = ?, accepted = ?,"
        + " owner = ?, lease_until = ? WHERE id = ?";
  }

  /** A row's values in {@link #REMINDER_COLUMNS} order. */
  static Object[] reminderValues(StoredReminder s) {
    Reminder r = s.reminder();
    return new Object[] {r.id(), r.campaignId(), r.step(), r.userId(), r.key(), EpochMicros.of(r.triggeredAt()),
        JsonValues.write(r.trigger()), EpochMicros.of(r.dueAt()), EpochMicros.of(r.fireAt()), r.attempt(),
        micros(r.sentAt()), writeDevices(r.pendingDevices()), r.accepted(), s.owner(), micros(s.leaseUntil())};
  }

  /** Binds a row for {@link #updateReminder()}: the columns after the id, then the id. */
  static void bindReminderUpdate(PreparedStatement ps, StoredReminder s) throws SQLException {
    Object[] values = reminderValues(s);
    int i = BulkInsert.bind(ps, 1, Arrays.copyOfRange(values, 1, values.length),
        Arrays.copyOfRange(REMINDER_TYPES, 1, REMINDER_TYPES.length));
    ps.setString(i, s.reminder().id());
  }

  /** Pending devices as the column keeps them: a JSON list of {@code PLATFORM:token} strings. */
  static String writeDevices(List<DeviceToken> devices) {
    if (devices.isEmpty()) {
      return null;
    }
    List<String> keys = new ArrayList<>(devices.size());
    for (DeviceToken d : devices) {
      keys.add(d.platform().name() + ':' + d.token());
    }
    return JsonValues.writeList(keys);
  }

  static List<DeviceToken> readDevices(String json) {
    List<String> keys = JsonValues.readList(json);
    List<DeviceToken> out = new ArrayList<>(keys.size());
    for (String k : keys) {
      int colon = k.indexOf(':');
      out.add(new DeviceToken(Platform.valueOf(k.substring(0, colon)), k.substring(colon + 1)));
    }
    return out;
  }

  private static Long micros(Instant t) {
    return t == null ? null : EpochMicros.of(t);
  }

  /** Reads a row selected with {@link #REMINDER_COLUMNS}. */
  static StoredReminder readReminder(ResultSet rs) throws SQLException {
    long sentAt = rs.getLong(11);
    Instant sent = rs.wasNull() ? null : EpochMicros.toInstant(sentAt);
    Reminder r = new Reminder(rs.getString(1), rs.getString(2), rs.getInt(3), rs.getString(4), rs.getString(5),
        EpochMicros.toInstant(rs.getLong(6)), JsonValues.readMapLazily(rs.getString(7)), EpochMicros.toInstant(rs.getLong(8)),
        EpochMicros.toInstant(rs.getLong(9)), rs.getInt(10), sent, readDevices(rs.getString(12)),
        rs.getInt(13));
    String owner = rs.getString(14);
    long lease = rs.getLong(15);
    return new StoredReminder(r, owner, rs.wasNull() ? null : EpochMicros.toInstant(lease));
  }
}
