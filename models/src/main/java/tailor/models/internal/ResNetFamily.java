package tailor.models.internal;

import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import tailor.api.Names;
import tailor.api.TailorException;
import tailor.api.model.Architecture;
import tailor.api.model.ModelFamily;
import tailor.api.model.ModelSpec;
import tailor.models.ResNets;

/** The {@code resnet} family: the modified ResNets of the DKS/TAT papers. */
public final class ResNetFamily implements ModelFamily {
  @Override
  public String name() {
    return "resnet";
  }

  @Override
  public String version() {
    return ModelsModule.VERSION;
  }

  @Override
  public String description() {
    return "modified ResNet (18-200, v1/v2, shortcut weight w; w=0 is the vanilla network)";
  }

  @Override
  public List<Integer> depths() {
    return ResNets.depths();
  }

  @Override
  public List<String> stems() {
    return List.of("imagenet", "cifar");
  }

  @Override
  public Architecture describe(ModelSpec spec) {
    if (ResNets.config(spec.depth()) == null) {
      throw TailorException.user(String.format(Locale.ROOT,
          "resnet has no depth %d; known depths: %s", spec.depth(),
          ResNets.depths().stream().map(String::valueOf).collect(Collectors.joining(", "))));
    }
    Checked c = check(spec, stems());
    return ResNets.build(spec.depth(), c.w(), c.v2(), spec.width(), spec.classes(),
        c.stem().equals("cifar") ? ResNets.Stem.CIFAR : ResNets.Stem.IMAGENET, c.batchNorm(),
        spec.dropout());
  }

  /** A validated spec's shortcut weight, block style, stem and normalization. */
  record Checked(Double w, boolean v2, String stem, boolean batchNorm) {}

  /**
   * Validates what the ResNet families share, with one-line user errors.
   *
   * @param stems the stems allowed, the default first
   */
  static Checked check(ModelSpec spec, List<String> stems) {
    Double w = spec.shortcutWeight();
    if (w != null && !(w >= 0.0 && w <= 1.0)) {
      throw TailorException.user(String.format(Locale.ROOT,
          "shortcut weight w = %s is outside [0, 1]; w weights the shortcut in "
              + "sqrt(1 - w^2) * residual + w * shortcut (0 = no shortcuts)", w));
    }
    String block = spec.block() == null ? "v2" : spec.block();
    if (!block.equals("v1") && !block.equals("v2")) {
      throw TailorException.user(Names.unknown("block style", block, "--block", List.of("v1", "v2")));
    }
    if (!(spec.width() > 0) || spec.width() > 64) {
      throw TailorException.user("width multiplier " + spec.width()
          + " must be in (0, 64]; 1 is the standard width, 0.25 a quarter");
    }
    String stem = spec.stem() == null ? stems.get(0) : spec.stem();
    if (!stems.contains(stem)) {
      throw TailorException.user(Names.unknown("stem", spec.stem(), "--stem", stems));
    }
    String norm = spec.norm() == null ? "none" : spec.norm();
    if (!norm.equals("none") && !norm.equals("batch")) {
      throw TailorException.user(Names.unknown("normalization", norm, "--norm", List.of("none", "batch")));
    }
    if (!(spec.dropout() >= 0 && spec.dropout() < 1)) {
      throw TailorException.user("dropout rate " + spec.dropout() + " must be in [0, 1)");
    }
    if (spec.classes() < 1) {
      throw TailorException.user("classes = " + spec.classes() + " must be >= 1");
    }
    return new Checked(w, block.equals("v2"), stem, norm.equals("batch"));
  }
}
