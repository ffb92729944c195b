package tailor.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import tailor.api.TailorException;
import tailor.api.model.Layer;

class ModelSummaryTest {
  /**
   * The standard ResNet-50 (V1 blocks with the stride on the 3x3 conv, batch norm, convolutions
   * without bias, 1000 classes) has 25,557,032 parameters and 4.09 G multiply-adds at 224x224:
   * torchvision.models.resnet50, the reference count everyone quotes.
   */
  @Test
  void standardResNet50MatchesTheWellKnownCounts() {
    LayerGraph g = ResNets.build(50, null, false, 1.0, 1000, ResNets.Stem.IMAGENET, true, 0.0);
    ModelSummary s = ModelSummary.of(g, List.of(3, 224, 224));
    assertEquals(25_557_032L, s.params());
    assertEquals(4.09e9, s.flops() / 2.0, 0.01e9);
    assertEquals(List.of(1000), s.output());
  }

  @Test
  void vanillaResNetsHaveNoProjectionsAndCountTheirNonlinearities() {
    ModelSummary s50 = ModelSummary.of(ResNets.build(50, 0.0, true, 1.0, 1000), List.of(3, 224, 224));
    assertEquals(49, s50.nonlinearDepth());
    assertEquals(100, ModelSummary.of(ResNets.build(101, 0.0, true, 1.0, 1000),
        List.of(3, 224, 224)).nonlinearDepth());
    // No shortcut projections at w = 0: 1 stem + 16 * 3 block convs.
    long convs = s50.rows().stream().filter(r -> r.layer().startsWith("conv")).count();
    assertEquals(1 + 16 * 3, convs);
    long withShortcuts = ModelSummary.of(ResNets.build(50, 0.5, true, 1.0, 1000), List.of(3, 224, 224))
        .rows().stream().filter(r -> r.layer().startsWith("conv")).count();
    assertEquals(1 + 16 * 3 + 4, withShortcuts);
  }

  @Test
  void cifarStemKeepsTheResolutionAndWidthScalesChannels() {
    LayerGraph g = ResNets.build(50, 0.0, true, 0.25, 10, ResNets.Stem.CIFAR, false, 0.2);
    ModelSummary s = ModelSummary.of(g, List.of(3, 32, 32));
    assertEquals(List.of(16, 32, 32), s.rows().get(0).output());
    assertEquals(List.of(10), s.output());
    assertTrue(s.rows().stream().anyMatch(r -> r.layer().startsWith("dropout")));
    assertTrue(s.table(false).contains("nonlinearities on the longest path: 49"));
  }

  /**
   * He et al.'s CIFAR ResNets (Table 6 of "Deep Residual Learning"): 0.27 M parameters at depth
   * 20, 0.85 M at 56 and 1.7 M at 110 with parameter-free shortcuts. The vanilla network has no
   * shortcuts at all, so it has the original's weights plus one bias per conv channel; depth
   * 6n + 2 counts the stem conv, 6n block convs and the head, so 6n + 1 activations lie on the
   * longest path. With batch norm and plain sums (the standard version, convs without bias) the
   * two 1x1 projections at the stage transitions add 16 * 32 + 32 * 64 weights and their BN.
   */
  @Test
  void cifarResNetsHaveTheOriginalsParameterCountsAndDepths() {
    long[][] want = {{20, 269_034, 19}, {56, 850_986, 55}, {110, 1_723_914, 109}};
    for (long[] w : want) {
      ModelSummary s = ModelSummary.of(ResNets.buildCifar((int) w[0], 0.0, true, 1.0, 10, false,
          0.0), List.of(3, 32, 32));
      assertEquals(w[1], s.params(), "depth " + w[0]);
      assertEquals(w[2], s.nonlinearDepth(), "depth " + w[0]);
      assertEquals(List.of(10), s.output());
    }
    ModelSummary v1 = ModelSummary.of(ResNets.buildCifar(110, 0.0, false, 1.0, 10, false, 0.0),
        List.of(3, 32, 32));
    assertEquals(109, v1.nonlinearDepth(), "v1 blocks");
    assertEquals(1.7e6, ModelSummary.of(ResNets.buildCifar(110, 0.0, true, 1.0, 10, false, 0.0),
        List.of(3, 32, 32)).params(), 0.05e6);
    // the standard version: no conv biases; BN scale and shift per channel; two projections
    ModelSummary bn = ModelSummary.of(ResNets.buildCifar(20, null, false, 1.0, 10, true, 0.0),
        List.of(3, 32, 32));
    long weights = 269_034 - (16 + 6 * 16 + 6 * 32 + 6 * 64); // conv biases off
    long bnParams = 2L * (16 + 6 * 16 + 6 * 32 + 6 * 64 + 32 + 64);
    assertEquals(weights + 16 * 32 + 32 * 64 + bnParams, bn.params());
    // the stages: 32x32 with 16 channels, then 16x16 with 32, then 8x8 with 64
    List<List<Integer>> shapes = ModelSummary.of(ResNets.buildCifar(20, 0.0, true, 1.0, 10,
        false, 0.0), List.of(3, 32, 32)).rows().stream().map(ModelSummary.Row::output).distinct()
        .toList();
    assertTrue(shapes.containsAll(List.of(List.of(16, 32, 32), List.of(32, 16, 16),
        List.of(64, 8, 8))), shapes.toString());
    assertThrows(IllegalArgumentException.class,
        () -> ResNets.buildCifar(21, 0.0, true, 1.0, 10, false, 0.0));
  }

  @Test
  void shapesThatDoNotFitAreOneClearLine() {
    TailorException e = assertThrows(TailorException.class,
        () -> ModelSummary.of(ResNets.build(18, 0.0, true, 1.0, 10), List.of(784)));
    assertEquals(TailorException.Kind.USER, e.kind());
    assertTrue(e.getMessage().startsWith("conv 7x7 at layer 0 needs an image input"), e.getMessage());
    Layer bad = new Layer.NormalizedSum(List.of(
        new Layer.Branch(Math.sqrt(0.5), Layer.Sequence.of(new Layer.Conv(8, 3, 2, true))),
        new Layer.Branch(Math.sqrt(0.5), Layer.Sequence.of())));
    e = assertThrows(TailorException.class,
        () -> ModelSummary.of(new LayerGraph("bad", bad), List.of(4, 8, 8)));
    assertTrue(e.getMessage().contains("do not fit together"), e.getMessage());
  }

  @Test
  void mlpCountsDenseLayers() {
    ModelSummary s = ModelSummary.of(Mlps.build(3, 16, 10), List.of(64));
    assertEquals(64 * 16 + 16 + 2 * (16 * 16 + 16) + 16 * 10 + 10, s.params());
    assertEquals(2L * (64 * 16 + 2 * 16 * 16 + 16 * 10), s.flops());
  }
}
