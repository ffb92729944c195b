package tailor.backend.cpu.internal;

import ai.djl.ndarray.NDArray;
import tailor.api.backend.Tensor;

/** A tensor backed by a DJL NDArray. */
final class DjlTensor implements Tensor {
  final NDArray array;
  final boolean parameter;

  DjlTensor(NDArray array, boolean parameter) {
    this.array = array;
    this.parameter = parameter;
  }

  @Override
  public int[] shape() {
    long[] s = array.getShape().getShape();
    int[] out = new int[s.length];
    for (int i = 0; i < s.length; i++) {
      out[i] = Math.toIntExact(s[i]);
    }
    return out;
  }

  @Override
  public double[] toArray() {
    return DjlSession.hostDoubles(array);
  }

  @Override
  public void copyTo(double[] into) {
    DjlSession.hostInto(array, into);
  }

  @Override
  public Tensor gradient() {
    if (!parameter || !array.hasGradient()) {
      return null;
    }
    return new DjlTensor(array.getGradient().duplicate(), false);
  }
}
