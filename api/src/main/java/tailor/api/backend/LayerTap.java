package tailor.api.backend;

/**
 * What K-FAC needs from one dense or conv layer in a forward/backward pass: the layer's input
 * and the gradient of the loss with respect to the layer's output (pre-activation). Pass a tap
 * to {@link BackendSession#dense} or {@link BackendSession#conv2d}; after
 * {@link BackendSession#backward} both are filled.
 */
public final class LayerTap {
  private final String name;
  private Tensor input;
  private Tensor outputGradient;

  /** A tap for the named layer. */
  public LayerTap(String name) {
    this.name = name;
  }

  public String name() {
    return name;
  }

  /** The layer's input of the last forward pass. */
  public Tensor input() {
    return input;
  }

  /** d loss / d layer output of the last backward pass. */
  public Tensor outputGradient() {
    return outputGradient;
  }

  /** Called by backends. */
  public void record(Tensor in) {
    this.input = in;
    this.outputGradient = null;
  }

  /** Forgets the last pass (a layer a pass skips then reports nothing). */
  public void clear() {
    this.input = null;
    this.outputGradient = null;
  }

  /** Called by backends after backward. */
  public void recordGradient(Tensor g) {
    this.outputGradient = g;
  }
}
