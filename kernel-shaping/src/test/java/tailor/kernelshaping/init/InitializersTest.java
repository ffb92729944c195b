package tailor.kernelshaping.init;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tailor.api.TailorException;
import tailor.api.init.InitOptions;
import tailor.api.init.WeightShape;

class InitializersTest {
  static double[] gram(double[] w, int rows, int cols, boolean ofColumns) {
    int n = ofColumns ? cols : rows;
    double[] g = new double[n * n];
    for (int a = 0; a < n; a++) {
      for (int b = 0; b < n; b++) {
        double s = 0;
        int len = ofColumns ? rows : cols;
        for (int k = 0; k < len; k++) {
          s += ofColumns ? w[k * cols + a] * w[k * cols + b] : w[a * cols + k] * w[b * cols + k];
        }
        g[a * n + b] = s;
      }
    }
    return g;
  }

  static void assertScaledIdentity(double[] g, int n, double scale, double tol) {
    for (int a = 0; a < n; a++) {
      for (int b = 0; b < n; b++) {
        assertEquals(a == b ? scale : 0.0, g[a * n + b], tol, "(" + a + "," + b + ")");
      }
    }
  }

  @ParameterizedTest
  @CsvSource({"64, 256", "256, 64", "37, 37", "1, 9"})
  void orthogonalSamplesHaveOrthonormalRowsOrColumns(int rows, int cols) {
    double[] q = Orthogonal.sample(rows, cols, new SplittableRandom(3));
    boolean tall = rows >= cols;
    assertScaledIdentity(gram(q, rows, cols, tall), Math.min(rows, cols), 1.0, 1e-12);
  }

  /**
   * The layout pitfall of method-notes 3.8: for a 1x1 conv 64 -&gt; 256 stored [out, in, 1, 1] the
   * rescale is sqrt(256/64) = 2 (q preserved); read as [in, out] it would be 1 (q / 4). The
   * centre matrix M (256 x 64) must satisfy M^T M = 4 I, and the 256 -&gt; 64 conv M M^T = I.
   */
  @Test
  void suoRescaleUsesTheOutAndInAxesOfTheLayout() {
    Initializers.Suo suo = new Initializers.Suo();
    WeightShape up = WeightShape.conv(256, 64, 1, 1);
    double[] w = new double[up.size()];
    suo.initWeights(up, w, new SplittableRandom(1), InitOptions.defaults());
    assertScaledIdentity(gram(w, 256, 64, true), 64, 4.0, 1e-11);
    WeightShape down = WeightShape.conv(64, 256, 1, 1);
    double[] v = new double[down.size()];
    suo.initWeights(down, v, new SplittableRandom(1), InitOptions.defaults());
    assertScaledIdentity(gram(v, 64, 256, false), 64, 1.0, 1e-11);
    // Logits 2048 -> 1000: factor 1 (a [in, out] reading would give 1.43).
    assertEquals(1.0, Initializers.Suo.rescale(1000, 2048), 0.0);
    assertEquals(2.0, Initializers.Suo.rescale(256, 64), 0.0);
  }

  @Test
  void suoDeltaConvIsZeroOffCentreAndPreservesQ() {
    WeightShape s = WeightShape.conv(48, 16, 3, 3);
    double[] w = new double[s.size()];
    new Initializers.Suo().initWeights(s, w, new SplittableRandom(9), new InitOptions(1.0, 0.0, false));
    double[] centre = new double[48 * 16];
    for (int o = 0; o < 48; o++) {
      for (int i = 0; i < 16; i++) {
        for (int h = 0; h < 3; h++) {
          for (int x = 0; x < 3; x++) {
            double v = w[s.index(o, i, h, x)];
            if (h != 1 || x != 1) {
              assertEquals(0.0, v, 0.0);
            } else {
              centre[o * 16 + i] = v;
            }
          }
        }
      }
    }
    assertScaledIdentity(gram(centre, 48, 16, true), 16, 3.0, 1e-11);
    // q of the output per unit equals q of the input per unit for any input: ||Mx||^2/48 = ||x||^2/16.
    double[] x = new double[16];
    SplittableRandom r = new SplittableRandom(5);
    double qx = 0;
    for (int i = 0; i < 16; i++) {
      x[i] = r.nextGaussian();
      qx += x[i] * x[i] / 16;
    }
    double qy = 0;
    for (int o = 0; o < 48; o++) {
      double y = 0;
      for (int i = 0; i < 16; i++) {
        y += centre[o * 16 + i] * x[i];
      }
      qy += y * y / 48;
    }
    assertEquals(qx, qy, 1e-12);
  }

  @Test
  void deltaNeedsOddKernels() {
    WeightShape s = WeightShape.conv(8, 8, 2, 2);
    TailorException e = assertThrows(TailorException.class, () -> new Initializers.Suo()
        .initWeights(s, new double[s.size()], new SplittableRandom(1), InitOptions.defaults()));
    assertTrue(e.getMessage().startsWith("suo (Delta-orthogonal) initialization needs odd kernel sizes, got 2x2"));
  }

  @Test
  void heHasTheEdgeOfChaosVariance() {
    WeightShape s = WeightShape.conv(128, 64, 3, 3);
    double[] w = new double[s.size()];
    new Initializers.He().initWeights(s, w, new SplittableRandom(2), InitOptions.defaults());
    double m2 = 0;
    for (double v : w) {
      m2 += v * v / w.length;
    }
    // 73,728 samples: the relative standard error of the variance is sqrt(2/n) = 0.5%.
    assertEquals(2.0 / (64 * 9), m2, 0.03 * 2.0 / (64 * 9));
    double[] o = new double[s.size()];
    new Initializers.He().initWeights(s, o, new SplittableRandom(2), new InitOptions(Double.NaN, 0, true));
    // Orthogonal variant on the flattened [128, 576] matrix: rows orthonormal times sqrt(2).
    assertScaledIdentity(gram(o, 128, 576, false), 128, 2.0, 1e-11);
  }

  @Test
  void glorotAndLecunFollowTheirDefinitions() {
    WeightShape s = WeightShape.dense(300, 200);
    double[] g = new double[s.size()];
    new Initializers.Glorot().initWeights(s, g, new SplittableRandom(4), InitOptions.defaults());
    double limit = Math.sqrt(6.0 / 500);
    double m2 = 0;
    for (double v : g) {
      assertTrue(Math.abs(v) <= limit);
      m2 += v * v / g.length;
    }
    assertEquals(limit * limit / 3, m2, 0.03 * limit * limit / 3);
    double[] l = new double[s.size()];
    new Initializers.Lecun().initWeights(s, l, new SplittableRandom(4), InitOptions.defaults());
    double ml = 0;
    for (double v : l) {
      ml += v * v / l.length;
    }
    assertEquals(1.0 / 200, ml, 0.03 / 200);
  }

  @Test
  void seededAndBiasesFollowSigmaB() {
    WeightShape s = WeightShape.dense(10, 10);
    double[] a = new double[s.size()];
    double[] b = new double[s.size()];
    new Initializers.Suo().initWeights(s, a, new SplittableRandom(7), InitOptions.defaults());
    new Initializers.Suo().initWeights(s, b, new SplittableRandom(7), InitOptions.defaults());
    assertArrayEquals(a, b, 0.0);
    double[] bias = new double[4000];
    new Initializers.Suo().initBias(bias, new SplittableRandom(1), InitOptions.defaults());
    assertArrayEquals(new double[4000], bias, 0.0);
    new Initializers.Suo().initBias(bias, new SplittableRandom(1), new InitOptions(1.0, 0.5, false));
    double m2 = 0;
    for (double v : bias) {
      m2 += v * v / bias.length;
    }
    assertEquals(0.25, m2, 0.02);
  }
}
