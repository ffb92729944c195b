package tailor.api.init;

/**
 * Options shared by initializers.
 *
 * @param sigmaW weight multiplier (suo: the extra sigma_w of the TAT paper, default 1; he: the
 *     square root of the EOC variance 2 by default)
 * @param sigmaB standard deviation of the N(0, sigma_b^2) biases (default 0: zero biases)
 * @param orthogonal orthogonal instead of Gaussian weights (he only)
 */
public record InitOptions(double sigmaW, double sigmaB, boolean orthogonal) {
  /** sigma_w 1, zero biases, Gaussian. */
  public static InitOptions defaults() {
    return new InitOptions(Double.NaN, 0.0, false);
  }

  /** The given sigma_w, or {@code def} when it is not set (NaN). */
  public double sigmaWOr(double def) {
    return Double.isNaN(sigmaW) ? def : sigmaW;
  }
}
