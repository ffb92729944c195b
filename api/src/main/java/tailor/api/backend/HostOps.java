package tailor.api.backend;

import java.util.Arrays;

/** Host implementations behind {@link BackendSession}'s default methods. */
final class HostOps {
  private HostOps() {}

  static int[] concatShape(int axis, Tensor... parts) {
    if (parts.length == 0) {
      throw new IllegalArgumentException("concat needs at least one tensor");
    }
    int[] out = parts[0].shape().clone();
    if (axis < 0 || axis >= out.length) {
      throw new IllegalArgumentException("concat axis " + axis + " outside a " + out.length
          + "-D tensor");
    }
    for (int p = 1; p < parts.length; p++) {
      int[] s = parts[p].shape();
      boolean fits = s.length == out.length;
      for (int d = 0; fits && d < s.length; d++) {
        fits = d == axis || s[d] == out[d];
      }
      if (!fits) {
        throw new IllegalArgumentException("concat along axis " + axis + ": shape "
            + Arrays.toString(s) + " does not fit " + Arrays.toString(parts[0].shape()));
      }
      out[axis] += s[axis];
    }
    return out;
  }

  static double[] concat(int axis, Tensor... parts) {
    int[] shape = concatShape(axis, parts);
    int outer = 1;
    for (int d = 0; d < axis; d++) {
      outer *= shape[d];
    }
    int inner = 1;
    for (int d = axis + 1; d < shape.length; d++) {
      inner *= shape[d];
    }
    double[] out = new double[outer * shape[axis] * inner];
    int row = shape[axis] * inner;
    int offset = 0;
    for (Tensor t : parts) {
      double[] v = t.toArray();
      int chunk = t.shape()[axis] * inner;
      for (int o = 0; o < outer; o++) {
        System.arraycopy(v, o * chunk, out, o * row + offset, chunk);
      }
      offset += chunk;
    }
    return out;
  }

  /** See {@link BackendSession#scaleShiftExampleGradients}. */
  static double[] scaleShiftExampleGradients(double[] x, double[] dy, int[] shape) {
    int n = shape[0];
    int c = shape[1];
    int loc = x.length / (n * c);
    double[] out = new double[n * 2 * c];
    for (int e = 0; e < n; e++) {
      for (int ch = 0; ch < c; ch++) {
        double ss = 0;
        double sh = 0;
        for (int l = 0; l < loc; l++) {
          int i = (e * c + ch) * loc + l;
          ss += dy[i] * x[i];
          sh += dy[i];
        }
        out[e * 2 * c + ch] = ss;
        out[e * 2 * c + c + ch] = sh;
      }
    }
    return out;
  }
}
