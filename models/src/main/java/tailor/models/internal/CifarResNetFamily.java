package tailor.models.internal;

import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import tailor.api.TailorException;
import tailor.api.model.Architecture;
import tailor.api.model.ModelFamily;
import tailor.api.model.ModelSpec;
import tailor.models.ResNets;

/**
 * The {@code cifar-resnet} family: He et al.'s CIFAR ResNets (depth 6n + 2; three stages of 16,
 * 32 and 64 channels), modified like {@code resnet}: vanilla (w = 0), rescaled (0 &lt; w &lt; 1)
 * and the standard version (plain sums, batch norm).
 */
public final class CifarResNetFamily implements ModelFamily {
  @Override
  public String name() {
    return "cifar-resnet";
  }

  @Override
  public String version() {
    return ModelsModule.VERSION;
  }

  @Override
  public String description() {
    return "He et al.'s CIFAR ResNet (depth 6n+2: 20-110, 16/32/64 channels, v1/v2, shortcut weight w)";
  }

  @Override
  public List<Integer> depths() {
    return ResNets.cifarDepths();
  }

  @Override
  public List<String> stems() {
    return List.of("cifar");
  }

  @Override
  public Architecture describe(ModelSpec spec) {
    if (!ResNets.cifarDepths().contains(spec.depth())) {
      throw TailorException.user(String.format(Locale.ROOT,
          "cifar-resnet has no depth %d; known depths (6n + 2): %s", spec.depth(),
          ResNets.cifarDepths().stream().map(String::valueOf).collect(Collectors.joining(", "))));
    }
    ResNetFamily.Checked c = ResNetFamily.check(spec, stems());
    return ResNets.buildCifar(spec.depth(), c.w(), c.v2(), spec.width(), spec.classes(),
        c.batchNorm(), spec.dropout());
  }
}
