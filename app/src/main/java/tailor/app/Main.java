package tailor.app;

import tailor.app.internal.Cli;

/** The {@code tailor} command-line entry point. */
public final class Main {
  private Main() {}

  /** Runs the CLI and exits with its status (0 ok, 2 bad input, 3 resource, 1 internal). */
  public static void main(String[] args) {
    int code = Cli.run(args, System.out, System.err);
    System.out.flush();
    System.exit(code);
  }
}
