package tailor.api.optim;

import java.util.List;
import tailor.api.backend.BackendSession;
import tailor.api.backend.Tensor;

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
   * The scale-and-shift layers (batch norm) of this step's curvature pass, in forward order;
   * empty unless {@link Optimizer#curvature} asked for statistics or the network has none.
   *
   * @since SPI 1.1
   */
  default List<ScaleShiftStatistics> scaleShiftLayers() {
    return List.of();
  }

  /**
   * Gradients of the curvature pass's mean loss, one array per leaf, or null where the training
   * loop does not compute them (Tailor's does not: its curvature pass runs through the training
   * pass's graph for the taps only, and batch norm's blocks come from {@link #scaleShiftLayers}).
   */
  default double[][] curvatureGradients() {
    return null;
  }

  /**
   * This step's gradient of a leaf as a tensor of {@link #session()} (the values of
   * {@link #gradients()} before the optimizer touched them, in the session's element type), so
   * that backend-side math needs no host round trip; owned by the step (do not release), valid
   * during the update; null where the training loop does not provide it.
   */
  default Tensor gradientTensor(int leaf) {
    return null;
  }

  /** The backend session the step runs on (its linear algebra serves K-FAC), or null. */
  default BackendSession session() {
    return null;
  }
}
