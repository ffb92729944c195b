package tailor.kernelshaping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import tailor.api.TailorException;
import tailor.kernelshaping.PerLocationNormalization.Homogeneous;

class PerLocationNormalizationTest {
  @Test
  void everyLocationHasUnitMeanSquare() {
    int n = 3;
    int c = 3;
    int loc = 16;
    float[] x = new float[n * c * loc];
    SplittableRandom r = new SplittableRandom(1);
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (r.nextDouble() * 255);
    }
    for (Homogeneous mode : Homogeneous.values()) {
      float[] y = PerLocationNormalization.apply(x, n, c, loc, mode, 1.0);
      int outC = PerLocationNormalization.outputChannels(c, mode);
      for (int e = 0; e < n; e++) {
        for (int l = 0; l < loc; l++) {
          double s = 0;
          for (int k = 0; k < outC; k++) {
            double v = y[(e * outC + k) * loc + l];
            s += v * v;
          }
          assertEquals(1.0, s / outC, 1e-6, mode + " example " + e + " location " + l);
        }
      }
    }
  }

  /**
   * The definition itself: each location's output is its input vector with the homogeneous
   * coordinate appended (1, or for avg_q the root mean square of the example's whole input),
   * scaled by one positive factor (the direction is kept), chosen so that the mean square over
   * the channels is 1. Checked in double precision against a direct computation.
   */
  @Test
  void outputIsTheScaledInputWithTheHomogeneousCoordinate() {
    int n = 2;
    int c = 3;
    int loc = 5;
    float[] x = new float[n * c * loc];
    SplittableRandom r = new SplittableRandom(4);
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (r.nextGaussian() * (1 + i % 4));
    }
    for (Homogeneous mode : new Homogeneous[] {Homogeneous.ONE, Homogeneous.AVG_Q}) {
      float[] y = PerLocationNormalization.apply(x, n, c, loc, mode, 1.5);
      for (int e = 0; e < n; e++) {
        double h = 1.5;
        if (mode == Homogeneous.AVG_Q) {
          double s = 0;
          for (int k = 0; k < c * loc; k++) {
            s += (double) x[e * c * loc + k] * x[e * c * loc + k];
          }
          h = 1.5 * Math.sqrt(s / (c * loc));
        }
        for (int l = 0; l < loc; l++) {
          double[] v = new double[c + 1];
          double sq = 0;
          for (int k = 0; k < c; k++) {
            v[k] = x[(e * c + k) * loc + l];
            sq += v[k] * v[k];
          }
          v[c] = h;
          sq += h * h;
          double scale = 1 / Math.sqrt(sq / (c + 1));
          for (int k = 0; k <= c; k++) {
            double got = y[(e * (c + 1) + k) * loc + l];
            assertEquals(v[k] * scale, got, 1e-6 * Math.max(1, Math.abs(got)),
                mode + " example " + e + " location " + l + " channel " + k);
          }
        }
      }
    }
  }

  /** The CIFAR problem dks's README names: all-zero pixels. With "one" they become e * sqrt(C+1). */
  @Test
  void allZeroPixelsBecomeTheHomogeneousDirection() {
    float[] x = new float[3];
    float[] y = PerLocationNormalization.apply(x, 1, 3, 1, Homogeneous.ONE, 1.0);
    assertEquals(0.0, y[0], 0.0);
    assertEquals(2.0, y[3], 1e-6);
    float[] off = PerLocationNormalization.apply(x, 1, 3, 1, Homogeneous.OFF, 1.0);
    assertEquals(0.0, off[0], 0.0);
  }

  @Test
  void shapeMismatchIsAUserError() {
    assertThrows(TailorException.class,
        () -> PerLocationNormalization.apply(new float[10], 2, 3, 2, Homogeneous.ONE, 1.0));
  }
}
