package dev.nudge.core;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Makes reminder ids: 32 hex digits, the creation time in milliseconds (48 bits) then 80 random
 * bits, unique across instances and restarts and short enough for an APNs collapse id (64 bytes).
 * The time prefix makes new ids sort after older ones, so a database index on the id grows at its
 * end instead of touching a random page per insert. Thread-safe.
 */
final class ReminderIds {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  String next() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    char[] out = new char[32];
    write(out, 0, (System.currentTimeMillis() << 16) | (random.nextInt() & 0xFFFF));
    write(out, 16, random.nextLong());
    return new String(out);
  }

  private static void write(char[] out, int at, long bits) {
    for (int i = 15; i >= 0; i--) {
      out[at + i] = HEX[(int) (bits & 0xF)];
      bits >>>= 4;
    }
  }
}
