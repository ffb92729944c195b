package tailor.api.backend;

/** A tensor living in a backend session. Engine types never cross the SPI. */
public interface Tensor {

  /** The shape. */
  int[] shape();

  /** The elements, row-major, copied to the host. */
  double[] toArray();

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
