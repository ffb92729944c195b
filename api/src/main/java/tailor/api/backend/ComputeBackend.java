package tailor.api.backend;

import tailor.api.Plugin;

/** A compute backend plugin ({@code cpu}, later {@code nd4j}, {@code cuda}). */
public interface ComputeBackend extends Plugin {

  /** Null if this backend can run on this machine, else one line saying why not. */
  String unavailableReason();

  /** Opens a session. */
  BackendSession open(BackendOptions options);
}
