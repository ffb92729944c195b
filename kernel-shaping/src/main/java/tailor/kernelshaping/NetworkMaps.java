package tailor.kernelshaping;

import java.util.List;
import tailor.api.activation.ShapedActivation;
import tailor.api.shaping.MapAlgebra;
import tailor.api.shaping.Quadrature;
import tailor.api.shaping.SubnetMaxFunction;

/**
 * Network-level kernel quantities for one activation used in every nonlinear layer, assuming
 * q = 1 at every layer input (what DKS/TAT arrange):
 *
 * <ul>
 *   <li>{@code c0}: max over subnetworks of C_f(0) = M_{f,C}(0);
 *   <li>{@code cSlope1}, {@code cCurv1}: max over subnetworks of C_f'(1) and C_f''(1), computed
 *       exactly by propagating 2-jets at c = 1 through the architecture (C(1) = 1 at every
 *       layer, so (g o h)'(1) = g'(1) h'(1) and (g o h)''(1) = g''(1) h'(1)^2 + g'(1) h''(1)).
 * </ul>
 *
 * <p>With C'(1) = s in every layer, {@code cSlope1} equals the DKS maximal slope function
 * mu_f(s); with C'(1) = 1 and C''(1) = kappa, {@code cCurv1} equals the TAT maximal curvature
 * function; for other activations it is the exact second derivative, not the additive
 * approximation.
 *
 * @param c0 max C_f(0)
 * @param cSlope1 max C_f'(1)
 * @param cCurv1 max C_f''(1)
 */
public record NetworkMaps(double c0, double cSlope1, double cCurv1) {

  /** The network quantities of {@code phi} in {@code network}, integrated exactly. */
  public static NetworkMaps of(ShapedActivation phi, SubnetMaxFunction network) {
    return of(phi, network, Quadrature.EXACT);
  }

  /**
   * The network quantities under the given quadrature (which applies to the local C(0), C'(1),
   * C''(1); C(c) at other c is always integrated exactly).
   */
  public static NetworkMaps of(ShapedActivation phi, SubnetMaxFunction network, Quadrature quadrature) {
    CMap cmap = CMap.of(phi);
    LocalMaps local = LocalMaps.of(phi, quadrature);
    double c0 = network.apply(0.0, c -> c == 0.0 ? local.c0() : cmap.value(c));
    List<double[]> jets = network.subnetworks(new double[] {1.0, 1.0, 0.0},
        jetAlgebra(local.cSlope1(), local.cCurv1()));
    double slope = Double.NEGATIVE_INFINITY;
    double curv = Double.NEGATIVE_INFINITY;
    for (double[] j : jets) {
      slope = Math.max(slope, j[1]);
      curv = Math.max(curv, j[2]);
    }
    return new NetworkMaps(c0, slope, curv);
  }

  /**
   * The algebra of 2-jets (value, first, second derivative) at the fixed point c = 1 for a local
   * map with C(1) = 1, C'(1) = s, C''(1) = k.
   */
  public static MapAlgebra<double[]> jetAlgebra(double s, double k) {
    return new MapAlgebra<>() {
      @Override
      public double[] nonlinear(double[] x) {
        return new double[] {1.0, s * x[1], k * x[1] * x[1] + s * x[2]};
      }

      @Override
      public double[] normalizedSum(double[] w2, List<double[]> branches) {
        double[] r = new double[3];
        for (int i = 0; i < w2.length; i++) {
          double[] b = branches.get(i);
          for (int j = 0; j < 3; j++) {
            r[j] += w2[i] * b[j];
          }
        }
        return r;
      }
    };
  }
}
