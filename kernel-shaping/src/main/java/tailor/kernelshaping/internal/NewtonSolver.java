package tailor.kernelshaping.internal;

import java.util.function.Function;

/**
 * Newton's method for square systems F(x) = 0 of a few unknowns, with a forward-difference
 * Jacobian (step sqrt(eps) * max(|x_j|, 1)) and a backtracking line search on |F|. Converges to
 * the root to about 1e-14 in the residual: finite-difference error in the Jacobian only slows
 * the final iterations, it does not move the root.
 */
public final class NewtonSolver {
  private static final double FD_STEP = 1.4901161193847656e-8;
  private static final int MAX_ITER = 100;

  private NewtonSolver() {}

  /** The outcome of one solve. */
  public record Result(boolean success, double[] x, double residual, String reason) {}

  /** Solves F(x) = 0 from {@code start}. F returns null or non-finite values where undefined. */
  public static Result solve(Function<double[], double[]> f, double[] start) {
    int n = start.length;
    double[] x = start.clone();
    double[] fx = f.apply(x);
    if (!finite(fx)) {
      return new Result(false, x, Double.NaN, "the residual is undefined at the start");
    }
    double norm = maxAbs(fx);
    for (int iter = 0; iter < MAX_ITER; iter++) {
      if (norm < 1e-14) {
        return new Result(true, x, norm, "converged");
      }
      double[][] jac = new double[n][n];
      for (int j = 0; j < n; j++) {
        double h = FD_STEP * Math.max(Math.abs(x[j]), 1.0);
        double[] xh = x.clone();
        xh[j] += h;
        double[] fh = f.apply(xh);
        if (!finite(fh)) {
          xh[j] = x[j] - h;
          fh = f.apply(xh);
          h = -h;
          if (!finite(fh)) {
            return new Result(false, x, norm, "the residual is undefined next to " + fmt(x));
          }
        }
        for (int i = 0; i < n; i++) {
          jac[i][j] = (fh[i] - fx[i]) / h;
        }
      }
      double[] dx = solveLinear(jac, negate(fx));
      if (dx == null) {
        return new Result(false, x, norm, "singular Jacobian at " + fmt(x));
      }
      double t = 1.0;
      boolean accepted = false;
      while (t > 1e-12) {
        double[] xn = new double[n];
        for (int i = 0; i < n; i++) {
          xn[i] = x[i] + t * dx[i];
        }
        double[] fn = f.apply(xn);
        if (finite(fn)) {
          double nn = maxAbs(fn);
          if (nn < norm) {
            double stepSize = t * maxAbs(dx);
            x = xn;
            fx = fn;
            norm = nn;
            accepted = true;
            if (stepSize <= 1e-15 * Math.max(maxAbs(x), 1e-15) && norm < 1e-9) {
              return new Result(true, x, norm, "converged (step below rounding)");
            }
            break;
          }
        }
        t *= 0.5;
      }
      if (!accepted) {
        return norm < 1e-10
            ? new Result(true, x, norm, "converged to rounding")
            : new Result(false, x, norm, "no descent from " + fmt(x) + " (|F| = " + norm + ")");
      }
    }
    return norm < 1e-10
        ? new Result(true, x, norm, "converged")
        : new Result(false, x, norm, "no convergence in " + MAX_ITER + " iterations");
  }

  private static boolean finite(double[] v) {
    if (v == null) {
      return false;
    }
    for (double d : v) {
      if (!Double.isFinite(d)) {
        return false;
      }
    }
    return true;
  }

  private static double maxAbs(double[] v) {
    double m = 0;
    for (double d : v) {
      m = Math.max(m, Math.abs(d));
    }
    return m;
  }

  private static double[] negate(double[] v) {
    double[] r = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      r[i] = -v[i];
    }
    return r;
  }

  /** Gaussian elimination with partial pivoting; null if singular. */
  static double[] solveLinear(double[][] a0, double[] b0) {
    int n = b0.length;
    double[][] a = new double[n][];
    for (int i = 0; i < n; i++) {
      a[i] = a0[i].clone();
    }
    double[] b = b0.clone();
    double scale = 0;
    for (double[] row : a) {
      for (double v : row) {
        scale = Math.max(scale, Math.abs(v));
      }
    }
    if (scale == 0) {
      return null;
    }
    for (int col = 0; col < n; col++) {
      int piv = col;
      for (int r = col + 1; r < n; r++) {
        if (Math.abs(a[r][col]) > Math.abs(a[piv][col])) {
          piv = r;
        }
      }
      if (Math.abs(a[piv][col]) <= 1e-14 * scale) {
        return null;
      }
      double[] tmp = a[piv];
      a[piv] = a[col];
      a[col] = tmp;
      double tb = b[piv];
      b[piv] = b[col];
      b[col] = tb;
      for (int r = col + 1; r < n; r++) {
        double factor = a[r][col] / a[col][col];
        for (int c = col; c < n; c++) {
          a[r][c] -= factor * a[col][c];
        }
        b[r] -= factor * b[col];
      }
    }
    double[] x = new double[n];
    for (int i = n - 1; i >= 0; i--) {
      double s = b[i];
      for (int j = i + 1; j < n; j++) {
        s -= a[i][j] * x[j];
      }
      x[i] = s / a[i][i];
    }
    return x;
  }

  static String fmt(double[] x) {
    StringBuilder sb = new StringBuilder("(");
    for (int i = 0; i < x.length; i++) {
      sb.append(i == 0 ? "" : ", ").append(String.format(java.util.Locale.ROOT, "%.6g", x[i]));
    }
    return sb.append(')').toString();
  }
}
