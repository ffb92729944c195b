package tailor.app.internal;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGINT (Ctrl-C) and SIGTERM while a training run is going: the first one asks the training
 * loop to stop after the step it is computing, write a checkpoint and say how to resume (exit
 * 130 or 143); a second one stops the process at once, without a checkpoint. Outside a run the
 * JVM's own handling applies.
 */
final class Interruption implements AutoCloseable {
  private static volatile String requested;
  private final Map<Signal, SignalHandler> previous = new LinkedHashMap<>();

  private Interruption() {}

  /** Installs the handlers until {@link #close}. */
  static Interruption install() {
    Interruption i = new Interruption();
    requested = null;
    for (String name : new String[] {"INT", "TERM"}) {
      try {
        Signal s = new Signal(name);
        i.previous.put(s, Signal.handle(s, Interruption::onSignal));
      } catch (IllegalArgumentException e) {
        // the platform or the JVM's options (-Xrs) do not let us handle it: default handling
      }
    }
    return i;
  }

  private static void onSignal(Signal s) {
    if (requested != null) {
      System.err.printf(Locale.ROOT, "tailor: SIG%s again: stopping now, without a checkpoint%n",
          s.getName());
      Runtime.getRuntime().halt(128 + s.getNumber());
    }
    requested = s.getName();
    System.err.printf(Locale.ROOT, "tailor: SIG%s: stopping after this step with a checkpoint "
        + "(send it again to stop at once)%n", s.getName());
  }

  /** The signal that asked the run to stop ("INT", "TERM"), or null. */
  static String requested() {
    return requested;
  }

  /** As if the signal had arrived (tests). */
  static void request(String name) {
    requested = name;
  }

  /** The shell's exit code for a process stopped by the signal: 128 + its number. */
  static int exitCode(String name) {
    return name.equals("TERM") ? 143 : 130;
  }

  @Override
  public void close() {
    previous.forEach((s, h) -> {
      try {
        Signal.handle(s, h);
      } catch (IllegalArgumentException e) {
        // could not have been installed either
      }
    });
    requested = null;
  }
}
