package tailor.datasets.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * ImageNet's crop boxes against their definitions, over many draws: the random-resized crop's
 * area (8%-100% of the image, uniform), aspect ratio (log-uniform in [3/4, 4/3]), placement
 * inside the image, the centre-square fallback after 10 failed tries, the evaluation centre
 * crop and the random-crop mode, and the mirror drawn half the time. Bounds are exact; the
 * distribution checks use 20,000 draws, whose sampling error on a mean of a uniform variable
 * is about 0.26 / sqrt(20000) = 0.0018 (tolerances 0.005 to 0.015: 2.7 sigma or more; the seeds are
 * fixed, so the test is deterministic).
 */
class ImageNetCropTest {
  static final int N = 20_000;

  @Test
  void randomResizedCropsFollowTheirDefinition() {
    double w = 500;
    double h = 375;
    SplittableRandom r = new SplittableRandom(3);
    double sumArea = 0;
    double sumLogRatio = 0;
    double minLog = Double.POSITIVE_INFINITY;
    double maxLog = Double.NEGATIVE_INFINITY;
    int mirrored = 0;
    int full = 0;
    double sumCentreX = 0;
    for (int i = 0; i < N; i++) {
      ImageNetProvider.Box b = ImageNetProvider.randomResizedBox(w, h, r);
      assertTrue(b.x0() >= 0 && b.y0() >= 0 && b.x0() + b.w() <= w + 1e-9 && b.y0() + b.h() <= h + 1e-9, b.toString());
      double a = b.w() * b.h() / (w * h);
      assertTrue(a >= 0.08 - 1e-12 && a <= 1 + 1e-12, "area share " + a);
      double lr = Math.log(b.w() / b.h());
      if (a == Math.min(w, h) * Math.min(w, h) / (w * h) && b.w() == b.h()) {
        full++; // the fallback (never needed at this shape, checked below)
      }
      minLog = Math.min(minLog, lr);
      maxLog = Math.max(maxLog, lr);
      sumLogRatio += lr;
      sumArea += a;
      mirrored += b.mirror() ? 1 : 0;
      sumCentreX += (b.x0() + b.w() / 2) / w;
    }
    assertTrue(minLog >= Math.log(0.75) - 1e-12 && maxLog <= Math.log(4.0 / 3) + 1e-12);
    assertTrue(minLog < Math.log(0.75) + 0.01 && maxLog > Math.log(4.0 / 3) - 0.01,
        "the aspect ratios reach both ends: " + minLog + " " + maxLog);
    // The first box that fits is a proposal conditioned on fitting (all 10 tries fail with
    // probability below 1e-5 at 4:3): its mean area share and log ratio by a 2000 x 2000
    // midpoint rule over the proposal (area uniform in [0.08, 1], log ratio uniform).
    double fitArea = 0;
    double fitLog = 0;
    double fits = 0;
    int g = 2000;
    for (int i = 0; i < g; i++) {
      double a = 0.08 + 0.92 * (i + 0.5) / g;
      for (int j = 0; j < g; j++) {
        double lr = Math.log(0.75) + (Math.log(4.0 / 3) - Math.log(0.75)) * (j + 0.5) / g;
        double ratio = Math.exp(lr);
        if (Math.sqrt(a * w * h * ratio) <= w && Math.sqrt(a * w * h / ratio) <= h) {
          fits++;
          fitArea += a;
          fitLog += lr;
        }
      }
    }
    assertEquals(fitArea / fits, sumArea / N, 0.005, "mean area share of the boxes");
    assertEquals(fitLog / fits, sumLogRatio / N, 0.005, "mean log aspect ratio of the boxes");
    assertEquals(0.5, mirrored / (double) N, 0.015, "mirrored half the time");
    assertEquals(0.5, sumCentreX / N, 0.01, "placed without bias");
    assertEquals(0, full, "no fallback at 4:3");
  }

  /** A 1000 x 10 strip fits no box of 8%+ area with ratio in [3/4, 4/3]: the centre square. */
  @Test
  void noFittingBoxFallsBackToTheCentreSquare() {
    SplittableRandom r = new SplittableRandom(5);
    int mirrored = 0;
    for (int i = 0; i < 2000; i++) {
      ImageNetProvider.Box b = ImageNetProvider.randomResizedBox(1000, 10, r);
      assertEquals(495.0, b.x0(), 0.0);
      assertEquals(0.0, b.y0(), 0.0);
      assertEquals(10.0, b.w(), 0.0);
      assertEquals(10.0, b.h(), 0.0);
      mirrored += b.mirror() ? 1 : 0;
    }
    assertEquals(0.5, mirrored / 2000.0, 0.05);
  }

  @Test
  void evaluationAndRandomCropBoxes() {
    ImageNetProvider.Box e = ImageNetProvider.evalBox(512, 256);
    assertEquals(224.0, e.w(), 0.0);
    assertEquals(224.0, e.h(), 0.0);
    assertEquals(144.0, e.x0(), 0.0); // (512 - 224) / 2
    assertEquals(16.0, e.y0(), 0.0);
    assertTrue(!e.mirror());
    SplittableRandom r = new SplittableRandom(9);
    double minX = Double.POSITIVE_INFINITY;
    double maxX = 0;
    int mirrored = 0;
    for (int i = 0; i < N; i++) {
      ImageNetProvider.Box b = ImageNetProvider.randomCropBox(512, 256, r);
      assertEquals(224.0, b.w(), 0.0);
      assertEquals(224.0, b.h(), 0.0);
      assertTrue(b.x0() >= 0 && b.x0() <= 288 && b.y0() >= 0 && b.y0() <= 32, b.toString());
      minX = Math.min(minX, b.x0());
      maxX = Math.max(maxX, b.x0());
      mirrored += b.mirror() ? 1 : 0;
    }
    assertTrue(minX < 1 && maxX > 287, "positions cover the whole range: " + minX + " " + maxX);
    assertEquals(0.5, mirrored / (double) N, 0.015);
  }
}
