package tailor.api.shaping;

/**
 * The network-level targets of DKS and TAT, named as in the papers.
 *
 * @param eta TAT-LReLU: the largest C_f(0) allowed over all subnetworks, in [0, 1] (default 0.9)
 * @param tau TAT-smooth: the largest C_f''(1) allowed over all subnetworks, &gt; 0 (default 0.3)
 * @param zeta DKS: the largest C_f'(1) allowed over all subnetworks, &gt; 1 (default 1.5)
 * @param qSlope DKS: the local Q'(1) target, &gt; 0 (default 1; other values are for ablations)
 * @param quadrature how expectations of kinked activations are integrated (default
 *     {@link Quadrature#DKS}, the reference's values)
 */
public record ShapingTargets(double eta, double tau, double zeta, double qSlope, Quadrature quadrature) {
  public static final double DEFAULT_ETA = 0.9;
  public static final double DEFAULT_TAU = 0.3;
  public static final double DEFAULT_ZETA = 1.5;
  public static final double DEFAULT_Q_SLOPE = 1.0;

  /** The reference package's defaults. */
  public static ShapingTargets defaults() {
    return new ShapingTargets(DEFAULT_ETA, DEFAULT_TAU, DEFAULT_ZETA, DEFAULT_Q_SLOPE, Quadrature.DKS);
  }

  public ShapingTargets withEta(double v) {
    return new ShapingTargets(v, tau, zeta, qSlope, quadrature);
  }

  public ShapingTargets withTau(double v) {
    return new ShapingTargets(eta, v, zeta, qSlope, quadrature);
  }

  public ShapingTargets withZeta(double v) {
    return new ShapingTargets(eta, tau, v, qSlope, quadrature);
  }

  public ShapingTargets withQSlope(double v) {
    return new ShapingTargets(eta, tau, zeta, v, quadrature);
  }

  public ShapingTargets withQuadrature(Quadrature q) {
    return new ShapingTargets(eta, tau, zeta, qSlope, q);
  }
}
