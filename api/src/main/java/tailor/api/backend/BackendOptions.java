package tailor.api.backend;

/**
 * How to open a backend session.
 *
 * @param threads intra-op threads (default: the available processors)
 * @param dtype element type
 * @param seed seed of the backend's own random numbers (dropout)
 * @param settings the backend's own settings ({@link ComputeBackend#settings()} overlaid with the
 *     user's {@code backend.<name>.<key>} values, each of its default's type)
 */
public record BackendOptions(int threads, DType dtype, long seed, java.util.Map<String, Object> settings) {
  public BackendOptions {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }
    settings = java.util.Map.copyOf(settings);
  }

  /** Options with no plugin settings. */
  public BackendOptions(int threads, DType dtype, long seed) {
    this(threads, dtype, seed, java.util.Map.of());
  }

  /** All processors, float32, seed 0. */
  public static BackendOptions defaults() {
    return new BackendOptions(Runtime.getRuntime().availableProcessors(), DType.FLOAT32, 0L);
  }

  public BackendOptions withThreads(int t) {
    return new BackendOptions(t, dtype, seed, settings);
  }

  /** A copy with the backend's own settings. */
  public BackendOptions withSettings(java.util.Map<String, Object> s) {
    return new BackendOptions(threads, dtype, seed, s);
  }

  public BackendOptions withDType(DType d) {
    return new BackendOptions(threads, d, seed, settings);
  }
}
