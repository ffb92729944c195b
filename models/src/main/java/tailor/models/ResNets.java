package tailor.models;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The modified ResNets of the DKS and TAT papers as layer graphs: the standard ImageNet ResNets
 * (depths 18, 34, 50, 101, 152, 200) with every residual sum replaced by the normalized sum
 * sqrt(1 - w^2) * residual + w * shortcut. w = 0 removes the shortcuts (and their projections)
 * entirely: the vanilla network; w = null keeps plain sums (the standard ResNet, which DKS/TAT
 * cannot shape).
 *
 * <p>V2 (pre-activation) blocks: [act, conv, act, conv, act, conv] with the projection shortcut
 * taking the first activation's output; the stem is conv 7x7/2 then max-pool 3x3/2 with no
 * activation between them, and one activation follows the last block. V1 blocks: [conv, act,
 * conv, act, conv], the sum, then an activation; the stem activation sits before the max-pool
 * and there is no final activation.
 */
public final class ResNets {
  private ResNets() {}

  /** Per-depth configuration, as in the standard ResNet (and the reference's CONFIGS). */
  public record Config(int[] blocksPerGroup, boolean bottleneck, int[] channelsPerGroup,
      boolean[] useProjection) {}

  private static final Map<Integer, Config> CONFIGS = Map.of(
      18, new Config(new int[] {2, 2, 2, 2}, false, new int[] {64, 128, 256, 512},
          new boolean[] {false, true, true, true}),
      34, new Config(new int[] {3, 4, 6, 3}, false, new int[] {64, 128, 256, 512},
          new boolean[] {false, true, true, true}),
      50, new Config(new int[] {3, 4, 6, 3}, true, new int[] {256, 512, 1024, 2048},
          new boolean[] {true, true, true, true}),
      101, new Config(new int[] {3, 4, 23, 3}, true, new int[] {256, 512, 1024, 2048},
          new boolean[] {true, true, true, true}),
      152, new Config(new int[] {3, 8, 36, 3}, true, new int[] {256, 512, 1024, 2048},
          new boolean[] {true, true, true, true}),
      200, new Config(new int[] {3, 24, 36, 3}, true, new int[] {256, 512, 1024, 2048},
          new boolean[] {true, true, true, true}));

  /** The supported depths, ascending. */
  public static List<Integer> depths() {
    return List.of(18, 34, 50, 101, 152, 200);
  }

  /** The configuration of a depth (null if unknown). */
  public static Config config(int depth) {
    return CONFIGS.get(depth);
  }

  /**
   * The layer graph.
   *
   * @param depth one of {@link #depths()}
   * @param shortcutWeight w in [0, 1], or null for plain sums
   * @param v2 pre-activation blocks
   * @param width channel multiplier
   * @param classes logits
   */
  public static LayerGraph build(int depth, Double shortcutWeight, boolean v2, double width,
      int classes) {
    Config cfg = CONFIGS.get(depth);
    if (cfg == null) {
      throw new IllegalArgumentException("unknown depth " + depth);
    }
    List<Layer> net = new ArrayList<>();
    net.add(new Layer.Conv(scaled(64, width), 7, 2, true));
    if (!v2) {
      net.add(new Layer.Activation());
    }
    net.add(new Layer.MaxPool(3, 2));
    for (int g = 0; g < 4; g++) {
      for (int b = 0; b < cfg.blocksPerGroup()[g]; b++) {
        int stride = b == 0 && g > 0 ? 2 : 1;
        boolean projection = b == 0 && cfg.useProjection()[g];
        net.add(block(cfg, scaled(cfg.channelsPerGroup()[g], width), stride, projection,
            shortcutWeight, v2));
      }
    }
    if (v2) {
      net.add(new Layer.Activation());
    }
    net.add(new Layer.GlobalAvgPool());
    net.add(new Layer.Dense(classes, true));
    String w = shortcutWeight == null ? "none (plain sums)" : trim(shortcutWeight);
    String desc = String.format(Locale.ROOT, "resnet-%d %s w=%s", depth, v2 ? "v2" : "v1", w);
    return new LayerGraph(desc, new Layer.Sequence(net));
  }

  private static Layer block(Config cfg, int channels, int stride, boolean projection,
      Double w, boolean v2) {
    List<Layer> res = new ArrayList<>();
    int inner = cfg.bottleneck() ? Math.max(1, channels / 4) : channels;
    if (cfg.bottleneck()) {
      res.add(new Layer.Conv(inner, 1, 1, true));
      res.add(new Layer.Activation());
      res.add(new Layer.Conv(inner, 3, stride, true));
      res.add(new Layer.Activation());
      res.add(new Layer.Conv(channels, 1, 1, true));
    } else {
      res.add(new Layer.Conv(channels, 3, stride, true));
      res.add(new Layer.Activation());
      res.add(new Layer.Conv(channels, 3, 1, true));
    }
    boolean hasShortcut = w == null || w != 0.0;
    Layer shortcut = projection ? Layer.Sequence.of(new Layer.Conv(channels, 1, stride, true))
        : Layer.Sequence.of();
    List<Layer> out = new ArrayList<>();
    if (v2) {
      // Pre-activation: the first activation feeds both the residual and a projection shortcut.
      if (!hasShortcut || projection) {
        out.add(new Layer.Activation());
        if (hasShortcut) {
          out.add(merge(new Layer.Sequence(res), shortcut, w));
        } else {
          out.addAll(res);
        }
      } else {
        List<Layer> withAct = new ArrayList<>();
        withAct.add(new Layer.Activation());
        withAct.addAll(res);
        out.add(merge(new Layer.Sequence(withAct), shortcut, w));
      }
    } else {
      if (hasShortcut) {
        out.add(merge(new Layer.Sequence(res), shortcut, w));
      } else {
        out.addAll(res);
      }
      out.add(new Layer.Activation());
    }
    return new Layer.Sequence(out);
  }

  private static Layer merge(Layer residual, Layer shortcut, Double w) {
    if (w == null) {
      return new Layer.PlainSum(List.of(residual, shortcut));
    }
    return new Layer.NormalizedSum(List.of(new Layer.Branch(Math.sqrt(1.0 - w * w), residual),
        new Layer.Branch(w, shortcut)));
  }

  static int scaled(int channels, double width) {
    return Math.max(1, (int) Math.round(channels * width));
  }

  static String trim(double v) {
    String s = Double.toString(v);
    return s.endsWith(".0") ? s.substring(0, s.length() - 2) : s;
  }
}
