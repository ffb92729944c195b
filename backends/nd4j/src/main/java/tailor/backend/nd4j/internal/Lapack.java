package tailor.backend.nd4j.internal;

import org.bytedeco.openblas.global.openblas;

/**
 * LAPACK from the OpenBLAS that ships with ND4J: the inverse of a symmetric positive-definite
 * matrix by Cholesky factorization (potrf) and inversion from the factor (potri), about n^3
 * flops. ND4J's own matrix inverse reports a zero determinant for K-FAC-sized SPD matrices (it
 * underflows) and its Cholesky rejects exactly symmetric SPD matrices (dependency-facts section 4).
 */
final class Lapack {
  private static final int ROW_MAJOR = 101;
  private static final byte LOWER = 'L';

  private Lapack() {}

  /** The inverse of the n x n SPD matrix {@code a} (row-major), in float32 or float64. */
  static double[] spdInverse(double[] a, int n, boolean f32) {
    int info;
    double[] out = new double[n * n];
    if (f32) {
      float[] m = new float[n * n];
      for (int i = 0; i < m.length; i++) {
        m[i] = (float) a[i];
      }
      info = openblas.LAPACKE_spotrf(ROW_MAJOR, LOWER, n, m, n);
      if (info == 0) {
        info = openblas.LAPACKE_spotri(ROW_MAJOR, LOWER, n, m, n);
      }
      for (int i = 0; i < m.length; i++) {
        out[i] = m[i];
      }
    } else {
      System.arraycopy(a, 0, out, 0, out.length);
      info = openblas.LAPACKE_dpotrf(ROW_MAJOR, LOWER, n, out, n);
      if (info == 0) {
        info = openblas.LAPACKE_dpotri(ROW_MAJOR, LOWER, n, out, n);
      }
    }
    if (info != 0) {
      throw new IllegalArgumentException(info > 0
          ? "inverseSpd: the matrix is not positive definite (leading minor " + info + " of " + n + ")"
          : "inverseSpd: LAPACK rejected argument " + (-info));
    }
    // potri fills the lower triangle; the inverse is symmetric
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        out[i * n + j] = out[j * n + i];
      }
    }
    return out;
  }
}
