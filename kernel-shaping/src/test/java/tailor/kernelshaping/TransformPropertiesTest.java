package tailor.kernelshaping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import tailor.api.TailorException;
import tailor.api.activation.BaseActivation;
import tailor.api.activation.ShapeParam;
import tailor.api.activation.ShapedActivation;
import tailor.api.shaping.MapAlgebra;
import tailor.api.shaping.ShapingTargets;
import tailor.api.shaping.SubnetMaxFunction;
import tailor.kernelshaping.internal.DksTransform;
import tailor.kernelshaping.internal.TatLreluTransform;
import tailor.kernelshaping.internal.TatSmoothTransform;

/**
 * Identities that must hold for every shaped activation. The architectures here are written by
 * hand (the models module derives them from layer graphs and is tested against the same rules):
 * a chain of n nonlinear layers, and a chain of residual blocks with shortcut weight w.
 */
class TransformPropertiesTest {
  /** n nonlinear layers in a row. */
  static SubnetMaxFunction chain(int n) {
    return new SubnetMaxFunction() {
      @Override
      public <T> List<T> subnetworks(T x, MapAlgebra<T> a) {
        T v = x;
        for (int i = 0; i < n; i++) {
          v = a.nonlinear(v);
        }
        return List.of(v);
      }

      @Override
      public String describe() {
        return "chain of " + n;
      }
    };
  }

  /** blocks x -> w^2 x + (1 - w^2) r(r(x)), then r; subnetworks: full and one branch. */
  static SubnetMaxFunction residual(int blocks, double w) {
    return new SubnetMaxFunction() {
      @Override
      public <T> List<T> subnetworks(T x, MapAlgebra<T> a) {
        T v = x;
        for (int i = 0; i < blocks; i++) {
          T res = a.nonlinear(a.nonlinear(v));
          v = a.normalizedSum(new double[] {w * w, 1 - w * w}, List.of(v, res));
        }
        List<T> out = new ArrayList<>();
        out.add(a.nonlinear(v));
        out.add(a.nonlinear(a.nonlinear(x)));
        return out;
      }

      @Override
      public String describe() {
        return blocks + " residual blocks, w = " + w;
      }
    };
  }

  @Provide
  Arbitrary<String> smooth() {
    return Arbitraries.of("tanh", "softplus", "swish", "erf", "gelu", "gelu_exact", "atan",
        "asinh", "bentid", "elu", "sigmoid");
  }

  @Property(tries = 25, seed = "20261129")
  void tatLreluHitsEtaAndHasTheHomogeneousOutputScale(
      @ForAll @IntRange(min = 20, max = 300) int depth,
      @ForAll @DoubleRange(min = 0.05, max = 0.95) double eta) {
    SubnetMaxFunction net = chain(depth);
    BaseActivation lrelu = Activations.byName("leaky_relu");
    if (eta > TatLreluTransform.maxC0(net, 0.0)) {
      assertThrows(TailorException.class,
          () -> new TatLreluTransform().shape(lrelu, ShapingTargets.defaults().withEta(eta), net));
      return;
    }
    ShapedActivation s = new TatLreluTransform().shape(lrelu, ShapingTargets.defaults().withEta(eta), net);
    double a = s.get(ShapeParam.NEGATIVE_SLOPE);
    assertTrue(a >= 0 && a <= 1);
    assertEquals(Math.sqrt(2 / (1 + a * a)), s.outputScale(), 1e-15);
    LocalMaps l = LocalMaps.of(s);
    assertEquals(1.0, l.q1(), 1e-13);
    assertEquals(1.0, l.cSlope1(), 1e-13);
    // The reference's bisection stops at |C_f(0) - eta| < 1e-8.
    assertEquals(eta, NetworkMaps.of(s, net).c0(), 1e-8);
  }

  @Property(tries = 12, seed = "20261129")
  void tatSmoothMeetsItsFourConditions(@ForAll("smooth") String name,
      @ForAll @IntRange(min = 10, max = 120) int depth,
      @ForAll @DoubleRange(min = 0.1, max = 1.0) double tau) {
    SubnetMaxFunction net = chain(depth);
    ShapedActivation s = new TatSmoothTransform().shape(Activations.byName(name),
        ShapingTargets.defaults().withTau(tau), net);
    LocalMaps l = LocalMaps.of(s, tailor.api.shaping.Quadrature.DKS);
    assertEquals(1.0, l.q1(), 1e-12);
    assertEquals(1.0, l.qSlope1(), 1e-7);
    assertEquals(1.0, l.cSlope1(), 1e-7);
    // With C'(1) = 1 in every layer the network curvature is additive and exact by jets.
    assertEquals(tau, NetworkMaps.of(s, net, tailor.api.shaping.Quadrature.DKS).cCurv1(), 1e-7);
  }

  @Property(tries = 12, seed = "20261129")
  void dksMeetsItsConditions(@ForAll("smooth") String name,
      @ForAll @IntRange(min = 4, max = 12) int blocks,
      @ForAll @DoubleRange(min = 0.0, max = 0.9) double w,
      @ForAll @DoubleRange(min = 1.1, max = 2.0) double zeta) {
    SubnetMaxFunction net = residual(blocks, w);
    ShapedActivation s = new DksTransform().shape(Activations.byName(name),
        ShapingTargets.defaults().withZeta(zeta), net);
    LocalMaps l = LocalMaps.of(s, tailor.api.shaping.Quadrature.DKS);
    assertEquals(1.0, l.q1(), 1e-12);
    assertEquals(1.0, l.qSlope1(), 1e-7);
    assertEquals(0.0, l.c0(), 1e-12);
    NetworkMaps m = NetworkMaps.of(s, net, tailor.api.shaping.Quadrature.DKS);
    assertEquals(zeta, m.cSlope1(), 1e-7 * zeta);
    assertEquals(0.0, m.c0(), 1e-12);
  }

  @Provide
  Arbitrary<String> analytic() {
    return Arbitraries.of("tanh", "softplus", "swish", "erf", "gelu", "atan", "asinh", "sigmoid");
  }

  @Property(tries = 8, seed = "20261129")
  void shapedCMapsAreMonotoneOnTheWholeInterval(@ForAll("analytic") String name,
      @ForAll @IntRange(min = 5, max = 60) int depth, @ForAll boolean tat) {
    SubnetMaxFunction net = chain(depth);
    ShapedActivation s = tat
        ? new TatSmoothTransform().shape(Activations.byName(name), ShapingTargets.defaults(), net)
        : new DksTransform().shape(Activations.byName(name), ShapingTargets.defaults(), net);
    CMap c = CMap.of(s);
    double prev = Double.NEGATIVE_INFINITY;
    double prevNet = Double.NEGATIVE_INFINITY;
    for (int i = 0; i <= 20; i++) {
      double x = -1 + i / 10.0;
      double v = c.value(x);
      double n = net.full(x, c::value);
      assertTrue(v >= prev - 1e-12, name + " local C at " + x);
      assertTrue(n >= prevNet - 1e-12, name + " network C_f at " + x);
      prev = v;
      prevNet = n;
    }
  }

  @Property(tries = 10, seed = "20261129")
  void unreachableEtaIsAUserErrorNamingTheLargestValue(@ForAll @IntRange(min = 2, max = 12) int depth) {
    SubnetMaxFunction net = chain(depth);
    double max = TatLreluTransform.maxC0(net, 0.0);
    TailorException e = assertThrows(TailorException.class, () -> new TatLreluTransform().shape(
        Activations.byName("leaky_relu"), ShapingTargets.defaults().withEta(Math.min(1.0, max + 0.01)), net));
    assertEquals(TailorException.Kind.USER, e.kind());
    assertTrue(e.getMessage().contains(String.format(java.util.Locale.ROOT, "%.4f", max)), e.getMessage());
  }
}
