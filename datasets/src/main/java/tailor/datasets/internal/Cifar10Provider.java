package tailor.datasets.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import tailor.api.TailorException;
import tailor.api.data.DataOptions;
import tailor.api.data.Dataset;

/**
 * {@code cifar10}: CIFAR-10 from the official binary batches ({@code data_batch_1..5.bin},
 * {@code test_batch.bin}: records of 1 label byte + 3,072 pixel bytes, R then G then B planes)
 * or from an image-folder tree ({@code train/<class>/*.jpg|png}, {@code test/...}, 32x32).
 * Normalized with the CIFAR-10 channel means and standard deviations; training augmentation is
 * 4-pixel zero padding, a random 32x32 crop and a random horizontal flip.
 */
public final class Cifar10Provider extends Base {
  static final List<String> CLASSES = List.of("airplane", "automobile", "bird", "cat", "deer",
      "dog", "frog", "horse", "ship", "truck");
  static final float[] MEAN = {0.4914f, 0.4822f, 0.4465f};
  static final float[] STD = {0.2470f, 0.2435f, 0.2616f};
  private static final int RECORD = 1 + 3072;

  @Override
  public String name() {
    return "cifar10";
  }

  @Override
  public String description() {
    return "CIFAR-10, 32x32 RGB, 10 classes (binary batches or train/test image folders)";
  }

  @Override
  String layout() {
    return "data_batch_1..5.bin and test_batch.bin, or train/<class>/*.jpg and test/<class>/*.jpg";
  }

  @Override
  public Dataset open(DataOptions o) {
    requireDirectory(o);
    boolean augment = !augmentation(o, List.of("default", "none")).equals("none");
    Path dir = o.directory();
    Path nested = dir.resolve("cifar-10-batches-bin");
    if (Files.isDirectory(nested)) {
      dir = nested;
    }
    if (Files.exists(dir.resolve("data_batch_1.bin")) || Files.exists(dir.resolve("test_batch.bin"))) {
      return binary(dir, augment);
    }
    if (Files.isDirectory(dir.resolve("train"))) {
      return folders(dir, o.loaderThreads(), augment);
    }
    throw TailorException.user(String.format(Locale.ROOT,
        "--data %s holds neither CIFAR-10 binary batches nor a train/ folder; expected %s",
        o.directory(), layout()));
  }

  private Dataset binary(Path dir, boolean augment) {
    List<byte[]> train = new ArrayList<>();
    List<Integer> trainLabels = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      read(dir.resolve("data_batch_" + i + ".bin"), train, trainLabels);
    }
    List<byte[]> test = new ArrayList<>();
    List<Integer> testLabels = new ArrayList<>();
    read(dir.resolve("test_batch.bin"), test, testLabels);
    List<String> classes = CLASSES;
    Path meta = dir.resolve("batches.meta.txt");
    if (Files.isRegularFile(meta)) {
      // the official archive's class names: they must be CIFAR-10's, in its order, or the
      // labels would silently mean other classes
      List<String> names;
      try {
        names = Files.readAllLines(meta, StandardCharsets.UTF_8).stream()
            .map(String::trim).filter(s -> !s.isEmpty()).toList();
      } catch (IOException e) {
        throw TailorException.resource("cannot read " + meta + ": " + e.getMessage(), e);
      }
      if (!names.equals(CLASSES)) {
        throw TailorException.user(String.format(Locale.ROOT, "%s names the classes %s; CIFAR-10's "
            + "are %s, in that order (the labels are their indices); restore the official file, "
            + "or train on other classes with --dataset images", meta, String.join(", ", names),
            String.join(", ", CLASSES)));
      }
    }
    return new U8Images(3, 32, 32, train.toArray(new byte[0][]), ints(trainLabels),
        test.toArray(new byte[0][]), ints(testLabels), classes, MEAN, STD, augment ? 4 : 0,
        augment, String.format(Locale.ROOT, "cifar10 binary batches in %s: %,d train / %,d test",
            dir, train.size(), test.size()));
  }

  private static void read(Path file, List<byte[]> images, List<Integer> labels) {
    if (!Files.isRegularFile(file)) {
      throw TailorException.user(file + " is missing; CIFAR-10 binary needs data_batch_1.bin .. "
          + "data_batch_5.bin and test_batch.bin in one folder");
    }
    try (InputStream in = Files.newInputStream(file)) {
      long size = Files.size(file);
      if (size == 0 || size % RECORD != 0) {
        throw TailorException.user(String.format(Locale.ROOT,
            "%s has %,d bytes, not a whole number of %,d-byte records (1 label + 3,072 pixels); "
                + "is it the binary version of CIFAR-10 (not the Python or CIFAR-100 one)?",
            file, size, RECORD));
      }
      byte[] rec = new byte[RECORD];
      int n = 0;
      while (in.readNBytes(rec, 0, RECORD) == RECORD) {
        n++;
        int label = rec[0] & 0xff;
        if (label > 9) {
          throw TailorException.user(String.format(Locale.ROOT,
              "%s record %,d has label %d; CIFAR-10 labels are 0-9 (CIFAR-100 files are not "
                  + "supported)", file, n, label));
        }
        labels.add(label);
        images.add(java.util.Arrays.copyOfRange(rec, 1, RECORD));
      }
    } catch (IOException e) {
      throw TailorException.resource("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private Dataset folders(Path dir, int threads, boolean augment) {
    ImageFolder train = ImageFolder.scanNamed(dir.resolve("train"), CLASSES, "CIFAR-10");
    Path testDir = dir.resolve("test");
    ImageFolder test = ImageFolder.scanNamed(testDir, CLASSES, "CIFAR-10");
    byte[][] tr = decodeAll(train, "train", threads);
    byte[][] te = decodeAll(test, "test", threads);
    return new U8Images(3, 32, 32, tr, train.labelArray(), te, test.labelArray(), train.classes,
        MEAN, STD, augment ? 4 : 0, augment, String.format(Locale.ROOT,
            "cifar10 image folders in %s: %,d train / %,d test, %d classes", dir, tr.length,
            te.length, train.classes.size()));
  }

  /** Decodes every image of a folder split to 32x32 CHW bytes, in parallel. */
  static byte[][] decodeAll(ImageFolder f, String split, int threads) {
    return decodeAll(f, split, threads, (im, where) -> {
      if (im.width() != 32 || im.height() != 32) {
        throw TailorException.user(String.format(Locale.ROOT,
            "%s is %dx%d; CIFAR-10 images are 32x32", where, im.width(), im.height()));
      }
      return Images.chw(im);
    });
  }

  /**
   * Decodes every image of a folder split in parallel, each converted to CHW bytes by {@code
   * convert} (given the image and the file with its record, for messages).
   */
  static byte[][] decodeAll(ImageFolder f, String split, int threads,
      java.util.function.BiFunction<Images.Rgb, String, byte[]> convert) {
    byte[][] out = new byte[f.files.size()][];
    ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "tailor-decode");
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<?>> parts = new ArrayList<>();
      int chunk = Math.max(1, (out.length + threads - 1) / threads);
      for (int start = 0; start < out.length; start += chunk) {
        int s = start;
        int e = Math.min(out.length, start + chunk);
        parts.add(pool.submit(() -> {
          for (int i = s; i < e; i++) {
            String what = String.format(Locale.ROOT, "record %,d of %s", i + 1, split);
            out[i] = convert.apply(Images.decode(f.files.get(i), what), f.files.get(i) + " (" + what + ")");
          }
        }));
      }
      for (Future<?> p : parts) {
        p.get();
      }
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw TailorException.internal("decoding failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw TailorException.internal("interrupted while decoding images", e);
    } finally {
      pool.shutdownNow();
    }
    return out;
  }

  static int[] ints(List<Integer> v) {
    return v.stream().mapToInt(Integer::intValue).toArray();
  }
}
