package dev.nudge.core;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Makes reminder ids: 128 random bits as 32 hex digits, unique across instances and restarts and
 * short enough for an APNs collapse id (64 bytes). Thread-safe.
 */
final class ReminderIds {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  String next() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    char[] out = new char[32];
    write(out, 0, random.nextLong());
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
