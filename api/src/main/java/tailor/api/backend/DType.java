package tailor.api.backend;

/** Element types a backend computes in. */
public enum DType {
  /** 32-bit floats: training. */
  FLOAT32,
  /** 64-bit floats: gradient checks and oracles. */
  FLOAT64
}
