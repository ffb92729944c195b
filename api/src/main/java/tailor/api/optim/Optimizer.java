package tailor.api.optim;

import java.util.List;
import java.util.Map;

/**
 * An optimizer instance: optax's init/update pair over the parameter tree, with its state
 * exposed for checkpoints. Not thread-safe.
 */
public interface Optimizer {

  /** Creates the state for these parameters; {@code totalSteps} sizes the schedule. */
  void init(List<ParamSpec> params, long totalSteps);

  /** The learning rate the schedule gives at {@code step}. */
  double learningRate(long step);

  /**
   * What the step needs besides the gradient (layer statistics for a Fisher estimate); asked
   * before each step's passes. First-order optimizers need nothing.
   */
  default CurvatureRequest curvature(long step) {
    return CurvatureRequest.NONE;
  }

  /** One step: turns the gradients into an update and applies it to the parameters in place. */
  void update(StepContext context);

  /** The state (momentum buffers, counters) by name, for checkpoints. */
  Map<String, double[]> state();

  /**
   * Restores a state saved by {@link #state()} of an optimizer with the same configuration and
   * parameters; a missing or mis-sized entry is an error.
   */
  void restore(Map<String, double[]> state);

  /** Frees what the optimizer holds on a backend (K-FAC's factors); a no-op for most. */
  default void close() {}
}
