package tailor.kernelshaping;

import java.util.Arrays;
import java.util.function.DoubleUnaryOperator;

/**
 * Expectations E[f(z)], z ~ N(0, 1), by composite Gauss-Legendre quadrature: 16 nodes on each
 * panel of width 1/2 over [-10, 10] (the reference's range; the mass outside is below 1e-22),
 * with panels split at the integrand's kinks. Smooth integrands are integrated to about 1e-15
 * relative; piecewise-smooth ones (ReLU, leaky ReLU, ELU, SELU, softsign under any input shift)
 * equally well, because no panel contains a kink.
 *
 * <p>The reference package integrates with one 100,000-node Gauss-Legendre rule over [-10, 10]
 * and no splitting; this rule agrees with it to ~1e-15 on smooth integrands with 640 nodes
 * instead of 100,000.
 */
public final class GaussianQuadrature {
  /** Half-width of the integration range. */
  public static final double RANGE = 10.0;
  /** Nodes per panel. */
  public static final int ORDER = 16;
  /** Panel width. */
  public static final double PANEL = 0.5;

  private static final double[] GL_X;
  private static final double[] GL_W;
  private static final Rule PLAIN;

  static {
    double[][] xw = gaussLegendre(ORDER);
    GL_X = xw[0];
    GL_W = xw[1];
    PLAIN = build(new double[0]);
  }

  private GaussianQuadrature() {}

  /**
   * A quadrature rule for E[f(z)]: nodes {@code x} and weights {@code w} that already include
   * the Gaussian density, so E[f] = sum_i w_i f(x_i).
   */
  public static final class Rule {
    private final double[] x;
    private final double[] w;

    Rule(double[] x, double[] w) {
      this.x = x;
      this.w = w;
    }

    /** The nodes (do not modify). */
    public double[] nodes() {
      return x;
    }

    /** The weights, density included (do not modify). */
    public double[] weights() {
      return w;
    }

    /** The number of nodes. */
    public int size() {
      return x.length;
    }

    /** E[f(z)]. */
    public double mean(DoubleUnaryOperator f) {
      double s = 0.0;
      for (int i = 0; i < x.length; i++) {
        s += w[i] * f.applyAsDouble(x[i]);
      }
      return s;
    }
  }

  /** The rule for an integrand that is smooth everywhere. */
  public static Rule plain() {
    return PLAIN;
  }

  /** The rule for an integrand whose kinks are at {@code breakpoints} (any order, any count). */
  public static Rule withBreaks(double... breakpoints) {
    if (breakpoints.length == 0) {
      return PLAIN;
    }
    return build(breakpoints);
  }

  /** E[f(z)] for an integrand with kinks at {@code breakpoints}. */
  public static double mean(DoubleUnaryOperator f, double... breakpoints) {
    return withBreaks(breakpoints).mean(f);
  }

  private static Rule build(double[] breaks) {
    int basePanels = (int) Math.round(2 * RANGE / PANEL);
    double[] edges = new double[basePanels + 1 + breaks.length];
    int n = 0;
    for (int i = 0; i <= basePanels; i++) {
      edges[n++] = -RANGE + i * PANEL;
    }
    for (double b : breaks) {
      if (b > -RANGE && b < RANGE) {
        edges[n++] = b;
      }
    }
    double[] sorted = Arrays.copyOf(edges, n);
    Arrays.sort(sorted);
    double[] xs = new double[(sorted.length - 1) * ORDER];
    double[] ws = new double[xs.length];
    int k = 0;
    for (int p = 0; p + 1 < sorted.length; p++) {
      double lo = sorted[p];
      double hi = sorted[p + 1];
      if (hi - lo < 1e-14) {
        continue;
      }
      double mid = 0.5 * (lo + hi);
      double half = 0.5 * (hi - lo);
      for (int j = 0; j < ORDER; j++) {
        double xj = mid + half * GL_X[j];
        xs[k] = xj;
        ws[k] = half * GL_W[j] * SpecialFunctions.normalPdf(xj);
        k++;
      }
    }
    return new Rule(Arrays.copyOf(xs, k), Arrays.copyOf(ws, k));
  }

  /**
   * Gauss-Legendre nodes and weights on [-1, 1] by Newton's method on the three-term
   * recurrence; accurate to rounding for the small orders used here.
   */
  static double[][] gaussLegendre(int n) {
    double[] x = new double[n];
    double[] w = new double[n];
    for (int i = 0; i < (n + 1) / 2; i++) {
      double z = Math.cos(Math.PI * (i + 0.75) / (n + 0.5));
      double[] pd = legendre(n, z);
      for (int iter = 0; iter < 100; iter++) {
        double dz = pd[0] / pd[1];
        z -= dz;
        pd = legendre(n, z);
        if (Math.abs(dz) < 1e-16) {
          break;
        }
      }
      x[i] = -z;
      x[n - 1 - i] = z;
      w[i] = 2.0 / ((1.0 - z * z) * pd[1] * pd[1]);
      w[n - 1 - i] = w[i];
    }
    return new double[][] {x, w};
  }

  /** {P_n(z), P_n'(z)} by the three-term recurrence. */
  private static double[] legendre(int n, double z) {
    double p0 = 1.0;
    double p1 = z;
    for (int k = 2; k <= n; k++) {
      double p2 = ((2 * k - 1) * z * p1 - (k - 1) * p0) / k;
      p0 = p1;
      p1 = p2;
    }
    return new double[] {p1, n * (z * p1 - p0) / (z * z - 1.0)};
  }
}
