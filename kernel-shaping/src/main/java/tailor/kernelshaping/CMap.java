package tailor.kernelshaping;

import tailor.api.activation.ShapedActivation;

/**
 * The local C map of an activation for inputs with q = 1:
 * C(c) = E[phi_hat(u) phi_hat(v)] / Q(1), with (u, v) standard normal with correlation c.
 * Leaky ReLUs without shifts use the closed form ({@link LeakyReluCMap}). Other activations
 * use the Hermite expansion C(c) = sum_k a_k^2 c^k / Q(1), a_k = E[phi_hat(z) He_k(z)] / sqrt(k!),
 * when its truncation error is provably negligible (by Parseval the neglected mass is
 * Q(1) - sum_k a_k^2, which bounds the error for every |c| &lt;= 1); otherwise nested Gaussian
 * quadrature with panels split at the kinks of both factors.
 */
public final class CMap {
  private final ShapedActivation phi;
  private final LocalMaps local;
  private final boolean closedForm;
  private final double[] hermite;

  /** Largest Hermite order tried. */
  static final int HERMITE_MAX = 96;
  /** Largest neglected mass (relative to Q(1)) for which the series is used. */
  static final double HERMITE_TAIL = 1e-14;

  private CMap(ShapedActivation phi) {
    this.phi = phi;
    this.local = LocalMaps.of(phi);
    this.closedForm = (phi.phi().hasNegativeSlope() || phi.phi().name().equals("relu"))
        && phi.inputShift() == 0.0
        && phi.outputShift() == 0.0
        && phi.inputScale() > 0.0;
    this.hermite = closedForm ? null : hermiteCoefficients(phi, local.q1());
  }

  /** The squared, Q(1)-normalized Hermite coefficients, or null if the tail is too heavy. */
  private static double[] hermiteCoefficients(ShapedActivation phi, double q1) {
    GaussianQuadrature.Rule rule = GaussianQuadrature.withBreaks(phi.kinks());
    double[] zs = rule.nodes();
    double[] ws = rule.weights();
    double[] a = new double[HERMITE_MAX + 1];
    double[] hPrev = new double[zs.length];
    double[] h = new double[zs.length];
    double[] f = new double[zs.length];
    for (int i = 0; i < zs.length; i++) {
      f[i] = ws[i] * phi.value(zs[i]);
      hPrev[i] = 0.0;
      h[i] = 1.0;
    }
    double mass = 0.0;
    for (int k = 0; k <= HERMITE_MAX; k++) {
      double s = 0.0;
      for (int i = 0; i < zs.length; i++) {
        s += f[i] * h[i];
      }
      a[k] = s * s / q1;
      mass += a[k];
      if (1.0 - mass < HERMITE_TAIL) {
        return java.util.Arrays.copyOf(a, k + 1);
      }
      // Normalized probabilists' Hermite recurrence: h_{k+1} = (z h_k - sqrt(k) h_{k-1}) / sqrt(k+1).
      double sk = Math.sqrt(k);
      double sk1 = Math.sqrt(k + 1.0);
      for (int i = 0; i < zs.length; i++) {
        double next = (zs[i] * h[i] - sk * hPrev[i]) / sk1;
        hPrev[i] = h[i];
        h[i] = next;
      }
    }
    return null;
  }

  /** The C map of {@code phi}. */
  public static CMap of(ShapedActivation phi) {
    return new CMap(phi);
  }

  /** The local quantities (Q(1), C(0), C'(1), ...). */
  public LocalMaps local() {
    return local;
  }

  /** C(0). */
  public double valueAt0() {
    return local.c0();
  }

  /** C'(1). */
  public double slopeAt1() {
    return local.cSlope1();
  }

  /** C''(1). */
  public double curvatureAt1() {
    return local.cCurv1();
  }

  /** C(c) for c in [-1, 1]. */
  public double value(double c) {
    if (!(c >= -1.0 - 1e-9 && c <= 1.0 + 1e-9)) {
      throw new IllegalArgumentException("c = " + c + " is outside [-1, 1]");
    }
    c = Math.max(-1.0, Math.min(1.0, c)); // rounding in compositions can step past +-1
    if (closedForm) {
      return LeakyReluCMap.value(c, phi.phi().hasNegativeSlope() ? phi.phi().negativeSlope() : 0.0);
    }
    if (c == 0.0) {
      return local.c0();
    }
    if (hermite != null) {
      double v = 0.0;
      for (int k = hermite.length - 1; k >= 0; k--) {
        v = v * c + hermite[k];
      }
      return v;
    }
    return byQuadrature(c);
  }

  /** True if C(c) is evaluated from the Hermite series (fast) rather than by 2-D quadrature. */
  public boolean usesSeries() {
    return closedForm || hermite != null;
  }

  /** C(c) by nested quadrature (exact to ~1e-14, slower); exposed for tests. */
  double byQuadrature(double c) {
    double[] kinks = phi.kinks();
    double s = Math.sqrt(Math.max(0.0, 1.0 - c * c));
    // The inner mean E_y[phi(c z + s y)] smooths each kink k over a width ~s/|c| around
    // z = k/c; when s is small that is a sharp feature the outer rule must resolve, so panel
    // edges are added there at geometric distances.
    double[] outerBreaks = kinks;
    if (kinks.length > 0 && c != 0.0 && s < 0.5) {
      double[] scales = {0.25, 0.5, 1, 2, 4, 8, 16};
      outerBreaks = new double[kinks.length * (2 + 2 * scales.length)];
      int n = 0;
      for (double k : kinks) {
        outerBreaks[n++] = k;
        outerBreaks[n++] = k / c;
        for (double m : scales) {
          if (n + 2 > outerBreaks.length) {
            break;
          }
          outerBreaks[n++] = (k + m * s) / c;
          outerBreaks[n++] = (k - m * s) / c;
        }
      }
      outerBreaks = java.util.Arrays.copyOf(outerBreaks, n);
    }
    GaussianQuadrature.Rule outer = GaussianQuadrature.light(outerBreaks);
    double[] zs = outer.nodes();
    double[] wz = outer.weights();
    double total = 0.0;
    double[] innerBreaks = new double[kinks.length];
    for (int i = 0; i < zs.length; i++) {
      double z = zs[i];
      double cz = c * z;
      double inner;
      if (s == 0.0) {
        inner = phi.value(cz);
      } else if (kinks.length == 1) {
        inner = GaussianQuadrature.lightMean(y -> phi.value(cz + s * y), (kinks[0] - cz) / s);
      } else {
        for (int j = 0; j < kinks.length; j++) {
          innerBreaks[j] = (kinks[j] - cz) / s;
        }
        inner = GaussianQuadrature.light(innerBreaks).mean(y -> phi.value(cz + s * y));
      }
      total += wz[i] * phi.value(z) * inner;
    }
    return total / local.q1();
  }
}
