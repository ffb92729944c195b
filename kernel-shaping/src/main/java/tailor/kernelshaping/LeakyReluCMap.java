package tailor.kernelshaping;

/**
 * The closed-form local C map of a leaky ReLU with negative slope a (any positive output scale):
 * C(c) = c + (1 - a)^2 / (pi (1 + a^2)) * (sqrt(1 - c^2) - c arccos c). Hence C'(1) = 1 for every
 * a, C(0) = (1 - a)^2 / (pi (1 + a^2)) and C''(c) = k / sqrt(1 - c^2), unbounded at c = 1.
 */
public final class LeakyReluCMap {
  private LeakyReluCMap() {}

  /** k = (1 - a)^2 / (pi (1 + a^2)). */
  public static double coefficient(double negativeSlope) {
    double d = 1.0 - negativeSlope;
    return d * d / (Math.PI * (1.0 + negativeSlope * negativeSlope));
  }

  /** The C map of slope a as an operator, with its coefficient computed once. */
  public static java.util.function.DoubleUnaryOperator of(double negativeSlope) {
    double k = coefficient(negativeSlope);
    return c -> {
      double cc = c > 1.0 ? 1.0 : (c < -1.0 ? -1.0 : c);
      return cc + k * (Math.sqrt(1.0 - cc * cc) - cc * Arccos.acos(cc));
    };
  }

  /** C(c) for slope a, for c in [-1, 1]. */
  public static double value(double c, double negativeSlope) {
    double cc = Math.max(-1.0, Math.min(1.0, c));
    return cc + coefficient(negativeSlope) * (Math.sqrt(1.0 - cc * cc) - cc * Arccos.acos(cc));
  }

  /** C'(c) = 1 - k arccos(c). */
  public static double slope(double c, double negativeSlope) {
    double cc = Math.max(-1.0, Math.min(1.0, c));
    return 1.0 - coefficient(negativeSlope) * Arccos.acos(cc);
  }

  /** The output scale sqrt(2 / (1 + a^2)) that makes Q(q) = q. */
  public static double outputScale(double negativeSlope) {
    return Math.sqrt(2.0 / (1.0 + negativeSlope * negativeSlope));
  }
}
