package tailor.api.activation;

/**
 * Elementwise operations on a backend's tensors (of type {@code T}), with the backend's own
 * gradients. An activation written in them ({@link BaseActivation#apply}) is computed by every
 * backend, on its device and differentiated by its autodiff, without the backend knowing the
 * activation. Scalars are doubles; a backend keeps them at its tensors' precision.
 *
 * @param <T> the backend's tensor type
 */
public interface ElementwiseOps<T> {
  T add(T a, T b);

  T sub(T a, T b);

  T mul(T a, T b);

  T div(T a, T b);

  /** a + c. */
  T add(T a, double c);

  /** a * c. */
  T mul(T a, double c);

  T neg(T a);

  T abs(T a);

  T exp(T a);

  /** The natural logarithm. */
  T log(T a);

  T sqrt(T a);

  T tanh(T a);

  /** 1 / (1 + exp(-a)). */
  T sigmoid(T a);

  T atan(T a);

  /** The error function. */
  T erf(T a);

  /** max(a, 0), with gradient 0 at 0. */
  T relu(T a);

  /** Elementwise {@code test >= 0 ? ifNonNegative : ifNegative}; the gradient flows to the chosen one. */
  T where(T test, T ifNonNegative, T ifNegative);

  /** a * a. */
  default T square(T a) {
    return mul(a, a);
  }

  /** log(1 + exp(a)), computed as log(1 + exp(-|a|)) + max(a, 0) so that it never overflows. */
  default T softplus(T a) {
    return add(log(add(exp(neg(abs(a))), 1.0)), relu(a));
  }
}
