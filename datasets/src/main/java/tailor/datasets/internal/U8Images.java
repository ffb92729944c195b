package tailor.datasets.internal;

import java.util.List;
import java.util.random.RandomGenerator;
import tailor.api.data.Dataset;
import tailor.api.data.Split;

/**
 * Images held in memory as bytes, channel-first ([C, H, W] per example), normalized on load by
 * per-channel or per-position mean and standard deviation. Training augmentation: none, or
 * CIFAR-style zero-padding by {@code pad} pixels, a random crop back to size, and a random
 * horizontal flip.
 */
final class U8Images implements Dataset {
  private final int channels;
  private final int height;
  private final int width;
  private final byte[][] train;
  private final byte[][] test;
  private final int[] trainLabels;
  private final int[] testLabels;
  private final List<String> classes;
  private final float[] mean;
  private final float[] invStd;
  private final int pad;
  private final boolean flip;
  private final String description;

  U8Images(int channels, int height, int width, byte[][] train, int[] trainLabels, byte[][] test,
      int[] testLabels, List<String> classes, float[] mean, float[] std, int pad, boolean flip,
      String description) {
    this.channels = channels;
    this.height = height;
    this.width = width;
    this.train = train;
    this.test = test;
    this.trainLabels = trainLabels;
    this.testLabels = testLabels;
    this.classes = List.copyOf(classes);
    this.mean = mean.clone();
    this.invStd = new float[std.length];
    for (int i = 0; i < std.length; i++) {
      invStd[i] = 1f / std[i];
    }
    this.pad = pad;
    this.flip = flip;
    this.description = description;
  }

  @Override
  public tailor.api.data.Preprocessing preprocessing() {
    float[] std = new float[invStd.length];
    for (int i = 0; i < std.length; i++) {
      std[i] = 1f / invStd[i];
    }
    return tailor.api.data.Preprocessing.pixels(String.format(java.util.Locale.ROOT,
        "8-bit values as stored, channel-first [%d, %d, %d]", channels, height, width), mean, std);
  }

  @Override
  public List<Integer> exampleShape() {
    return List.of(channels, height, width);
  }

  @Override
  public List<String> classNames() {
    return classes;
  }

  @Override
  public int size(Split split) {
    return split == Split.TRAIN ? train.length : test.length;
  }

  @Override
  public int label(Split split, int index) {
    return split == Split.TRAIN ? trainLabels[index] : testLabels[index];
  }

  @Override
  public String describe() {
    return description;
  }

  @Override
  public void load(Split split, int index, float[] dst, int offset, RandomGenerator augment) {
    byte[] img = split == Split.TRAIN ? train[index] : test[index];
    int dy = 0;
    int dx = 0;
    boolean mirror = false;
    if (augment != null) {
      if (pad > 0) {
        dy = augment.nextInt(2 * pad + 1) - pad;
        dx = augment.nextInt(2 * pad + 1) - pad;
      }
      mirror = flip && augment.nextBoolean();
    }
    boolean perChannel = mean.length == channels;
    int plane = height * width;
    for (int c = 0; c < channels; c++) {
      for (int y = 0; y < height; y++) {
        int sy = y + dy;
        for (int x = 0; x < width; x++) {
          int sx = (mirror ? width - 1 - x : x) + dx;
          int pos = c * plane + y * width + x;
          int k = perChannel ? c : pos;
          float v = 0f; // zero padding in pixel space
          if (sy >= 0 && sy < height && sx >= 0 && sx < width) {
            v = (img[c * plane + sy * width + sx] & 0xff) / 255f;
          }
          dst[offset + pos] = (v - mean[k]) * invStd[k];
        }
      }
    }
  }
}
