package tailor.optimizers;

import java.util.Arrays;
import java.util.Locale;
import tailor.api.TailorException;

/**
 * A learning-rate schedule over steps: a linear warm-up from 0 to the peak over the first
 * {@code warmup} steps, then constant, cosine decay to 0 at the last step, or piecewise
 * constant with the rate multiplied by {@code factor} at each boundary (fractions of the run).
 */
public final class Schedule {
  /** The schedule shapes. */
  public enum Kind {
    CONSTANT,
    COSINE,
    STEPS
  }

  private final Kind kind;
  private final double peak;
  private final long warmup;
  private final long total;
  private final long[] boundaries;
  private final double factor;

  private Schedule(Kind kind, double peak, long warmup, long total, long[] boundaries, double factor) {
    this.kind = kind;
    this.peak = peak;
    this.warmup = warmup;
    this.total = total;
    this.boundaries = boundaries;
    this.factor = factor;
  }

  /**
   * A schedule.
   *
   * @param kind "constant", "cosine" or "steps"
   * @param peak the rate after warm-up
   * @param warmupFraction the fraction of {@code total} spent warming up, in [0, 1)
   * @param total the number of steps of the run (at least 1)
   * @param boundaries for "steps": fractions of the run in (0, 1), increasing
   * @param factor for "steps": the multiplier at each boundary
   */
  public static Schedule of(String kind, double peak, double warmupFraction, long total,
      double[] boundaries, double factor) {
    Kind k;
    try {
      k = Kind.valueOf(kind.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw TailorException.user(tailor.api.Names.unknown("learning-rate schedule", kind,
          "schedule", java.util.List.of("constant", "cosine", "steps")));
    }
    if (!(peak >= 0) || Double.isInfinite(peak)) {
      throw TailorException.user("learning rate " + peak + " must be a finite number >= 0");
    }
    if (!(warmupFraction >= 0 && warmupFraction < 1)) {
      throw TailorException.user("warm-up fraction " + warmupFraction + " must be in [0, 1)");
    }
    if (total < 1) {
      throw TailorException.user("a schedule needs at least 1 step, got " + total);
    }
    long[] b = new long[boundaries.length];
    for (int i = 0; i < b.length; i++) {
      if (!(boundaries[i] > 0 && boundaries[i] < 1) || (i > 0 && boundaries[i] <= boundaries[i - 1])) {
        throw TailorException.user("step boundaries " + Arrays.toString(boundaries)
            + " must be increasing fractions of the run in (0, 1), e.g. 0.5,0.75");
      }
      b[i] = Math.round(boundaries[i] * total);
    }
    if (!(factor > 0) || Double.isInfinite(factor)) {
      throw TailorException.user("step decay factor " + factor + " must be > 0");
    }
    return new Schedule(k, peak, Math.round(warmupFraction * total), total, b, factor);
  }

  /** The learning rate at {@code step} (0-based). */
  public double at(long step) {
    if (step < warmup) {
      return peak * (step + 1) / warmup;
    }
    switch (kind) {
      case CONSTANT:
        return peak;
      case COSINE: {
        long span = Math.max(1, total - warmup);
        double t = Math.min(1.0, (double) (step - warmup) / span);
        return peak * 0.5 * (1 + Math.cos(Math.PI * t));
      }
      default: {
        double r = peak;
        for (long b : boundaries) {
          if (step >= b) {
            r *= factor;
          }
        }
        return r;
      }
    }
  }

  public Kind kind() {
    return kind;
  }

  public long warmupSteps() {
    return warmup;
  }
}
