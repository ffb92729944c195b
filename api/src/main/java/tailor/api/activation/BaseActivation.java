package tailor.api.activation;

import tailor.api.Plugin;

/**
 * A named scalar activation function phi with its first and second derivatives, in double
 * precision. These are the "base" functions that DKS and TAT transform; see
 * {@link ShapedActivation}.
 *
 * <p>Derivatives are pointwise: at a kink (see {@link #kinks()}) any one-sided value may be
 * returned, and Dirac masses of the second derivative are not represented, exactly as automatic
 * differentiation treats them in the reference implementation.
 */
public interface BaseActivation extends Plugin {

  /** phi(x). */
  double value(double x);

  /** phi'(x). */
  double derivative(double x);

  /** phi''(x), pointwise (no Dirac masses at kinks). */
  double secondDerivative(double x);

  /**
   * The points where phi or one of its first two derivatives is not smooth (ReLU: {0}). Gaussian
   * quadrature splits its panels there, which is what makes expectations of kinked activations
   * exact to rounding. Empty for smooth activations.
   */
  default double[] kinks() {
    return new double[0];
  }

  /** True if phi has no kinks. */
  default boolean isSmooth() {
    return kinks().length == 0;
  }

  /**
   * True if phi' itself jumps at a kink (ReLU, leaky ReLU, SELU): then C''(1) is infinite, since
   * the dual kernel of phi' has a Dirac component. False for smooth activations and for those
   * whose kinks are only in phi'' (ELU, softsign).
   */
  default boolean derivativeJumps() {
    return false;
  }

  /**
   * phi applied to a backend tensor, written in the backend's elementwise operations, so that
   * any backend computes this activation (and its gradient, by the backend's autodiff) on its
   * device. Null when phi is not written so: a backend then evaluates {@link #value} and {@link
   * #derivative} on the host, which is exact but slower. Backends may use their own kernels for
   * activations they know by name.
   *
   * @param u the pre-activation
   * @param ops the backend's operations
   * @return phi(u), or null
   */
  default <T> T apply(T u, ElementwiseOps<T> ops) {
    return null;
  }

  /** True for activations with a negative-slope parameter (leaky ReLU). */
  default boolean hasNegativeSlope() {
    return false;
  }

  /** The current negative slope, for activations that have one. */
  default double negativeSlope() {
    throw new UnsupportedOperationException(name() + " has no negative slope");
  }

  /** This activation with another negative slope (leaky ReLU only). */
  default BaseActivation withNegativeSlope(double slope) {
    throw new UnsupportedOperationException(name() + " has no negative slope");
  }
}
