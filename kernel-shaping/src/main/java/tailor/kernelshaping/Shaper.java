package tailor.kernelshaping;

import java.util.List;
import tailor.api.activation.BaseActivation;
import tailor.api.shaping.ActivationTransform;
import tailor.kernelshaping.internal.DksTransform;
import tailor.kernelshaping.internal.TatLreluTransform;
import tailor.kernelshaping.internal.TatSmoothTransform;
import tailor.kernelshaping.internal.UntransformedTransform;

/**
 * Entry points for library users who do not go through plugin discovery: the four transforms,
 * and the rule that maps the paper's method names to them ("tat" is TAT-LReLU for leaky ReLU
 * and TAT-smooth otherwise).
 */
public final class Shaper {
  private Shaper() {}

  /** The built-in transforms. */
  public static List<ActivationTransform> transforms() {
    return List.of(new DksTransform(), new TatLreluTransform(), new TatSmoothTransform(),
        new UntransformedTransform());
  }

  /** The built-in transform with the given plugin name (dks, tat-lrelu, tat-smooth, untransformed). */
  public static ActivationTransform transform(String name) {
    for (ActivationTransform t : transforms()) {
      if (t.name().equals(name)) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown transform " + name);
  }

  /** The transform's plugin name for a method (dks, tat, untransformed) and an activation. */
  public static String transformFor(String method, BaseActivation base) {
    switch (method) {
      case "tat":
        return base.hasNegativeSlope() ? "tat-lrelu" : "tat-smooth";
      default:
        return method;
    }
  }
}
