package tailor.kernelshaping;

import java.util.Locale;
import tailor.api.TailorException;

/**
 * Per-location normalization (PLN, dks v0.1.2): makes every input location's q value exactly 1,
 * as DKS and TAT assume. Optionally a homogeneous coordinate is appended to the channels, then
 * each location's channel vector is divided by the square root of its mean square, so that
 * mean(x^2) over the channels is 1 at every location. Data are channels-first: a batch of
 * [n, channels, locations] (images: locations = height * width; vectors: 1 location).
 */
public final class PerLocationNormalization {
  /** What to append as the homogeneous coordinate. */
  public enum Homogeneous {
    /** Append homogScale (default): an all-zero pixel becomes a well-defined vector. */
    ONE,
    /** Append homogScale * sqrt(mean of squares over the example's whole input). */
    AVG_Q,
    /** Append nothing (loses a degree of freedom; all-zero locations stay zero). */
    OFF
  }

  private PerLocationNormalization() {}

  /** Output channels for {@code channels} input channels. */
  public static int outputChannels(int channels, Homogeneous mode) {
    return mode == Homogeneous.OFF ? channels : channels + 1;
  }

  /**
   * Normalizes a batch.
   *
   * @param x data [n, channels, locations], row-major
   * @param n batch size
   * @param channels channels
   * @param locations locations per example
   * @param mode homogeneous coordinate
   * @param homogScale scale of the homogeneous coordinate (default 1)
   * @return [n, outputChannels, locations]
   */
  public static float[] apply(float[] x, int n, int channels, int locations, Homogeneous mode,
      double homogScale) {
    if ((long) n * channels * locations != x.length) {
      throw TailorException.user(String.format(Locale.ROOT,
          "per-location normalization: %d values do not form [%d, %d, %d]", x.length, n, channels,
          locations));
    }
    int outC = outputChannels(channels, mode);
    float[] out = new float[n * outC * locations];
    for (int e = 0; e < n; e++) {
      int inBase = e * channels * locations;
      int outBase = e * outC * locations;
      double homog = homogScale;
      if (mode == Homogeneous.AVG_Q) {
        double s = 0;
        for (int k = 0; k < channels * locations; k++) {
          s += (double) x[inBase + k] * x[inBase + k];
        }
        homog = homogScale * Math.sqrt(s / (channels * locations));
      }
      for (int l = 0; l < locations; l++) {
        double sq = 0;
        for (int c = 0; c < channels; c++) {
          double v = x[inBase + c * locations + l];
          sq += v * v;
        }
        if (mode != Homogeneous.OFF) {
          sq += homog * homog;
        }
        double meanSq = sq / outC;
        double inv = meanSq > 0 ? 1.0 / Math.sqrt(meanSq) : 0.0;
        for (int c = 0; c < channels; c++) {
          out[outBase + c * locations + l] = (float) (x[inBase + c * locations + l] * inv);
        }
        if (mode != Homogeneous.OFF) {
          out[outBase + channels * locations + l] = (float) (homog * inv);
        }
      }
    }
    return out;
  }
}
