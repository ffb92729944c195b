package tailor.api.optim;

/**
 * What a second-order optimizer asks the training loop for at a step, besides the gradient.
 *
 * @param mode which Fisher estimate to gather layer statistics for
 * @param examples how many examples of the batch the statistics use (the first ones of the
 *     training pass); 0 means all
 * @param separatePass (true Fisher, since SPI 1.1) the statistics of the first {@code examples}
 *     from a pass of their own instead of the training pass's graph: the same per-example
 *     quantities where examples do not interact (no batch norm, no dropout), for less work;
 *     the training loop refuses it for other networks
 */
public record CurvatureRequest(Mode mode, int examples, boolean separatePass) {

  /** First-order optimizers: nothing beyond the gradient. */
  public static final CurvatureRequest NONE = new CurvatureRequest(Mode.NONE, 0);

  /** Statistics from the training pass itself. */
  public CurvatureRequest(Mode mode, int examples) {
    this(mode, examples, false);
  }

  /** Which statistics. */
  public enum Mode {
    /** No layer statistics. */
    NONE,
    /**
     * The true Fisher: an extra backward pass, through the training pass's graph, of the loss at
     * targets sampled from the model's predictive distribution (no label smoothing).
     */
    TRUE_FISHER,
    /** The empirical Fisher: the layer statistics of the training pass itself (real labels). */
    EMPIRICAL_FISHER
  }

  public CurvatureRequest {
    if (examples < 0) {
      throw new IllegalArgumentException("examples must be >= 0, got " + examples);
    }
    if (separatePass && (mode != Mode.TRUE_FISHER || examples == 0)) {
      throw new IllegalArgumentException("a separate curvature pass is for the true Fisher of "
          + "m > 0 examples, got " + mode + " on " + examples);
    }
  }
}
