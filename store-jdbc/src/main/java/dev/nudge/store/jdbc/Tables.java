package dev.nudge.store.jdbc;

import dev.nudge.spi.Reminder;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;

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
  }

  String insertReminder() {
    return "INSERT INTO " + reminders + " (" + REMINDER_COLUMNS + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
  }

  String updateReminder() {
    return "UPDATE " + reminders + " SET campaign_id = ?, step = ?, user_id = ?, rkey = ?, triggered_at = ?,"
        + " trigger_json = ?, due_at = ?, fire_at = ?, attempt = ?, sent_at = ?, pending_devices = ?, accepted = ?,"
        + " owner = ?, lease_until = ? WHERE id = ?";
  }

  /** Binds a row for {@link #insertReminder()} (id first) or {@link #updateReminder()} (id last). */
  static void bindReminder(PreparedStatement ps, StoredReminder s, boolean idLast) throws SQLException {
    Reminder r = s.reminder();
    int i = 1;
    if (!idLast) {
      ps.setString(i++, r.id());
    }
    ps.setString(i++, r.campaignId());
    ps.setInt(i++, r.step());
    ps.setString(i++, r.userId());
    ps.setString(i++, r.key());
    ps.setLong(i++, EpochMicros.of(r.triggeredAt()));
    ps.setString(i++, JsonValues.write(r.trigger()));
    ps.setLong(i++, EpochMicros.of(r.dueAt()));
    ps.setLong(i++, EpochMicros.of(r.fireAt()));
    ps.setInt(i++, r.attempt());
    setMicros(ps, i++, r.sentAt());
    ps.setString(i++, JsonValues.writeList(r.pendingDevices()));
    ps.setInt(i++, r.accepted());
    ps.setString(i++, s.owner());
    setMicros(ps, i++, s.leaseUntil());
    if (idLast) {
      ps.setString(i, r.id());
    }
  }

  /** Reads a row selected with {@link #REMINDER_COLUMNS}. */
  static StoredReminder readReminder(ResultSet rs) throws SQLException {
    long sentAt = rs.getLong(11);
    Instant sent = rs.wasNull() ? null : EpochMicros.toInstant(sentAt);
    Reminder r = new Reminder(rs.getString(1), rs.getString(2), rs.getInt(3), rs.getString(4), rs.getString(5),
        EpochMicros.toInstant(rs.getLong(6)), JsonValues.readMap(rs.getString(7)), EpochMicros.toInstant(rs.getLong(8)),
        EpochMicros.toInstant(rs.getLong(9)), rs.getInt(10), sent, JsonValues.readList(rs.getString(12)),
        rs.getInt(13));
    String owner = rs.getString(14);
    long lease = rs.getLong(15);
    return new StoredReminder(r, owner, rs.wasNull() ? null : EpochMicros.toInstant(lease));
  }

  static void setMicros(PreparedStatement ps, int index, Instant t) throws SQLException {
    if (t == null) {
      ps.setNull(index, Types.BIGINT);
    } else {
      ps.setLong(index, EpochMicros.of(t));
    }
  }
}
