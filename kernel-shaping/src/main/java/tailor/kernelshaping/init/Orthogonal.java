package tailor.kernelshaping.init;

import java.util.random.RandomGenerator;

/**
 * Haar-distributed (uniform) orthogonal matrices: the Q factor of a Gaussian matrix, with the
 * signs of R's diagonal moved into Q so the distribution is uniform (Mezzadri 2007).
 */
public final class Orthogonal {
  private Orthogonal() {}

  /**
   * A rows x cols matrix (row-major) with orthonormal columns if rows &gt;= cols, orthonormal rows
   * otherwise.
   */
  public static double[] sample(int rows, int cols, RandomGenerator rng) {
    int m = Math.max(rows, cols);
    int n = Math.min(rows, cols);
    // a: m x n Gaussian, column-major for the Householder sweep.
    double[][] a = new double[n][m];
    for (int j = 0; j < n; j++) {
      for (int i = 0; i < m; i++) {
        a[j][i] = rng.nextGaussian();
      }
    }
    double[][] vs = new double[n][];
    double[] rdiag = new double[n];
    for (int k = 0; k < n; k++) {
      double norm = 0;
      for (int i = k; i < m; i++) {
        norm += a[k][i] * a[k][i];
      }
      norm = Math.sqrt(norm);
      double alpha = a[k][k] > 0 ? -norm : norm;
      double[] v = new double[m];
      for (int i = k; i < m; i++) {
        v[i] = a[k][i];
      }
      v[k] -= alpha;
      double vv = 0;
      for (int i = k; i < m; i++) {
        vv += v[i] * v[i];
      }
      vs[k] = vv == 0 ? null : v;
      for (int j = k; j < n; j++) {
        if (vs[k] == null) {
          break;
        }
        double d = 0;
        for (int i = k; i < m; i++) {
          d += v[i] * a[j][i];
        }
        double c = 2 * d / vv;
        for (int i = k; i < m; i++) {
          a[j][i] -= c * v[i];
        }
      }
      rdiag[k] = a[k][k];
    }
    // Q (m x n) = H_0 ... H_{n-1} applied to the first n unit vectors; then Q diag(sign(r_kk)).
    double[][] q = new double[n][m];
    for (int j = 0; j < n; j++) {
      q[j][j] = 1.0;
      for (int k = n - 1; k >= 0; k--) {
        double[] v = vs[k];
        if (v == null) {
          continue;
        }
        double vv = 0;
        double d = 0;
        for (int i = k; i < m; i++) {
          vv += v[i] * v[i];
          d += v[i] * q[j][i];
        }
        double c = 2 * d / vv;
        for (int i = k; i < m; i++) {
          q[j][i] -= c * v[i];
        }
      }
      if (rdiag[j] < 0) {
        for (int i = 0; i < m; i++) {
          q[j][i] = -q[j][i];
        }
      }
    }
    double[] out = new double[rows * cols];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        // rows >= cols: out = Q (m x n); otherwise out = Q^T (n x m).
        out[r * cols + c] = rows >= cols ? q[c][r] : q[r][c];
      }
    }
    return out;
  }
}
