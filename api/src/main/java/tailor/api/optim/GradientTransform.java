package tailor.api.optim;

import java.util.List;
import java.util.Map;

/**
 * One stage of an optimizer, optax's {@code GradientTransformation}: {@link #init} sizes its
 * state for the parameter tree, {@link #update} rewrites the updates in place (gradients on the
 * way in, the step to add to the parameters on the way out of the last stage). Stages compose
 * with {@code Transforms.chain} and are restricted to some leaves with {@code Transforms.masked}
 * (module {@code tailor.optimizers}). The state is exposed by name for checkpoints.
 */
public interface GradientTransform {

  /** Sizes the state for these leaves; {@code totalSteps} sizes schedules. */
  void init(List<ParamSpec> params, long totalSteps);

  /**
   * Transforms {@code updates} in place.
   *
   * @param updates one array per leaf, rewritten in place
   * @param params the current parameter values (read only)
   * @param step the step being taken, from 0
   */
  void update(double[][] updates, double[][] params, long step);

  /** The state by name (empty for stateless stages). */
  default Map<String, double[]> state() {
    return Map.of();
  }

  /** Restores what {@link #state()} returned; a missing or mis-sized entry is an error. */
  default void restore(Map<String, double[]> state) {}
}
