package tailor.kernelshaping;

/**
 * Special functions missing from {@link Math}, accurate to a few ulps in double precision:
 * erf/erfc (a positive-term series near 0 and a continued fraction in the tails), the logistic
 * sigmoid and asinh.
 */
public final class SpecialFunctions {
  /** 2 / sqrt(pi). */
  public static final double TWO_OVER_SQRT_PI = 1.1283791670955126;
  /** 1 / sqrt(2 pi). */
  public static final double INV_SQRT_2PI = 0.3989422804014327;

  private SpecialFunctions() {}

  /** The error function. */
  public static double erf(double x) {
    double ax = Math.abs(x);
    if (ax < 2.5) {
      return erfSeries(x);
    }
    double r = 1.0 - erfcTail(ax);
    return x < 0 ? -r : r;
  }

  /** The complementary error function 1 - erf(x), accurate in both tails. */
  public static double erfc(double x) {
    if (x < 2.5) {
      if (x > -2.5) {
        return 1.0 - erfSeries(x);
      }
      return 2.0 - erfcTail(-x);
    }
    return erfcTail(x);
  }

  /** The standard normal cumulative distribution function. */
  public static double normalCdf(double x) {
    return 0.5 * erfc(-x / Math.sqrt(2.0));
  }

  /** The standard normal density. */
  public static double normalPdf(double x) {
    return INV_SQRT_2PI * Math.exp(-0.5 * x * x);
  }

  /**
   * erf(x) = 2x/sqrt(pi) e^{-x^2} sum_n (2x^2)^n / (1*3*...*(2n+1)): every term is positive, so
   * there is no cancellation; used for |x| &lt; 2.5 where it needs at most ~60 terms.
   */
  private static double erfSeries(double x) {
    double x2 = x * x;
    double term = 1.0;
    double sum = 1.0;
    for (int n = 1; n < 200; n++) {
      term *= 2.0 * x2 / (2 * n + 1);
      sum += term;
      if (term < 1e-17 * sum) {
        break;
      }
    }
    return TWO_OVER_SQRT_PI * x * Math.exp(-x2) * sum;
  }

  /** erfc(x) for x &gt;= 2.5 by the Laplace continued fraction, evaluated with Lentz's method. */
  private static double erfcTail(double x) {
    if (x > 27.3) {
      return 0.0;
    }
    // erfc(x) = e^{-x^2}/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...)))))
    double tiny = 1e-300;
    double f = x;
    double c = x;
    double d = 0.0;
    for (int k = 1; k < 500; k++) {
      double a = 0.5 * k;
      d = x + a * d;
      d = d == 0.0 ? tiny : d;
      c = x + a / c;
      c = c == 0.0 ? tiny : c;
      d = 1.0 / d;
      double delta = c * d;
      f *= delta;
      if (Math.abs(delta - 1.0) < 1e-16) {
        break;
      }
    }
    return Math.exp(-x * x) / (Math.sqrt(Math.PI) * f);
  }

  /** The logistic sigmoid 1 / (1 + e^{-x}), computed without overflow. */
  public static double sigmoid(double x) {
    if (x >= 0) {
      return 1.0 / (1.0 + Math.exp(-x));
    }
    double e = Math.exp(x);
    return e / (1.0 + e);
  }

  /** The inverse hyperbolic sine, accurate near 0. */
  public static double asinh(double x) {
    double ax = Math.abs(x);
    double r;
    if (ax > 1e8) {
      r = Math.log(ax) + Math.log(2.0);
    } else {
      double a2 = ax * ax;
      r = Math.log1p(ax + a2 / (1.0 + Math.sqrt(1.0 + a2)));
    }
    return x < 0 ? -r : r;
  }
}
