package tailor.kernelshaping.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import tailor.api.activation.ShapeParam;

class SearchTest {
  /** numpy 2.4: np.random.seed(123); [np.random.uniform(-3, 3) for _ in range(3)]. */
  @Test
  void numpyRandomStreamIsReproduced() {
    NumpyRandom r = new NumpyRandom(123);
    assertEquals(1.17881511358717, r.uniform(-3, 3), 0.0);
    assertEquals(-1.2831639902977232, r.uniform(-3, 3), 0.0);
    assertEquals(-1.6388912786147813, r.uniform(-3, 3), 0.0);
  }

  @Test
  void startingPointsFollowItertoolsProductOrderThenRandomDraws() {
    List<double[]> pts = ParameterSearch.startingPoints(
        List.of(ShapeParam.INPUT_SCALE, ShapeParam.INPUT_SHIFT, ShapeParam.OUTPUT_SHIFT));
    assertEquals(50, pts.size());
    assertArrayEquals(new double[] {1, 0, 0}, pts.get(0));
    assertArrayEquals(new double[] {1, 0, 1}, pts.get(1));
    assertArrayEquals(new double[] {1, 1, 0}, pts.get(3));
    assertArrayEquals(new double[] {0.1, -1, -1}, pts.get(17));
    NumpyRandom r = new NumpyRandom(123);
    assertArrayEquals(new double[] {r.uniform(0, 2), r.uniform(-3, 3), r.uniform(-3, 3)}, pts.get(18));
  }

  @Test
  void bisectionStopsWhereTheReferenceStops() {
    // s^49 = 1.5 from 1.1 in [1, inf): the reference returns the first point within 1e-8.
    double s = IncreasingSearch.solve(x -> Math.pow(x, 49), 1.5, 1.1, 1.0, Double.POSITIVE_INFINITY);
    assertEquals(1.5, Math.pow(s, 49), 1e-8);
    assertEquals(Math.pow(1.5, 1.0 / 49), s, 1e-10);
    assertThrows(IncreasingSearch.NotReached.class,
        () -> IncreasingSearch.solve(x -> Math.min(x, 0.5), 0.9, 0.5, 0.0, 1.0));
  }

  @Test
  void hybridSolverFindsTheRootOfASmoothSystem() {
    HybridSolver.Result r = HybridSolver.solve(
        x -> new double[] {x[0] * x[0] + x[1] * x[1] - 4, x[0] - x[1]}, new double[] {1, 0.5});
    assertEquals(true, r.success());
    assertEquals(Math.sqrt(2), r.x()[0], 1e-9);
    assertEquals(Math.sqrt(2), r.x()[1], 1e-9);
  }
}
