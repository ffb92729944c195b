package tailor.kernelshaping.internal;

import java.util.function.Function;

/**
 * Powell's hybrid method for square systems F(x) = 0, following the algorithm of MINPACK's
 * {@code hybrd} as documented in the MINPACK-1 user guide (Moré, Garbow, Hillstrom 1980), which is
 * what the reference's {@code scipy.optimize.root(method="hybr")} runs: a forward-difference
 * Jacobian (step sqrt(eps) |x_j|), a dogleg step inside a scaled trust region (initial radius
 * 100 ||D x||, D the running maximum of the Jacobian's column norms), Broyden rank-one updates
 * between Jacobian evaluations, a fresh Jacobian after two consecutive poor steps, and success
 * when the trust radius falls below xtol ||D x||.
 *
 * <p>Following the same path matters here: the systems of TAT and DKS often have several roots
 * (for an odd activation, (a, b, d) and (a, -b, -d) are both roots), and from a given start the
 * hybrid method's trust region decides which one is found. Written from the published algorithm;
 * the QR factorization is recomputed after each Broyden update instead of being updated by Givens
 * rotations, which gives the same steps for the two- and three-unknown systems solved here.
 */
public final class HybridSolver {
  private static final double EPSMCH = Math.ulp(1.0);
  private static final double XTOL = 1.49012e-08;
  private static final double FACTOR = 100.0;

  private HybridSolver() {}

  /** The outcome of one solve. */
  public record Result(boolean success, double[] x, double residual, String reason) {}

  /** A point as "(1.00000, -0.500000)" for messages. */
  static String fmt(double[] x) {
    StringBuilder sb = new StringBuilder("(");
    for (int i = 0; i < x.length; i++) {
      sb.append(i == 0 ? "" : ", ").append(String.format(java.util.Locale.ROOT, "%.6g", x[i]));
    }
    return sb.append(')').toString();
  }

  /** Solves F(x) = 0 from {@code start}; F may return null or non-finite values (treated as failure). */
  public static Result solve(Function<double[], double[]> fun, double[] start) {
    int n = start.length;
    int maxfev = 200 * (n + 1);
    int[] nfev = {0};
    Function<double[], double[]> f = x -> {
      nfev[0]++;
      double[] v = fun.apply(x);
      if (v == null) {
        return null;
      }
      for (double d : v) {
        if (!Double.isFinite(d)) {
          return null;
        }
      }
      return v;
    };
    double[] x = start.clone();
    double[] fvec = f.apply(x);
    if (fvec == null) {
      return new Result(false, x, Double.NaN, "the residual is undefined at the start");
    }
    double fnorm = norm(fvec);
    double[] diag = new double[n];
    double delta = 0;
    double xnorm = 0;
    int iter = 1;
    int ncsuc = 0;
    int ncfail = 0;
    int nslow1 = 0;
    int nslow2 = 0;
    while (true) {
      // Outer iteration: a fresh forward-difference Jacobian.
      double[][] jac = jacobian(f, x, fvec);
      if (jac == null) {
        return new Result(false, x, fnorm, "the residual is undefined next to the iterate");
      }
      double[] acnorm = new double[n];
      for (int j = 0; j < n; j++) {
        double s = 0;
        for (int i = 0; i < n; i++) {
          s += jac[i][j] * jac[i][j];
        }
        acnorm[j] = Math.sqrt(s);
      }
      if (iter == 1) {
        for (int j = 0; j < n; j++) {
          diag[j] = acnorm[j] == 0 ? 1.0 : acnorm[j];
        }
        xnorm = scaledNorm(diag, x);
        delta = FACTOR * xnorm;
        if (delta == 0) {
          delta = FACTOR;
        }
      }
      for (int j = 0; j < n; j++) {
        diag[j] = Math.max(diag[j], acnorm[j]);
      }
      boolean jeval = true;
      while (true) {
        // Inner iteration: dogleg step with the current (possibly Broyden-updated) Jacobian.
        double[] step = dogleg(jac, diag, fvec, delta);
        if (step == null) {
          return new Result(false, x, fnorm, "degenerate Jacobian");
        }
        double[] p = new double[n];
        double[] xn = new double[n];
        for (int j = 0; j < n; j++) {
          p[j] = -step[j];
          xn[j] = x[j] + p[j];
        }
        double pnorm = scaledNorm(diag, p);
        if (iter == 1) {
          delta = Math.min(delta, pnorm);
        }
        double[] fn = f.apply(xn);
        double fnorm1 = fn == null ? Double.POSITIVE_INFINITY : norm(fn);
        double actred = fnorm1 < fnorm ? 1.0 - (fnorm1 / fnorm) * (fnorm1 / fnorm) : -1.0;
        // Predicted reduction from the linear model F + J p.
        double[] lin = new double[n];
        for (int i = 0; i < n; i++) {
          double s = fvec[i];
          for (int j = 0; j < n; j++) {
            s += jac[i][j] * p[j];
          }
          lin[i] = s;
        }
        double temp = norm(lin);
        double prered = temp < fnorm ? 1.0 - (temp / fnorm) * (temp / fnorm) : 0.0;
        double ratio = prered > 0 ? actred / prered : 0.0;
        if (ratio < 0.1) {
          ncsuc = 0;
          ncfail++;
          delta = 0.5 * delta;
        } else {
          ncfail = 0;
          ncsuc++;
          if (ratio >= 0.5 || ncsuc > 1) {
            delta = Math.max(delta, pnorm / 0.5);
          }
          if (Math.abs(ratio - 1.0) <= 0.1) {
            delta = pnorm / 0.5;
          }
        }
        if (ratio >= 1e-4) {
          double[] fOld = fvec;
          x = xn;
          fvec = fn;
          xnorm = scaledNorm(diag, x);
          fnorm = fnorm1;
          iter++;
          jac = broyden(jac, diag, p, pnorm, fOld, fvec);
        } else if (fn != null) {
          // MINPACK updates the Jacobian with the rejected step too.
          jac = broyden(jac, diag, p, pnorm, fvec, fn);
        }
        nslow1 = actred >= 0.001 ? 0 : nslow1 + 1;
        if (jeval) {
          nslow2++;
        }
        if (actred >= 0.1) {
          nslow2 = 0;
        }
        if (delta <= XTOL * xnorm || fnorm == 0) {
          return new Result(true, x, fnorm, "converged");
        }
        if (nfev[0] >= maxfev) {
          return new Result(false, x, fnorm, "too many evaluations (" + nfev[0] + ")");
        }
        if (0.1 * Math.max(0.1 * delta, pnorm) <= EPSMCH * xnorm) {
          return new Result(false, x, fnorm, "xtol is too small: no further improvement");
        }
        if (nslow2 == 5) {
          return new Result(false, x, fnorm,
              "the iteration is not making good progress (Jacobian evaluations)");
        }
        if (nslow1 == 10) {
          return new Result(false, x, fnorm,
              "the iteration is not making good progress (last ten iterations)");
        }
        if (ncfail == 2) {
          break;
        }
        jeval = false;
      }
    }
  }

  /** The Broyden rank-one update J + (F_new - F - J p) (D^2 p)^T / ||D p||^2. */
  private static double[][] broyden(double[][] jac, double[] diag, double[] p, double pnorm,
      double[] fOld, double[] fNew) {
    if (pnorm == 0) {
      return jac;
    }
    int n = p.length;
    double[][] out = new double[n][n];
    for (int i = 0; i < n; i++) {
      double jp = 0;
      for (int j = 0; j < n; j++) {
        jp += jac[i][j] * p[j];
      }
      double r = (fNew[i] - fOld[i] - jp) / pnorm;
      for (int j = 0; j < n; j++) {
        out[i][j] = jac[i][j] + r * diag[j] * (diag[j] * p[j] / pnorm);
      }
    }
    return out;
  }

  private static double[][] jacobian(Function<double[], double[]> f, double[] x, double[] fvec) {
    int n = x.length;
    double eps = Math.sqrt(EPSMCH);
    double[][] jac = new double[n][n];
    for (int j = 0; j < n; j++) {
      double h = eps * Math.abs(x[j]);
      if (h == 0) {
        h = eps;
      }
      double[] xh = x.clone();
      xh[j] = x[j] + h;
      double[] fh = f.apply(xh);
      if (fh == null) {
        return null;
      }
      for (int i = 0; i < n; i++) {
        jac[i][j] = (fh[i] - fvec[i]) / h;
      }
    }
    return jac;
  }

  /**
   * The dogleg step for min ||J s - F|| within ||D s|| &lt;= delta (the solution of J s = F when it
   * fits): the Gauss-Newton point, the scaled steepest-descent point, or the combination on the
   * trust-region boundary, as in MINPACK's {@code dogleg}. Returns s (the step is -s).
   */
  static double[] dogleg(double[][] jac, double[] diag, double[] fvec, double delta) {
    int n = fvec.length;
    double[][] qt = new double[n][n];
    double[][] r = new double[n][n];
    householderQr(jac, qt, r);
    double[] qtf = new double[n];
    for (int i = 0; i < n; i++) {
      double s = 0;
      for (int k = 0; k < n; k++) {
        s += qt[i][k] * fvec[k];
      }
      qtf[i] = s;
    }
    // Gauss-Newton direction R x = Q^T F, with tiny pivots replaced as MINPACK does.
    double[] gn = new double[n];
    for (int j = n - 1; j >= 0; j--) {
      double s = qtf[j];
      for (int k = j + 1; k < n; k++) {
        s -= r[j][k] * gn[k];
      }
      double t = r[j][j];
      if (t == 0) {
        double m = 0;
        for (int i = 0; i <= j; i++) {
          m = Math.max(m, Math.abs(r[i][j]));
        }
        t = EPSMCH * m;
        if (t == 0) {
          t = EPSMCH;
        }
      }
      gn[j] = s / t;
    }
    double qnorm = scaledNorm(diag, gn);
    if (qnorm <= delta) {
      return gn;
    }
    // Scaled gradient direction: D^{-1} R^T Q^T F.
    double[] g = new double[n];
    for (int j = 0; j < n; j++) {
      double s = 0;
      for (int i = 0; i <= j; i++) {
        s += r[i][j] * qtf[i];
      }
      g[j] = s / diag[j];
    }
    double gnorm = norm(g);
    double sgnorm = 0;
    double alpha = delta / qnorm;
    if (gnorm != 0) {
      for (int j = 0; j < n; j++) {
        g[j] = (g[j] / gnorm) / diag[j];
      }
      double[] rg = new double[n];
      for (int i = 0; i < n; i++) {
        double s = 0;
        for (int j = i; j < n; j++) {
          s += r[i][j] * g[j];
        }
        rg[i] = s;
      }
      double temp = norm(rg);
      sgnorm = (gnorm / temp) / temp;
      alpha = 0;
      if (sgnorm < delta) {
        double bnorm = norm(qtf);
        double t = (bnorm / gnorm) * (bnorm / qnorm) * (sgnorm / delta);
        double dq = delta / qnorm;
        double sd = sgnorm / delta;
        t = t - dq * sd * sd + Math.sqrt((t - dq) * (t - dq) + (1.0 - dq * dq) * (1.0 - sd * sd));
        alpha = (dq * (1.0 - sd * sd)) / t;
      }
    }
    double temp = (1.0 - alpha) * Math.min(sgnorm, delta);
    double[] out = new double[n];
    for (int j = 0; j < n; j++) {
      out[j] = temp * g[j] + alpha * gn[j];
    }
    return out;
  }

  /** A = Q R by Householder reflections; writes Q^T and R. */
  static void householderQr(double[][] a0, double[][] qt, double[][] r) {
    int n = a0.length;
    double[][] a = new double[n][];
    for (int i = 0; i < n; i++) {
      a[i] = a0[i].clone();
      for (int j = 0; j < n; j++) {
        qt[i][j] = i == j ? 1.0 : 0.0;
      }
    }
    for (int k = 0; k < n; k++) {
      double s = 0;
      for (int i = k; i < n; i++) {
        s += a[i][k] * a[i][k];
      }
      double alpha = Math.sqrt(s);
      if (alpha == 0) {
        continue;
      }
      if (a[k][k] > 0) {
        alpha = -alpha;
      }
      double[] v = new double[n];
      for (int i = k; i < n; i++) {
        v[i] = a[i][k];
      }
      v[k] -= alpha;
      double vv = 0;
      for (int i = k; i < n; i++) {
        vv += v[i] * v[i];
      }
      if (vv == 0) {
        continue;
      }
      for (int j = 0; j < n; j++) {
        double d = 0;
        for (int i = k; i < n; i++) {
          d += v[i] * a[i][j];
        }
        double c = 2 * d / vv;
        for (int i = k; i < n; i++) {
          a[i][j] -= c * v[i];
        }
        double dq = 0;
        for (int i = k; i < n; i++) {
          dq += v[i] * qt[i][j];
        }
        double cq = 2 * dq / vv;
        for (int i = k; i < n; i++) {
          qt[i][j] -= cq * v[i];
        }
      }
    }
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        r[i][j] = j >= i ? a[i][j] : 0.0;
      }
    }
  }

  private static double norm(double[] v) {
    double s = 0;
    for (double d : v) {
      s += d * d;
    }
    return Math.sqrt(s);
  }

  private static double scaledNorm(double[] d, double[] v) {
    double s = 0;
    for (int i = 0; i < v.length; i++) {
      s += d[i] * v[i] * d[i] * v[i];
    }
    return Math.sqrt(s);
  }
}
