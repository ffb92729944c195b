package tailor.kernelshaping;

import java.util.Locale;
import tailor.api.TailorException;

/**
 * Validation of the network-level targets, with messages that say what is allowed. Each check
 * takes the source of the value (a CLI flag, a batch line) for the message, or null.
 */
public final class TargetChecks {
  private TargetChecks() {}

  /** eta in [0, 1]. */
  public static double eta(double eta, String source) {
    if (!(eta >= 0.0 && eta <= 1.0)) {
      throw TailorException.user(String.format(Locale.ROOT,
          "eta = %s%s is outside [0, 1]; eta is the largest C_f(0) allowed over all subnetworks "
              + "(TAT-LReLU; the paper uses 0.9 or 0.95)", num(eta), from(source)));
    }
    return eta;
  }

  /** tau &gt; 0. */
  public static double tau(double tau, String source) {
    if (!(tau > 0.0) || Double.isInfinite(tau)) {
      throw TailorException.user(String.format(Locale.ROOT,
          "tau = %s%s must be > 0; tau is the largest C_f''(1) allowed over all subnetworks "
              + "(TAT for smooth activations; default 0.3)", num(tau), from(source)));
    }
    return tau;
  }

  /** zeta &gt; 1. */
  public static double zeta(double zeta, String source) {
    if (!(zeta > 1.0) || Double.isInfinite(zeta)) {
      throw TailorException.user(String.format(Locale.ROOT,
          "zeta = %s%s must be > 1; zeta is the largest C_f'(1) allowed over all subnetworks "
              + "(DKS; default 1.5)", num(zeta), from(source)));
    }
    return zeta;
  }

  /** q_slope &gt; 0. */
  public static double qSlope(double q, String source) {
    if (!(q > 0.0) || Double.isInfinite(q)) {
      throw TailorException.user(String.format(Locale.ROOT,
          "q_slope = %s%s must be > 0; it is the local Q'(1) target of DKS (default 1)", num(q), from(source)));
    }
    return q;
  }

  private static String from(String source) {
    return source == null ? "" : " (from " + source + ")";
  }

  /** A number as a user would write it. */
  public static String num(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    return Double.toString(v);
  }
}
