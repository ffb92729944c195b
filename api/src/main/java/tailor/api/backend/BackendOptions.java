package tailor.api.backend;

/**
 * How to open a backend session.
 *
 * @param threads intra-op threads (default: the available processors)
 * @param dtype element type
 * @param seed seed of the backend's own random numbers (dropout)
 */
public record BackendOptions(int threads, DType dtype, long seed) {
  public BackendOptions {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }
  }

  /** All processors, float32, seed 0. */
  public static BackendOptions defaults() {
    return new BackendOptions(Runtime.getRuntime().availableProcessors(), DType.FLOAT32, 0L);
  }

  public BackendOptions withThreads(int t) {
    return new BackendOptions(t, dtype, seed);
  }

  public BackendOptions withDType(DType d) {
    return new BackendOptions(threads, d, seed);
  }
}
