package dev.tailor.examples.vgg;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import tailor.api.SpiVersion;
import tailor.api.TailorException;
import tailor.api.model.Architecture;
import tailor.api.model.Layer;
import tailor.api.model.ModelFamily;
import tailor.api.model.ModelSpec;

/**
 * {@code vgg}: a vanilla VGG-style network of {@code depth} 3x3 convolutions, each followed by
 * the activation, in three stages of 64, 128 and 256 channels (times the width), a 3x3/2 max
 * pool between stages, then global average pooling and the linear head. No shortcuts and no
 * normalization: the kind of network DKS and TAT make trainable.
 */
public final class VggFamily implements ModelFamily {
  @Override
  public String name() {
    return "vgg";
  }

  @Override
  public String version() {
    return "1.0.0";
  }

  @Override
  public String description() {
    return "VGG-style vanilla convnet: depth 3x3 convs in 3 stages (example third-party plugin)";
  }

  /** Built against this SPI: a compile-time constant, fixed in this class when it is built. */
  @Override
  public int spiMajorVersion() {
    return SpiVersion.MAJOR;
  }

  @Override
  public List<Integer> depths() {
    return List.of(); // any depth from 3
  }

  @Override
  public Architecture describe(ModelSpec spec) {
    int depth = spec.depth();
    if (depth < 3) {
      throw TailorException.user("vgg needs depth >= 3 (one conv per stage at least), not " + depth);
    }
    if (spec.input().size() != 3) {
      throw TailorException.user("vgg takes images [C, H, W], not inputs of shape " + spec.input());
    }
    if (spec.shortcutWeight() == null || spec.shortcutWeight() != 0.0) {
      throw TailorException.user("vgg has no shortcuts; leave --shortcut-weight at 0");
    }
    if (!"none".equals(spec.norm())) {
      throw TailorException.user("vgg has no normalization layers; leave --norm at none");
    }
    int[] channels = {64, 128, 256};
    List<Layer> layers = new ArrayList<>();
    for (int stage = 0; stage < 3; stage++) {
      int convs = depth / 3 + (stage < depth % 3 ? 1 : 0);
      int c = Math.max(1, (int) Math.round(channels[stage] * spec.width()));
      if (stage > 0) {
        layers.add(new Layer.MaxPool(3, 2));
      }
      for (int i = 0; i < convs; i++) {
        layers.add(new Layer.Conv(c, 3, 1, true));
        layers.add(new Layer.Activation());
      }
    }
    layers.add(new Layer.GlobalAvgPool());
    layers.add(new Layer.Dense(spec.classes(), true));
    return Architecture.of(String.format(Locale.ROOT, "vgg-%d w%s", depth, spec.width()),
        new Layer.Sequence(layers));
  }
}
