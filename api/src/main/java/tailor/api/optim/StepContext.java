package tailor.api.optim;

import java.util.List;
import tailor.api.backend.BackendSession;

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

  /**
   * The layer statistics of this step's curvature pass, one per dense and conv layer in forward
   * order; empty unless {@link Optimizer#curvature} asked for them.
   */
  default List<LayerStatistics> layers() {
    return List.of();
  }

  /**
   * Gradients of the curvature pass's mean loss, one array per leaf (the diagonal blocks of
   * parameters outside the dense and conv layers use them), or null without a curvature pass.
   */
  default double[][] curvatureGradients() {
    return null;
  }

  /** The backend session the step runs on (its linear algebra serves K-FAC), or null. */
  default BackendSession session() {
    return null;
  }
}
