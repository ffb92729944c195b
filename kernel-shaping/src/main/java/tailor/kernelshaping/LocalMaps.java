package tailor.kernelshaping;

import tailor.api.activation.ShapedActivation;
import tailor.api.shaping.Quadrature;

/**
 * The local Q- and C-map quantities of one activation phi_hat, for inputs with q = 1 (the
 * conditions DKS and TAT place on them):
 *
 * <ul>
 *   <li>Q(1) = E[phi_hat(z)^2] and Q'(1) = E[phi_hat(z) phi_hat'(z) z];
 *   <li>C(0) = E[phi_hat]^2 / Q(1), C'(1) = E[phi_hat'^2] / Q(1), C''(1) = E[phi_hat''^2] / Q(1)
 *       (the dual-kernel identity C^(k)(c) = E[phi^(k)(u) phi^(k)(v)] / Q(1)).
 * </ul>
 *
 * @param q1 Q(1)
 * @param qSlope1 Q'(1)
 * @param c0 C(0)
 * @param cSlope1 C'(1)
 * @param cCurv1 C''(1) (pointwise second derivative: kinks contribute no Dirac mass)
 */
public record LocalMaps(double q1, double qSlope1, double c0, double cSlope1, double cCurv1) {

  /** The local quantities of {@code phi}, integrated exactly. */
  public static LocalMaps of(ShapedActivation phi) {
    return of(phi, Quadrature.EXACT);
  }

  /** The local quantities of {@code phi} under the given quadrature. */
  public static LocalMaps of(ShapedActivation phi, Quadrature quadrature) {
    ActivationMoments m = ActivationMoments.ofInner(phi, quadrature);
    double delta = phi.outputShift();
    double gamma = phi.outputScale();
    double q1 = m.q1(delta, gamma);
    double mean = m.meanOf(delta, gamma);
    double g2 = gamma * gamma;
    return new LocalMaps(
        q1, m.qSlope1(delta, gamma), mean * mean / q1, g2 * m.dfSquare() / q1, g2 * m.ddfSquare() / q1);
  }
}
