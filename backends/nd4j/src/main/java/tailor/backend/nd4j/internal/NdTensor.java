package tailor.backend.nd4j.internal;

import java.util.Arrays;
import tailor.api.backend.Tensor;

/**
 * A tensor of the nd4j backend: row-major values on the host (float32 sessions keep every value
 * rounded to float32) and, inside a recorded pass, its node of the tape.
 */
final class NdTensor implements Tensor {
  final double[] data;
  final int[] shape;
  /** Whether gradients flow to this tensor in the current pass. */
  boolean tracked;
  /** d loss / d this tensor, after backward (null where nothing flowed). */
  double[] grad;
  /** Set for parameters. */
  final boolean parameter;

  NdTensor(double[] data, int[] shape, boolean parameter) {
    this.data = data;
    this.shape = shape.clone();
    this.parameter = parameter;
  }

  int size() {
    return data.length;
  }

  int dim(int i) {
    return shape[i];
  }

  @Override
  public int[] shape() {
    return shape.clone();
  }

  @Override
  public double[] toArray() {
    return data.clone();
  }

  @Override
  public void copyTo(double[] into) {
    if (into.length < data.length) {
      throw new IllegalArgumentException("a tensor of " + data.length + " elements into an array of "
          + into.length);
    }
    System.arraycopy(data, 0, into, 0, data.length);
  }

  @Override
  public Tensor gradient() {
    if (!parameter || grad == null) {
      return null;
    }
    return new NdTensor(grad.clone(), shape, false);
  }

  @Override
  public String toString() {
    return "nd4j tensor " + Arrays.toString(shape);
  }
}
