package tailor.kernelshaping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tailor.api.activation.ShapeParam;
import tailor.api.activation.ShapedActivation;

class MapsTest {
  @Test
  void reluQMapIsHalfTheInput() {
    QMap q = QMap.of(ShapedActivation.identity(Activations.byName("relu")));
    for (double v : new double[] {0.0, 0.5, 1.0, 2.7}) {
      assertEquals(v / 2, q.value(v), 1e-14);
    }
  }

  /** The dual-kernel identities at c = 0 and 1 against finite differences of the C map itself. */
  @ParameterizedTest
  @ValueSource(strings = {"tanh", "softplus", "swish", "erf", "gelu", "atan"})
  void localQuantitiesAreDerivativesOfTheCMap(String name) {
    ShapedActivation phi = ShapedActivation.of(Activations.byName(name),
        Map.of(ShapeParam.INPUT_SCALE, 0.9, ShapeParam.INPUT_SHIFT, 0.2));
    CMap c = CMap.of(phi);
    LocalMaps l = c.local();
    assertEquals(l.c0(), c.byQuadrature(0.0), 1e-12);
    double h = 1e-3;
    // One-sided second-order differences at c = 1: error ~h^2 |C'''| &lt; 1e-5.
    double slope = (3 * c.value(1.0) - 4 * c.value(1 - h) + c.value(1 - 2 * h)) / (2 * h);
    assertEquals(l.cSlope1(), slope, 1e-5);
    double curv = (c.value(1.0) - 2 * c.value(1 - h) + c.value(1 - 2 * h)) / (h * h);
    assertEquals(l.cCurv1(), curv, 5e-3 * Math.max(1, l.cCurv1()));
    // Q'(1) by a central difference of Q(q).
    QMap q = QMap.of(phi);
    double qs = (q.value(1 + h) - q.value(1 - h)) / (2 * h);
    assertEquals(l.qSlope1(), qs, 1e-6);
  }

  @ParameterizedTest
  @ValueSource(doubles = {0.0, 0.2, 0.55, 0.9})
  void leakyReluClosedFormMatchesQuadrature(double slope) {
    ShapedActivation phi = ShapedActivation.identity(Activations.byName("leaky_relu"))
        .with(ShapeParam.NEGATIVE_SLOPE, slope);
    CMap c = CMap.of(phi);
    // Including c near +-1, where the inner mean has a feature of width sqrt(1 - c^2).
    for (double x : new double[] {-0.9999, -0.95, -0.4, 0.1, 0.6, 0.97, 0.999, 0.99999}) {
      assertEquals(LeakyReluCMap.value(x, slope), c.byQuadrature(x), 2e-13, "c = " + x);
    }
    assertEquals(1.0, LeakyReluCMap.slope(1.0, slope), 0.0);
    assertEquals(LeakyReluCMap.coefficient(slope), c.valueAt0(), 1e-14);
  }

  /**
   * A C map is a power series in c with non-negative coefficients (the squared Hermite
   * coefficients), so it increases on [0, 1] for every activation; on [-1, 0] it need not: for
   * phi = x^2, C(c) = (1 + 2c^2) / 3. Shaped activations are monotone on all of [-1, 1] (see
   * TransformPropertiesTest).
   */
  @Test
  void cMapsAreMonotoneOnZeroToOneAndSquareIsTheCounterexampleBelow() {
    for (var a : Activations.all()) {
      CMap c = CMap.of(ShapedActivation.identity(a));
      double prev = Double.NEGATIVE_INFINITY;
      for (int i = 0; i <= 20; i++) {
        double v = c.value(i / 20.0);
        assertTrue(v >= prev - 1e-12, a.name() + " at " + (i / 20.0));
        prev = v;
      }
      assertEquals(1.0, c.value(1.0), 1e-12, a.name());
    }
    CMap sq = CMap.of(ShapedActivation.identity(Activations.byName("square")));
    for (double x : new double[] {-0.9, -0.3, 0.4}) {
      assertEquals((1 + 2 * x * x) / 3, sq.value(x), 1e-14);
    }
  }
}
