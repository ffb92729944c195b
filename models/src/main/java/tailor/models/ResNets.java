package tailor.models;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tailor.api.model.Layer;

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

  /** The stem: ImageNet (7x7/2 conv, 3x3/2 max-pool) or CIFAR (3x3/1 conv, no pool). */
  public enum Stem {
    IMAGENET,
    CIFAR
  }

  /**
   * The layer graph of a modified ResNet with the ImageNet stem, no normalization and no dropout.
   *
   * @param depth one of {@link #depths()}
   * @param shortcutWeight w in [0, 1], or null for plain sums
   * @param v2 pre-activation blocks
   * @param width channel multiplier
   * @param classes logits
   */
  public static LayerGraph build(int depth, Double shortcutWeight, boolean v2, double width,
      int classes) {
    return build(depth, shortcutWeight, v2, width, classes, Stem.IMAGENET, false, 0.0);
  }

  /**
   * The layer graph.
   *
   * @param depth one of {@link #depths()}
   * @param shortcutWeight w in [0, 1], or null for plain sums (the standard ResNet)
   * @param v2 pre-activation blocks
   * @param width channel multiplier
   * @param classes logits
   * @param stem the stem
   * @param batchNorm batch normalization (decay 0.9) as in the standard ResNet; convolutions
   *     then have no bias
   * @param dropout dropout rate before the linear head (0 = none)
   */
  public static LayerGraph build(int depth, Double shortcutWeight, boolean v2, double width,
      int classes, Stem stem, boolean batchNorm, double dropout) {
    Config cfg = CONFIGS.get(depth);
    if (cfg == null) {
      throw new IllegalArgumentException("unknown depth " + depth);
    }
    String w = shortcutWeight == null ? "none (plain sums)" : trim(shortcutWeight);
    String desc = String.format(Locale.ROOT, "resnet-%d %s w=%s%s%s", depth, v2 ? "v2" : "v1", w,
        stem == Stem.CIFAR ? " cifar-stem" : "", batchNorm ? " batch-norm" : "");
    return build(cfg, 64, desc, shortcutWeight, v2, width, classes, stem, batchNorm, dropout);
  }

  /** The depths of He et al.'s CIFAR ResNets offered, 6n + 2 (n basic blocks per stage). */
  public static List<Integer> cifarDepths() {
    return List.of(8, 14, 20, 32, 44, 56, 110, 1202);
  }

  /**
   * He et al.'s (2016) CIFAR ResNet of depth 6n + 2, modified like {@link #build}: a 3x3 conv of
   * 16 channels, three stages of n basic blocks with 16, 32 and 64 channels (times
   * {@code width}; stride 2 at the first block of the last two), global average pooling and the
   * linear head. The original's stage transitions use parameter-free zero-padded identity
   * shortcuts; here a network with shortcuts (w &gt; 0 or plain sums) projects them with a 1x1
   * conv, and the vanilla network (w = 0) has none, so it has the original's parameters.
   *
   * @param depth 6n + 2, n &gt;= 1
   */
  public static LayerGraph buildCifar(int depth, Double shortcutWeight, boolean v2, double width,
      int classes, boolean batchNorm, double dropout) {
    if (depth < 8 || (depth - 2) % 6 != 0) {
      throw new IllegalArgumentException("a CIFAR ResNet has depth 6n + 2, n >= 1, not " + depth);
    }
    int n = (depth - 2) / 6;
    Config cfg = new Config(new int[] {n, n, n}, false, new int[] {16, 32, 64},
        new boolean[] {false, true, true});
    String w = shortcutWeight == null ? "none (plain sums)" : trim(shortcutWeight);
    String desc = String.format(Locale.ROOT, "cifar-resnet-%d %s w=%s%s", depth, v2 ? "v2" : "v1",
        w, batchNorm ? " batch-norm" : "");
    return build(cfg, 16, desc, shortcutWeight, v2, width, classes, Stem.CIFAR, batchNorm, dropout);
  }

  private static LayerGraph build(Config cfg, int stemChannels, String desc, Double shortcutWeight,
      boolean v2, double width, int classes, Stem stem, boolean batchNorm, double dropout) {
    boolean bias = !batchNorm;
    List<Layer> net = new ArrayList<>();
    if (stem == Stem.IMAGENET) {
      net.add(new Layer.Conv(scaled(stemChannels, width), 7, 2, bias));
    } else {
      net.add(new Layer.Conv(scaled(stemChannels, width), 3, 1, bias));
    }
    if (!v2) {
      if (batchNorm) {
        net.add(new Layer.BatchNorm(BN_DECAY));
      }
      net.add(new Layer.Activation());
    }
    if (stem == Stem.IMAGENET) {
      net.add(new Layer.MaxPool(3, 2));
    }
    for (int g = 0; g < cfg.blocksPerGroup().length; g++) {
      for (int b = 0; b < cfg.blocksPerGroup()[g]; b++) {
        int stride = b == 0 && g > 0 ? 2 : 1;
        boolean projection = b == 0 && cfg.useProjection()[g];
        net.add(block(cfg, scaled(cfg.channelsPerGroup()[g], width), stride, projection,
            shortcutWeight, v2, batchNorm));
      }
    }
    if (v2) {
      if (batchNorm) {
        net.add(new Layer.BatchNorm(BN_DECAY));
      }
      net.add(new Layer.Activation());
    }
    net.add(new Layer.GlobalAvgPool());
    if (dropout > 0) {
      net.add(new Layer.Dropout(dropout));
    }
    net.add(new Layer.Dense(classes, true));
    return new LayerGraph(desc, new Layer.Sequence(net));
  }

  /** Batch-norm moving-average decay of the baseline. */
  public static final double BN_DECAY = 0.9;

  private static Layer block(Config cfg, int channels, int stride, boolean projection,
      Double w, boolean v2, boolean bn) {
    boolean bias = !bn;
    List<Layer> res = new ArrayList<>();
    int inner = cfg.bottleneck() ? Math.max(1, channels / 4) : channels;
    int[][] convs = cfg.bottleneck()
        ? new int[][] {{inner, 1, 1}, {inner, 3, stride}, {channels, 1, 1}}
        : new int[][] {{channels, 3, stride}, {channels, 3, 1}};
    for (int i = 0; i < convs.length; i++) {
      if (i > 0) {
        // v2: norm and activation before each later conv; v1: after each earlier conv.
        if (bn) {
          res.add(new Layer.BatchNorm(BN_DECAY));
        }
        res.add(new Layer.Activation());
      }
      res.add(new Layer.Conv(convs[i][0], convs[i][1], convs[i][2], bias));
    }
    if (!v2 && bn) {
      res.add(new Layer.BatchNorm(BN_DECAY));
    }
    boolean hasShortcut = w == null || w != 0.0;
    List<Layer> shortcutLayers = new ArrayList<>();
    if (projection) {
      shortcutLayers.add(new Layer.Conv(channels, 1, stride, bias));
      if (!v2 && bn) {
        shortcutLayers.add(new Layer.BatchNorm(BN_DECAY));
      }
    }
    Layer shortcut = new Layer.Sequence(shortcutLayers);
    List<Layer> out = new ArrayList<>();
    if (v2) {
      List<Layer> pre = new ArrayList<>();
      if (bn) {
        pre.add(new Layer.BatchNorm(BN_DECAY));
      }
      pre.add(new Layer.Activation());
      // Pre-activation: the first norm + activation feed both the residual and a projection.
      if (!hasShortcut || projection) {
        out.addAll(pre);
        if (hasShortcut) {
          out.add(merge(new Layer.Sequence(res), shortcut, w));
        } else {
          out.addAll(res);
        }
      } else {
        List<Layer> withPre = new ArrayList<>(pre);
        withPre.addAll(res);
        out.add(merge(new Layer.Sequence(withPre), shortcut, w));
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
