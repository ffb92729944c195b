package tailor.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Random;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tailor.api.TailorException;
import tailor.api.model.Layer;
import tailor.api.model.ModelSpec;
import tailor.api.shaping.SubnetMaxFunction;
import tailor.models.internal.MlpFamily;
import tailor.models.internal.ResNetFamily;

/**
 * The subnetwork maximizing function derived from the layer graph, against hand-written oracles
 * of the TAT paper's Appendix B rules. For V2 the oracle is the function the reference's model
 * code writes by hand (dks/examples/haiku/modified_resnet.py: res = r^3 (bottleneck) or r^2,
 * projection shortcut r(x), x = w^2 shortcut + (1 - w^2) res, a final r, max with one residual
 * branch); for V1 it follows the V1 network: stem activation, blocks r(w^2 x + (1 - w^2) res(x))
 * with res = r^2 (bottleneck) or r, no final activation.
 */
class SubnetMaxFunctionTest {

  static double oracleV2(int depth, double w, double x0, DoubleUnaryOperator r) {
    ResNets.Config cfg = ResNets.config(depth);
    DoubleUnaryOperator res = cfg.bottleneck()
        ? y -> r.applyAsDouble(r.applyAsDouble(r.applyAsDouble(y)))
        : y -> r.applyAsDouble(r.applyAsDouble(y));
    double x = x0;
    for (int g = 0; g < 4; g++) {
      for (int b = 0; b < cfg.blocksPerGroup()[g]; b++) {
        double shortcut = b == 0 && cfg.useProjection()[g] ? r.applyAsDouble(x) : x;
        x = w * w * shortcut + (1 - w * w) * res.applyAsDouble(x);
      }
    }
    x = r.applyAsDouble(x);
    return Math.max(x, res.applyAsDouble(x0));
  }

  static double oracleV1(int depth, double w, double x0, DoubleUnaryOperator r) {
    ResNets.Config cfg = ResNets.config(depth);
    DoubleUnaryOperator res = cfg.bottleneck()
        ? y -> r.applyAsDouble(r.applyAsDouble(y))
        : r;
    double x = r.applyAsDouble(x0);
    for (int g = 0; g < 4; g++) {
      for (int b = 0; b < cfg.blocksPerGroup()[g]; b++) {
        x = r.applyAsDouble(w * w * x + (1 - w * w) * res.applyAsDouble(x));
      }
    }
    return w == 0 ? x : Math.max(x, res.applyAsDouble(x0));
  }

  /** Increasing maps with r(y) &gt;= y on [0, 1], like the C maps, slopes and curvatures used. */
  static List<DoubleUnaryOperator> maps() {
    Random rnd = new Random(7);
    List<DoubleUnaryOperator> out = new java.util.ArrayList<>();
    out.add(y -> 1.01 * y);
    out.add(y -> 0.003 + y);
    for (int i = 0; i < 4; i++) {
      double a = 0.3 * rnd.nextDouble();
      out.add(y -> y + a * (Math.sqrt(Math.max(0, 1 - y * y)) - y * Math.acos(Math.min(1, y))) / Math.PI);
    }
    return out;
  }

  @ParameterizedTest
  @CsvSource({"18, 0.0", "34, 0.3", "50, 0.0", "50, 0.6", "101, 0.8", "152, 0.9", "200, 0.5",
      "101, 1.0"})
  void derivedV2FunctionEqualsTheAppendixBRules(int depth, double w) {
    SubnetMaxFunction f = ResNets.build(depth, w, true, 1.0, 10);
    for (DoubleUnaryOperator r : maps()) {
      for (double x0 : new double[] {0.0, 0.4, 1.0}) {
        double want = oracleV2(depth, w, x0, r);
        assertEquals(want, f.apply(x0, r), 1e-13 * Math.max(1, Math.abs(want)));
        // The compiled scalar path and the generic algebra path agree exactly.
        double generic = f.subnetworks(x0, SubnetMaxFunction.scalar(r)).stream()
            .mapToDouble(Double::doubleValue).max().orElseThrow();
        assertEquals(generic, f.apply(x0, r), 0.0);
        assertEquals(f.subnetworks(x0, SubnetMaxFunction.scalar(r)).get(0), f.full(x0, r), 0.0);
      }
    }
  }

  @ParameterizedTest
  @CsvSource({"18, 0.0", "34, 0.6", "50, 0.0", "50, 0.8", "101, 0.6", "200, 0.3"})
  void derivedV1FunctionFollowsTheV1Network(int depth, double w) {
    SubnetMaxFunction f = ResNets.build(depth, w, false, 1.0, 10);
    for (DoubleUnaryOperator r : maps()) {
      double want = oracleV1(depth, w, 0.0, r);
      assertEquals(want, f.apply(0.0, r), 1e-13 * Math.max(1, Math.abs(want)));
    }
  }

  /** For w = 0 the V1 and V2 networks are the same chain of activations. */
  @ParameterizedTest
  @CsvSource({"18", "50", "152"})
  void vanillaV1AndV2Agree(int depth) {
    for (DoubleUnaryOperator r : maps()) {
      assertEquals(ResNets.build(depth, 0.0, true, 1, 10).apply(0.0, r),
          ResNets.build(depth, 0.0, false, 1, 10).apply(0.0, r), 1e-15);
    }
  }

  @ParameterizedTest
  @CsvSource({"18, 17", "34, 33", "50, 49", "101, 100", "152, 151", "200, 199"})
  void nonlinearDepthCountsEveryActivationOnThePath(int depth, int expected) {
    assertEquals(expected, ResNets.build(depth, 0.0, true, 1, 10).nonlinearDepth());
    assertEquals(expected, ResNets.build(depth, 0.0, false, 1, 10).nonlinearDepth());
    assertEquals(expected, ResNets.build(depth, 0.5, true, 1, 10).nonlinearDepth());
    // The maximal slope function of a vanilla network is s^n.
    assertEquals(Math.pow(1.01, expected), ResNets.build(depth, 0.0, true, 1, 10).maxSlope(1.01), 1e-12);
  }

  @Test
  void mlpIsAChainOfDepthActivations() {
    SubnetMaxFunction f = Mlps.build(10, 32, 10);
    assertEquals(10 * 0.25, f.maxCurvature(0.25), 1e-15);
    assertEquals(Math.pow(1.2, 10), f.maxSlope(1.2), 1e-12);
  }

  @Test
  void vanillaNetworksHaveNoShortcutLayersAtAll() {
    LayerGraph g = ResNets.build(50, 0.0, true, 1, 10);
    assertEquals(49, g.nonlinearLayers());
    String s = g.root().toString();
    assertEquals(false, s.contains("NormalizedSum"));
    assertEquals(true, ResNets.build(50, 0.5, true, 1, 10).root().toString().contains("NormalizedSum"));
  }

  @Test
  void plainSumsAreNotShapeable() {
    LayerGraph g = ResNets.build(50, null, true, 1, 10);
    assertEquals(true, g.shapingIncompatibility().contains("plain"));
    assertThrows(IllegalStateException.class, () -> g.apply(0.0, y -> y));
  }

  @Test
  void normalizedSumsMustBeNormalized() {
    assertThrows(IllegalArgumentException.class, () -> new Layer.NormalizedSum(List.of(
        new Layer.Branch(0.5, Layer.Sequence.of()), new Layer.Branch(0.5, Layer.Sequence.of()))));
  }

  @Test
  void familiesRejectBadSpecsWithUsefulMessages() {
    ResNetFamily rf = new ResNetFamily();
    TailorException e = assertThrows(TailorException.class, () -> rf.describe(ModelSpec.of(51)));
    assertEquals("resnet has no depth 51; known depths: 18, 34, 50, 101, 152, 200", e.getMessage());
    e = assertThrows(TailorException.class, () -> rf.describe(ModelSpec.of(50).withShortcutWeight(1.5)));
    assertEquals(TailorException.Kind.USER, e.kind());
    e = assertThrows(TailorException.class, () -> rf.describe(ModelSpec.of(50).withBlock("v3")));
    assertEquals(true, e.getMessage().contains("Did you mean"), e.getMessage());
    e = assertThrows(TailorException.class, () -> new MlpFamily().describe(ModelSpec.of(0)));
    assertEquals(TailorException.Kind.USER, e.kind());
  }
}
