package tailor.models.internal;

import java.util.List;
import java.util.Locale;
import tailor.api.TailorException;
import tailor.api.model.Architecture;
import tailor.api.model.ModelFamily;
import tailor.api.model.ModelSpec;
import tailor.models.Mlps;

/** The {@code mlp} family: depth = number of hidden layers (nonlinearities on every path). */
public final class MlpFamily implements ModelFamily {
  /** Hidden width at width multiplier 1. */
  public static final int BASE_WIDTH = 256;

  @Override
  public String name() {
    return "mlp";
  }

  @Override
  public String version() {
    return ModelsModule.VERSION;
  }

  @Override
  public String description() {
    return "multi-layer perceptron: depth hidden layers (affine + activation), linear read-out";
  }

  @Override
  public List<Integer> depths() {
    return List.of();
  }

  @Override
  public Architecture describe(ModelSpec spec) {
    if (spec.depth() < 1 || spec.depth() > 100_000) {
      throw TailorException.user(String.format(Locale.ROOT,
          "depth %d is not allowed for mlp; use a number of hidden layers from 1 to 100000",
          spec.depth()));
    }
    if (spec.shortcutWeight() != null && spec.shortcutWeight() != 0.0) {
      throw TailorException.user("mlp has no shortcuts; --shortcut-weight applies to resnet only");
    }
    if (!(spec.width() > 0)) {
      throw TailorException.user("width multiplier " + spec.width() + " must be > 0");
    }
    if (spec.norm() != null && !spec.norm().equals("none")) {
      throw TailorException.user("mlp has no normalization layers; --norm applies to resnet only");
    }
    int width = Math.max(1, (int) Math.round(BASE_WIDTH * spec.width()));
    return Mlps.build(spec.depth(), width, spec.classes());
  }
}
