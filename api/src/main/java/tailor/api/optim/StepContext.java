package tailor.api.optim;

import java.util.List;

/**
 * What an optimizer sees at one step. Arrays are indexed like {@link #specs()}; the optimizer
 * updates {@link #parameters()} in place. Later SPI minor versions may add default methods
 * (K-FAC's layer statistics) without breaking existing optimizers.
 */
public interface StepContext {

  /** The step being taken, from 0. */
  long step();

  /** The parameter tree's leaves. */
  List<ParamSpec> specs();

  /** Gradients of the loss, one array per leaf (the optimizer may overwrite them). */
  double[][] gradients();

  /** Current values, one array per leaf, updated in place. */
  double[][] parameters();
}
