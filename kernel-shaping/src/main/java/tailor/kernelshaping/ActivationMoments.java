package tailor.kernelshaping;

import tailor.api.activation.BaseActivation;
import tailor.api.activation.ShapedActivation;

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

  /** The moments of phi(inputScale * x + inputShift). */
  public static ActivationMoments of(BaseActivation phi, double inputScale, double inputShift) {
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
  public static ActivationMoments ofInner(ShapedActivation s) {
    return of(s.phi(), s.inputScale(), s.inputShift());
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
