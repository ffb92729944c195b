package tailor.kernelshaping;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tailor.api.shaping.Quadrature;

class GaussianQuadratureTest {
  @Test
  void momentsOfTheNormal() {
    // Exact values; the rule is exact to rounding for polynomials times the density.
    assertEquals(1.0, GaussianQuadrature.mean(z -> 1.0), 1e-14);
    assertEquals(0.0, GaussianQuadrature.mean(z -> z), 1e-15);
    assertEquals(1.0, GaussianQuadrature.mean(z -> z * z), 1e-14);
    assertEquals(3.0, GaussianQuadrature.mean(z -> z * z * z * z), 1e-13);
    assertEquals(Math.exp(0.5), GaussianQuadrature.mean(Math::exp), 1e-14);
  }

  /** E[max(z + b, 0)] = b Phi(b) + phi(b): a kinked integrand, exact only with the split. */
  @ParameterizedTest
  @ValueSource(doubles = {0.0, 0.3, -1.234, 2.71})
  void kinkedIntegrandsAreExactWhenSplit(double b) {
    double exact = b * SpecialFunctions.normalCdf(b) + SpecialFunctions.normalPdf(b);
    double split = GaussianQuadrature.mean(z -> Math.max(z + b, 0.0), -b);
    assertEquals(exact, split, 4e-15 * Math.max(1.0, exact));
  }

  @Test
  void referenceRuleMovesAShiftedKinkByLessThanHalfANodeSpacing() {
    double k = 1.6333022231442667;
    double t = ReferenceRule.effectiveKink(k);
    // Node spacing near 1.63 for 100,000 nodes on [-10, 10] is ~3.1e-4.
    assertEquals(k, t, 1.6e-4);
    // Symmetric rule with an even number of nodes: a kink at 0 stays at 0.
    assertEquals(0.0, ReferenceRule.effectiveKink(0.0), 1e-15);
    // Value measured with scipy's roots_legendre(100000) (dks's rule): the two nodes around k
    // are 1.6330276840830138 and 1.6333376237191053.
    assertEquals(0.5 * (1.6330276840830138 + 1.6333376237191053), t, 1e-10);
  }

  /**
   * The dks-compatible quadrature reproduces the reference's 100,000-node sum: for ELU's
   * E[f''^2] at input_scale 0.08097075799308986, input_shift -0.13224971903979008 the sum with
   * scipy's nodes is 3.106944424006281e-05 (exact: 3.106998447086972e-05, 1.7e-5 higher).
   */
  @Test
  void dksQuadratureReproducesTheReferenceSumForAShiftedKink() {
    var elu = Activations.byName("elu");
    double a = 0.08097075799308986;
    double b = -0.13224971903979008;
    double ref = ActivationMoments.of(elu, a, b, Quadrature.DKS).ddfSquare();
    double exact = ActivationMoments.of(elu, a, b, Quadrature.EXACT).ddfSquare();
    assertEquals(3.106944424006281e-05, ref, 1e-8 * 3.1e-5);
    assertEquals(3.106998447086972e-05, exact, 1e-12 * 3.1e-5);
  }
}
