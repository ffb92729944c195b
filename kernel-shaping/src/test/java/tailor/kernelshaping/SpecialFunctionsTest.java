package tailor.kernelshaping;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SpecialFunctionsTest {
  // Reference values: scipy.special.erf / erfc 1.17.1 (double precision), printed with repr.
  @ParameterizedTest
  @CsvSource({
      "0.001, 0.0011283787909692363",
      "0.5, 0.5204998778130465",
      "1.0, 0.8427007929497148",
      "2.0, 0.9953222650189527",
      "3.5, 0.9999992569016276",
      "-1.0, -0.8427007929497148"})
  void erfMatchesScipyToAFewUlps(double x, double expected) {
    assertEquals(expected, SpecialFunctions.erf(x), 4 * Math.ulp(expected));
  }

  @ParameterizedTest
  @CsvSource({
      "3.0, 2.2090496998585445e-05",
      "5.0, 1.5374597944280347e-12",
      "-1.2, 1.9103139782296354"})
  void erfcKeepsRelativeAccuracyInTheTail(double x, double expected) {
    // 1e-14 relative: the continued fraction converges to rounding; a subtraction 1 - erf
    // would lose everything at x = 5.
    assertEquals(expected, SpecialFunctions.erfc(x), 1e-14 * Math.abs(expected));
  }

  @ParameterizedTest
  @CsvSource({"1e-10", "0.3", "-2.5", "40.0", "1e9"})
  void asinhInvertsSinh(double x) {
    double y = SpecialFunctions.asinh(x);
    assertEquals(x, Math.sinh(y), 1e-14 * Math.abs(x));
  }

  /** Arccos within 3 ulps of the JDK's over [-1, 1], including both ends and the 1/2 seams. */
  @org.junit.jupiter.api.Test
  void arccosAgreesWithTheJdk() {
    double worst = 0;
    for (int i = 0; i <= 200_000; i++) {
      double x = -1.0 + i / 100_000.0;
      double want = Math.acos(x);
      double got = Arccos.acos(x);
      worst = Math.max(worst, Math.abs(got - want) / Math.ulp(want));
    }
    for (double x : new double[] {-1.0, -0.5, Math.nextDown(0.5), 0.5, Math.nextUp(0.5), 1.0,
        Math.nextDown(1.0), 1e-300, -1e-17}) {
      worst = Math.max(worst, Math.abs(Arccos.acos(x) - Math.acos(x)) / Math.ulp(Math.acos(x) == 0 ? 1e-300 : Math.acos(x)));
    }
    org.junit.jupiter.api.Assertions.assertTrue(worst <= 3, "worst " + worst + " ulps");
    org.junit.jupiter.api.Assertions.assertTrue(Double.isNaN(Arccos.acos(1.0000001)));
  }
}
