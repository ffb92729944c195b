package tailor.kernelshaping;

import tailor.api.activation.ShapedActivation;

/**
 * The local Q map of an activation: Q(q) = E[phi_hat(sqrt(q) z)^2], the output's second moment
 * for an input whose second moment is q.
 */
public final class QMap {
  private final ShapedActivation phi;

  private QMap(ShapedActivation phi) {
    this.phi = phi;
  }

  /** The Q map of {@code phi}. */
  public static QMap of(ShapedActivation phi) {
    return new QMap(phi);
  }

  /** Q(q) for q &gt;= 0. */
  public double value(double q) {
    if (q < 0) {
      throw new IllegalArgumentException("q = " + q + " < 0");
    }
    double s = Math.sqrt(q);
    if (s == 0.0) {
      double v = phi.value(0.0);
      return v * v;
    }
    double[] k = phi.kinks();
    for (int i = 0; i < k.length; i++) {
      k[i] /= s;
    }
    return GaussianQuadrature.mean(z -> {
      double v = phi.value(s * z);
      return v * v;
    }, k);
  }

  /** Q(1). */
  public double valueAt1() {
    return LocalMaps.of(phi).q1();
  }

  /** Q'(1). */
  public double slopeAt1() {
    return LocalMaps.of(phi).qSlope1();
  }
}
