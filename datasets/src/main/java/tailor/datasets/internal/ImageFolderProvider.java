package tailor.datasets.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import tailor.api.TailorException;
import tailor.api.data.DataOptions;
import tailor.api.data.Dataset;

/**
 * {@code images}: any labelled image folders, {@code train/<class>/*.jpg|jpeg|png} and {@code
 * test/<class>/...} (or {@code val/}), for data that is not one of the named datasets. The classes
 * are the training folder's class folders in sorted order; a test class folder must be one of
 * them; an empty class folder is an error. Every image is decoded once at open, its centre
 * square resized bilinearly to {@code --image-size} (default 32; an image of that size is kept
 * as it is) and held in memory as bytes; the inputs are normalized per channel by the training
 * split's own mean and standard deviation. Training augmentation (default): zero padding by an
 * eighth of the size, a random crop back and a random horizontal flip; {@code --augment none}.
 * What it read is described with the number of examples of every class.
 */
public final class ImageFolderProvider extends Base {
  /** The most bytes of decoded images held in memory (larger sets: the streaming imagenet dataset). */
  static final long MAX_BYTES = 6L << 30;

  @Override
  public String name() {
    return "images";
  }

  @Override
  public String description() {
    return "any image folders train/<class>, test/<class> (classes from the folder names)";
  }

  @Override
  String layout() {
    return "train/<class>/*.jpg|png and test/<class>/*.jpg|png (or val/<class>)";
  }

  @Override
  public Dataset open(DataOptions o) {
    requireDirectory(o);
    boolean augment = !augmentation(o, List.of("default", "none")).equals("none");
    int size = o.imageSize() == 0 ? 32 : o.imageSize();
    Path dir = o.directory();
    if (!Files.isDirectory(dir.resolve("train"))) {
      throw TailorException.user(String.format(Locale.ROOT,
          "--data %s has no train/ folder; dataset images expects %s", dir, layout()));
    }
    ImageFolder train = ImageFolder.scan(dir.resolve("train"), null);
    if (train.classes.size() < 2) {
      throw TailorException.user(String.format(Locale.ROOT, "%s has one class folder (%s); a "
          + "classifier needs at least 2 classes, each in its own folder", dir.resolve("train"),
          train.classes.get(0)));
    }
    Path testDir = dir.resolve("test");
    if (!Files.isDirectory(testDir)) {
      testDir = dir.resolve("val");
    }
    if (!Files.isDirectory(testDir)) {
      throw TailorException.user(String.format(Locale.ROOT,
          "--data %s has train/ but no test/ or val/ folder; dataset images expects %s", dir, layout()));
    }
    ImageFolder test = ImageFolder.scan(testDir, train.classes);
    long bytes = 3L * size * size * (train.files.size() + test.files.size());
    if (bytes > MAX_BYTES) {
      throw TailorException.user(String.format(Locale.ROOT, "%s: %,d images at %dx%d need %.1f "
          + "GiB in memory (the images dataset holds them decoded; at most %d GiB); use a "
          + "smaller --image-size, or --dataset imagenet, which decodes as it reads", dir,
          train.files.size() + test.files.size(), size, size, bytes / (double) (1L << 30),
          MAX_BYTES >> 30));
    }
    byte[][] tr = Cifar10Provider.decodeAll(train, "train", o.loaderThreads(),
        (im, where) -> Images.centreSquare(im, size));
    byte[][] te = Cifar10Provider.decodeAll(test, testDir.getFileName().toString(),
        o.loaderThreads(), (im, where) -> Images.centreSquare(im, size));
    float[][] stats = channelStats(tr, size * size);
    String description = String.format(Locale.ROOT, "image folders in %s, %dx%d, %d classes; "
        + "train %,d (%s), %s %,d (%s)", dir, size, size, train.classes.size(), tr.length,
        counts(train), testDir.getFileName(), te.length, counts(test));
    return new U8Images(3, size, size, tr, train.labelArray(), te, test.labelArray(),
        train.classes, stats[0], stats[1], augment ? Math.max(1, size / 8) : 0, augment,
        description);
  }

  /** Per-channel mean and standard deviation of the pixels /255 over all images. */
  static float[][] channelStats(byte[][] images, int plane) {
    double[] sum = new double[3];
    double[] sq = new double[3];
    for (byte[] img : images) {
      for (int c = 0; c < 3; c++) {
        long s = 0;
        long s2 = 0;
        for (int i = c * plane; i < (c + 1) * plane; i++) {
          int v = img[i] & 0xff;
          s += v;
          s2 += (long) v * v;
        }
        sum[c] += s;
        sq[c] += s2;
      }
    }
    float[] mean = new float[3];
    float[] std = new float[3];
    double n = (double) images.length * plane;
    for (int c = 0; c < 3; c++) {
      double m = sum[c] / n;
      double var = Math.max(0, sq[c] / n - m * m);
      mean[c] = (float) (m / 255);
      // a channel that is constant everywhere is only centred
      std[c] = var > 0 ? (float) (Math.sqrt(var) / 255) : 1f;
    }
    return new float[][] {mean, std};
  }

  /** "cat 500, dog 480, ..." for every class (the first 12 and the smallest where there are more). */
  static String counts(ImageFolder f) {
    int[] n = new int[f.classes.size()];
    for (int label : f.labels) {
      n[label]++;
    }
    List<String> parts = new ArrayList<>();
    for (int k = 0; k < n.length; k++) {
      parts.add(String.format(Locale.ROOT, "%s %,d", f.classes.get(k), n[k]));
    }
    if (parts.size() <= 12) {
      return String.join(", ", parts);
    }
    int min = 0;
    for (int k = 1; k < n.length; k++) {
      min = n[k] < n[min] ? k : min;
    }
    return String.join(", ", parts.subList(0, 12)) + String.format(Locale.ROOT,
        ", ... %d more; fewest: %s", parts.size() - 12, parts.get(min));
  }
}
