package tailor.api.backend;

/** A tensor living in a backend session. Engine types never cross the SPI. */
public interface Tensor {

  /** The shape. */
  int[] shape();

  /** The elements, row-major, copied to the host. */
  double[] toArray();

  /**
   * The elements, row-major, copied into the first elements of {@code into} (at least this
   * tensor's size): a host copy without a new array, for loops that move tensors every step.
   */
  default void copyTo(double[] into) {
    double[] a = toArray();
    if (a.length > into.length) {
      throw new IllegalArgumentException("a tensor of " + a.length + " elements into an array of "
          + into.length);
    }
    System.arraycopy(a, 0, into, 0, a.length);
  }

  /** The gradient of the last backward pass with respect to this parameter, or null. */
  Tensor gradient();

  /** The single element of a scalar. */
  default double scalar() {
    double[] a = toArray();
    if (a.length != 1) {
      throw new IllegalStateException("not a scalar: " + java.util.Arrays.toString(shape()));
    }
    return a[0];
  }
}
