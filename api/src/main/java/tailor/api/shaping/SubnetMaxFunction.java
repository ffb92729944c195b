package tailor.api.shaping;

import java.util.List;
import java.util.function.DoubleUnaryOperator;

/**
 * The subnetwork maximizing function M_{f,r}(x) of the TAT paper (Appendix B): propagate x
 * through every subnetwork of f with each nonlinear layer replaced by r, and return the largest
 * result. An {@link tailor.api.model.Architecture} derives it from its layer graph.
 */
public interface SubnetMaxFunction {

  /**
   * The value of every subnetwork that can be the maximizer, the full network first. Every
   * element is computed from the same input x, each subnetwork being a network of its own.
   */
  <T> List<T> subnetworks(T x, MapAlgebra<T> algebra);

  /** A short description of the architecture ("resnet-50 v2 w=0.0"). */
  String describe();

  /** M_{f,r}(x) = max over subnetworks. */
  default double apply(double x, DoubleUnaryOperator r) {
    double best = Double.NEGATIVE_INFINITY;
    for (double v : subnetworks(x, scalar(r))) {
      best = Math.max(best, v);
    }
    return best;
  }

  /** The full network alone (no maximum): for example the network's C map C_f(c). */
  default double full(double x, DoubleUnaryOperator r) {
    return subnetworks(x, scalar(r)).get(0);
  }

  /** The maximal slope function of DKS: mu_f(s) = M_{f, y -> s*y}(1). */
  default double maxSlope(double localSlope) {
    return apply(1.0, y -> localSlope * y);
  }

  /** The maximal curvature function of TAT: M_{f, y -> kappa + y}(0). */
  default double maxCurvature(double localCurvature) {
    return apply(0.0, y -> localCurvature + y);
  }

  /** The scalar algebra for a map r. */
  static MapAlgebra<Double> scalar(DoubleUnaryOperator r) {
    return new MapAlgebra<>() {
      @Override
      public Double nonlinear(Double x) {
        return r.applyAsDouble(x);
      }

      @Override
      public Double normalizedSum(double[] squaredWeights, List<Double> values) {
        double s = 0.0;
        for (int i = 0; i < squaredWeights.length; i++) {
          s += squaredWeights[i] * values.get(i);
        }
        return s;
      }
    };
  }
}
