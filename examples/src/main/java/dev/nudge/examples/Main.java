package dev.nudge.examples;

import java.util.Arrays;

/**
 * The examples jar's entry point: {@code java -jar nudge-examples.jar demo} runs the
 * cart-abandonment demo, {@code ... simulate --campaigns FILE --events FILE} the simulate tool.
 */
public final class Main {
  private Main() {}

  /** Dispatches to a command; exits 2 with the usage text for an unknown one. */
  public static void main(String[] args) throws Exception {
    String command = args.length == 0 ? "" : args[0];
    String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
    switch (command) {
      case "demo" -> CartAbandonmentDemo.main(rest);
      case "simulate" -> System.exit(Simulate.run(rest, System.out, System.err));
      default -> {
        System.err.println((command.isEmpty() ? "" : "unknown command '" + command + "'\n") + """
            usage: java -jar nudge-examples.jar COMMAND [OPTIONS]
              demo       the cart-abandonment demo on a simulated day of shop traffic
              simulate   replay an event log through campaigns (simulate --help for options)""");
        System.exit(2);
      }
    }
  }
}
