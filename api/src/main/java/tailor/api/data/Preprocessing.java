package tailor.api.data;

import java.util.List;

/**
 * How a dataset turns a stored example into the floats {@link Dataset#load} writes at evaluation,
 * so that an exported model can be fed by other code: each raw value r (for images the 8-bit
 * pixel, channel-first) becomes {@code (r * scale - mean[i]) / std[i]}, where i is the channel
 * when {@code mean} has one value per channel and the position in [C, H, W] order when it has one
 * per value.
 *
 * @param raw what the raw values are, e.g. "8-bit RGB pixels, [3, 32, 32]"
 * @param scale the factor applied to a raw value first (1/255 for 8-bit pixels)
 * @param mean subtracted after scaling: per channel, or per position
 * @param std divided by after subtracting the mean: as many values as {@code mean}
 * @param evalTransform the deterministic transform before normalization at evaluation ("none", or
 *     for example the centre crop and resize of ImageNet)
 */
public record Preprocessing(String raw, double scale, List<Double> mean, List<Double> std,
    String evalTransform) {
  public Preprocessing {
    mean = List.copyOf(mean);
    std = List.copyOf(std);
    if (mean.size() != std.size() || mean.isEmpty()) {
      throw new IllegalArgumentException("mean has " + mean.size() + " values, std " + std.size());
    }
  }

  /** Per-channel or per-position normalization of 8-bit images, with no transform before it. */
  public static Preprocessing pixels(String raw, float[] mean, float[] std) {
    return new Preprocessing(raw, 1.0 / 255.0, floats(mean), floats(std), "none");
  }

  /** A copy with another evaluation transform. */
  public Preprocessing withEvalTransform(String transform) {
    return new Preprocessing(raw, scale, mean, std, transform);
  }

  /** The values of a float array as doubles (each the float's exact value). */
  public static List<Double> floats(float[] v) {
    Double[] out = new Double[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = (double) v[i];
    }
    return List.of(out);
  }
}
