package tailor.api.activation;

import java.util.Locale;

/**
 * The parameters of a shaped activation phi_hat(x) = output_scale * (phi(input_scale * x +
 * input_shift) + output_shift), with phi's negative slope for leaky ReLU. The names are those of
 * the reference package.
 */
public enum ShapeParam {
  INPUT_SCALE(1.0),
  INPUT_SHIFT(0.0),
  NEGATIVE_SLOPE(Double.NaN),
  OUTPUT_SHIFT(0.0),
  OUTPUT_SCALE(1.0);

  private final double identity;

  ShapeParam(double identity) {
    this.identity = identity;
  }

  /** The value that leaves phi unchanged (NaN for the negative slope, which has none). */
  public double identity() {
    return identity;
  }

  /** The snake_case key, e.g. {@code input_scale}. */
  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The parameter with the given snake_case key. */
  public static ShapeParam ofKey(String key) {
    return valueOf(key.toUpperCase(Locale.ROOT));
  }
}
