package tailor.api.shaping;

import java.util.List;

/**
 * What an architecture needs to propagate a value of type T through itself when every
 * nonlinear layer is replaced by a map r: the map itself and the rule for normalized sums.
 * Affine layers, pooling and dropout are the identity.
 *
 * <p>With T = Double and r a local C map this computes the network's C map; with r(y) = s*y it
 * computes the maximal slope function of DKS; with r(y) = kappa + y the maximal curvature
 * function of TAT; with T a 2-jet it computes C_f'(1) and C_f''(1) exactly.
 *
 * @param <T> the propagated value
 */
public interface MapAlgebra<T> {

  /** The replacement r of one nonlinear layer. */
  T nonlinear(T x);

  /**
   * A normalized sum sum_i w_i * branch_i (with sum_i w_i^2 = 1) becomes
   * sum_i w_i^2 * value_i.
   *
   * @param squaredWeights the w_i^2, which sum to 1
   * @param branchValues the value of each branch
   */
  T normalizedSum(double[] squaredWeights, List<T> branchValues);
}
