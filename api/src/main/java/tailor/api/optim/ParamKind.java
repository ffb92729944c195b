package tailor.api.optim;

/** What a parameter is, for masks: weight decay and trust ratios skip biases, scales and shifts. */
public enum ParamKind {
  WEIGHT,
  BIAS,
  SCALE,
  SHIFT;

  /** Weights are decayed by default; biases, scales and shifts are not. */
  public boolean decayedByDefault() {
    return this == WEIGHT;
  }
}
