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
