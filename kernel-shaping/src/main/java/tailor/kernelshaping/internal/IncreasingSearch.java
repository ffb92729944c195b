package tailor.kernelshaping.internal;

import java.util.function.DoubleUnaryOperator;

/**
 * Solves fn(x) = target for an increasing fn by the bisection the reference package uses
 * ({@code dks.base.activation_transform._solve_increasing}): start at a guess, halve towards
 * the bracket (doubling while the upper end is infinite) and stop at the first x with
 * |fn(x) - target| &lt; tol. Using the same start, bracket and stopping rule makes Tailor's
 * local targets identical to the reference's, not merely close: the search visits the same
 * dyadic points and stops at the same one.
 */
public final class IncreasingSearch {
  /** The reference tolerance on |fn(x) - target|. */
  public static final double TOL = 1e-8;
  /** The reference's evaluation budget. */
  public static final int MAX_EVAL = 100;

  private IncreasingSearch() {}

  /** Thrown when the budget runs out (the target is out of reach). */
  public static final class NotReached extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotReached(String message) {
      super(message);
    }
  }

  /**
   * Finds x in [min, max] with |fn(x) - target| &lt; TOL.
   *
   * @throws NotReached after MAX_EVAL evaluations
   */
  public static double solve(DoubleUnaryOperator fn, double target, double start, double min, double max) {
    double input = start;
    double lo = min;
    double hi = max;
    for (int i = 0; i < MAX_EVAL; i++) {
      double value = fn.applyAsDouble(input);
      if (Math.abs(value - target) < TOL) {
        return input;
      }
      if (value > target) {
        hi = input;
        input = 0.5 * (input + lo);
      } else if (value < target) {
        lo = input;
        input = Double.isInfinite(hi) ? input * 2 : 0.5 * (input + hi);
      } else {
        // NaN: the reference would loop without moving; stop early with the same outcome.
        break;
      }
    }
    throw new NotReached("no solution within " + MAX_EVAL + " evaluations");
  }
}
