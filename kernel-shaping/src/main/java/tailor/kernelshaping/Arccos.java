package tailor.kernelshaping;

/**
 * arccos in pure Java, within a few ulps of {@link Math#acos}, without its native call: in the
 * dependent chains of a C-map composition (one arccos per layer, thousands per bisection) the
 * JDK 17 {@code StrictMath.acos} costs ~200 ns a call; this costs ~30 ns.
 *
 * <p>arcsin's Maclaurin series sum_n (2n)! / (4^n n!^2 (2n + 1)) x^(2n+1) for |x| &lt;= 1/2
 * (28 terms reach 1e-17), with acos(x) = pi/2 - asin(x) there, acos(x) = 2 asin(sqrt((1 - x)/2))
 * above 1/2 (1 - x is exact there) and acos(x) = pi - acos(-x) below -1/2.
 */
public final class Arccos {
  private static final int TERMS = 30;
  private static final double[] COEF = new double[TERMS];
  private static final double HALF_PI = Math.PI / 2;

  static {
    double c = 1.0; // (2n)! / (4^n n!^2)
    for (int n = 0; n < TERMS; n++) {
      COEF[n] = c / (2 * n + 1);
      c *= (2.0 * n + 1) / (2.0 * n + 2);
    }
  }

  private Arccos() {}

  /** arcsin(x) for |x| &lt;= 1/2. */
  static double asinSmall(double x) {
    double t = x * x;
    double s = COEF[TERMS - 1];
    for (int n = TERMS - 2; n >= 0; n--) {
      s = s * t + COEF[n];
    }
    return x * s;
  }

  /** arccos(x) for x in [-1, 1] (NaN outside). */
  public static double acos(double x) {
    if (x > 0.5) {
      return x > 1.0 ? Double.NaN : 2.0 * asinSmall(Math.sqrt(0.5 * (1.0 - x)));
    }
    if (x < -0.5) {
      return x < -1.0 ? Double.NaN : Math.PI - 2.0 * asinSmall(Math.sqrt(0.5 * (1.0 + x)));
    }
    return HALF_PI - asinSmall(x);
  }
}
