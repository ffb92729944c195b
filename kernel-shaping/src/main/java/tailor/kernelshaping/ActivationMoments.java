package tailor.kernelshaping;

import tailor.api.activation.BaseActivation;
import tailor.api.activation.ShapedActivation;
import tailor.api.shaping.Quadrature;

/**
 * The Gaussian moments of f(x) = phi(a x + b) that all local Q/C-map quantities of
 * phi_hat = gamma (f + delta) are made of, computed in one quadrature pass:
 * E[f], E[f^2], E[f f' z], E[f' z], E[f'^2] and E[f''^2] for z ~ N(0, 1).
 *
 * @param mean E[f]
 * @param meanSquare E[f^2]
 * @param fDfZ E[f f' z]
 * @param dfZ E[f' z]
 * @param dfSquare E[f'^2]
 * @param ddfSquare E[f''^2]
 */
public record ActivationMoments(
    double mean, double meanSquare, double fDfZ, double dfZ, double dfSquare, double ddfSquare) {

  /** The moments of phi(inputScale * x + inputShift), integrated exactly. */
  public static ActivationMoments of(BaseActivation phi, double inputScale, double inputShift) {
    return of(phi, inputScale, inputShift, Quadrature.EXACT);
  }

  /** The moments of phi(inputScale * x + inputShift) under the given quadrature. */
  public static ActivationMoments of(BaseActivation phi, double inputScale, double inputShift,
      Quadrature quadrature) {
    ActivationMoments exact = exact(phi, inputScale, inputShift);
    if (quadrature == Quadrature.EXACT || phi.kinks().length == 0 || inputScale == 0.0) {
      return exact;
    }
    double[] sums = exact.toArray();
    for (double kink : phi.kinks()) {
      double k = (kink - inputShift) / inputScale;
      double t = ReferenceRule.effectiveKink(k);
      if (Double.isNaN(t)) {
        continue;
      }
      // First order: the reference integrates the left branch up to t and the right branch
      // from t, so add the integral over [k, t] of (left branch - right branch), each branch
      // extrapolated a fraction of a node spacing across the kink from its own side.
      double delta = t - k;
      double[] left = branchAt(phi, inputScale, inputShift, k, -1, k + 0.5 * delta);
      double[] right = branchAt(phi, inputScale, inputShift, k, +1, k + 0.5 * delta);
      // Second order: (h^2 / 24) (g_R'(t) - g_L'(t)), one-sided slopes from each side.
      double h = ReferenceRule.spacing(k);
      double d = 1e-4;
      double[] l1 = branchAt(phi, inputScale, inputShift, k, -1, t);
      double[] l2 = branchAt(phi, inputScale, inputShift, k, -1, t - d);
      double[] r1 = branchAt(phi, inputScale, inputShift, k, +1, t);
      double[] r2 = branchAt(phi, inputScale, inputShift, k, +1, t + d);
      for (int i = 0; i < sums.length; i++) {
        double slopeLeft = (l1[i] - l2[i]) / d;
        double slopeRight = (r2[i] - r1[i]) / d;
        sums[i] += delta * (left[i] - right[i]) + h * h / 24.0 * (slopeRight - slopeLeft);
      }
    }
    return new ActivationMoments(sums[0], sums[1], sums[2], sums[3], sums[4], sums[5]);
  }

  private double[] toArray() {
    return new double[] {mean, meanSquare, fDfZ, dfZ, dfSquare, ddfSquare};
  }

  /** The six density-weighted integrands at x. */
  private static double[] integrands(BaseActivation phi, double a, double b, double x) {
    double u = a * x + b;
    double f = phi.value(u);
    double df = a * phi.derivative(u);
    double ddf = a * a * phi.secondDerivative(u);
    double w = SpecialFunctions.normalPdf(x);
    return new double[] {w * f, w * f * f, w * f * df * x, w * df * x, w * df * df, w * ddf * ddf};
  }

  /**
   * The branch of the integrands on {@code side} (-1 left of the kink, +1 right) at {@code at},
   * linearly extrapolated from two points on that side when {@code at} lies on the other side.
   */
  private static double[] branchAt(BaseActivation phi, double a, double b, double k, int side,
      double at) {
    if ((at - k) * side > 0) {
      return integrands(phi, a, b, at);
    }
    double eps = 1e-10 * Math.max(1.0, Math.abs(k));
    double h = Math.max(Math.abs(at - k), eps);
    double x1 = k + side * eps;
    double x2 = k + side * (eps + h);
    double[] g1 = integrands(phi, a, b, x1);
    double[] g2 = integrands(phi, a, b, x2);
    double[] out = new double[6];
    for (int i = 0; i < 6; i++) {
      out[i] = g1[i] + (g2[i] - g1[i]) * (at - x1) / (x2 - x1);
    }
    return out;
  }

  private static ActivationMoments exact(BaseActivation phi, double inputScale, double inputShift) {
    double[] kinks = phi.kinks();
    GaussianQuadrature.Rule rule;
    if (kinks.length == 0 || inputScale == 0.0) {
      rule = GaussianQuadrature.plain();
    } else {
      double[] b = new double[kinks.length];
      for (int i = 0; i < kinks.length; i++) {
        b[i] = (kinks[i] - inputShift) / inputScale;
      }
      rule = GaussianQuadrature.withBreaks(b);
    }
    double[] xs = rule.nodes();
    double[] ws = rule.weights();
    double a2 = inputScale * inputScale;
    double m1 = 0;
    double m2 = 0;
    double ffz = 0;
    double fz = 0;
    double d1 = 0;
    double d2 = 0;
    for (int i = 0; i < xs.length; i++) {
      double x = xs[i];
      double w = ws[i];
      double u = inputScale * x + inputShift;
      double f = phi.value(u);
      double df = inputScale * phi.derivative(u);
      double ddf = a2 * phi.secondDerivative(u);
      m1 += w * f;
      m2 += w * f * f;
      ffz += w * f * df * x;
      fz += w * df * x;
      d1 += w * df * df;
      d2 += w * ddf * ddf;
    }
    return new ActivationMoments(m1, m2, ffz, fz, d1, d2);
  }

  /** The moments of the inner function phi(a x + b) of a shaped activation. */
  public static ActivationMoments ofInner(ShapedActivation s, Quadrature quadrature) {
    return of(s.phi(), s.inputScale(), s.inputShift(), quadrature);
  }

  /** Q(1) of gamma (f + delta). */
  public double q1(double delta, double gamma) {
    return gamma * gamma * (meanSquare + 2.0 * delta * mean + delta * delta);
  }

  /** Q'(1) = E[phi_hat phi_hat' z] of gamma (f + delta). */
  public double qSlope1(double delta, double gamma) {
    return gamma * gamma * (fDfZ + delta * dfZ);
  }

  /** E[phi_hat] of gamma (f + delta). */
  public double meanOf(double delta, double gamma) {
    return gamma * (mean + delta);
  }
}
