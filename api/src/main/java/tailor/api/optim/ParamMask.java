package tailor.api.optim;

import java.util.function.Predicate;

/**
 * Which leaves of the parameter tree a stage applies to (optax's masks). Weight decay and LARS
 * trust ratios use {@link #weights()} by default: biases, scales and shifts are excluded.
 */
@FunctionalInterface
public interface ParamMask extends Predicate<ParamSpec> {

  /** Every leaf. */
  static ParamMask all() {
    return p -> true;
  }

  /** Only weights (dense and conv kernels). */
  static ParamMask weights() {
    return p -> p.kind().decayedByDefault();
  }

  /** Every leaf ({@code true}) or only weights ({@code false}): the form settings use. */
  static ParamMask allOrWeights(boolean all) {
    return all ? all() : weights();
  }
}
