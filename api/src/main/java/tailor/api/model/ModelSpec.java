package tailor.api.model;

import java.util.List;

/**
 * What a user says about an architecture.
 *
 * @param depth the family's depth (hidden layers for an MLP, 18-200 for a ResNet)
 * @param shortcutWeight w in [0, 1] for normalized residual sums sqrt(1 - w^2) residual +
 *     w shortcut (0 = no shortcuts), or null for the standard ResNet's plain sums
 * @param block "v1" or "v2" (ResNet only)
 * @param width width multiplier (1 = the standard widths)
 * @param stem "imagenet" (7x7/2 conv, 3x3/2 max-pool) or "cifar" (3x3 conv, no pool)
 * @param norm "none" or "batch" (batch normalization: the standard-ResNet baseline only)
 * @param classes the number of logits
 * @param input the input shape: [channels, height, width] for images, [features] for vectors
 * @param dropout dropout rate before the linear head
 * @param settings the family's own settings ({@link ModelFamily#settings()} overlaid with the
 *     user's {@code model.<name>.<key>} values, each of its default's type)
 */
public record ModelSpec(int depth, Double shortcutWeight, String block, double width, String stem,
    String norm, int classes, List<Integer> input, double dropout,
    java.util.Map<String, Object> settings) {

  public ModelSpec {
    input = List.copyOf(input);
    settings = java.util.Map.copyOf(settings);
  }

  /** A spec with no plugin settings. */
  public ModelSpec(int depth, Double shortcutWeight, String block, double width, String stem,
      String norm, int classes, List<Integer> input, double dropout) {
    this(depth, shortcutWeight, block, width, stem, norm, classes, input, dropout, java.util.Map.of());
  }

  /** A copy with the family's own settings. */
  public ModelSpec withSettings(java.util.Map<String, Object> s) {
    return new ModelSpec(depth, shortcutWeight, block, width, stem, norm, classes, input, dropout, s);
  }

  /** A spec with the reference defaults: w = 0, v2, full width, ImageNet stem and input. */
  public static ModelSpec of(int depth) {
    return new ModelSpec(depth, 0.0, "v2", 1.0, "imagenet", "none", 1000, List.of(3, 224, 224), 0.0);
  }

  public ModelSpec withShortcutWeight(Double w) {
    return new ModelSpec(depth, w, block, width, stem, norm, classes, input, dropout, settings);
  }

  public ModelSpec withBlock(String b) {
    return new ModelSpec(depth, shortcutWeight, b, width, stem, norm, classes, input, dropout, settings);
  }

  public ModelSpec withWidth(double wd) {
    return new ModelSpec(depth, shortcutWeight, block, wd, stem, norm, classes, input, dropout, settings);
  }

  public ModelSpec withStem(String s) {
    return new ModelSpec(depth, shortcutWeight, block, width, s, norm, classes, input, dropout, settings);
  }

  public ModelSpec withNorm(String n) {
    return new ModelSpec(depth, shortcutWeight, block, width, stem, n, classes, input, dropout, settings);
  }

  public ModelSpec withClasses(int c) {
    return new ModelSpec(depth, shortcutWeight, block, width, stem, norm, c, input, dropout, settings);
  }

  public ModelSpec withInput(List<Integer> in) {
    return new ModelSpec(depth, shortcutWeight, block, width, stem, norm, classes, in, dropout, settings);
  }

  public ModelSpec withDropout(double d) {
    return new ModelSpec(depth, shortcutWeight, block, width, stem, norm, classes, input, d, settings);
  }
}
