package tailor.api.model;

/**
 * What a user says about an architecture: the family's depth, the shortcut weight w of
 * normalized residual sums (w = 0: no shortcuts; null: the standard ResNet's plain sums), the
 * block style and a width multiplier.
 *
 * @param depth the family's depth (hidden layers for an MLP, 18-200 for a ResNet)
 * @param shortcutWeight w in [0, 1], or null for plain (un-normalized) sums
 * @param block "v1" or "v2" (ResNet only)
 * @param width width multiplier (1 = the standard widths)
 */
public record ModelSpec(int depth, Double shortcutWeight, String block, double width) {
  /** A spec with the reference defaults: w = 0, v2, full width. */
  public static ModelSpec of(int depth) {
    return new ModelSpec(depth, 0.0, "v2", 1.0);
  }

  public ModelSpec withShortcutWeight(Double w) {
    return new ModelSpec(depth, w, block, width);
  }

  public ModelSpec withBlock(String b) {
    return new ModelSpec(depth, shortcutWeight, b, width);
  }

  public ModelSpec withWidth(double wd) {
    return new ModelSpec(depth, shortcutWeight, block, wd);
  }
}
