package tailor.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tailor.api.TailorException;
import tailor.api.data.DataOptions;
import tailor.api.data.Dataset;
import tailor.api.data.DatasetProvider;
import tailor.api.data.Split;

class DatasetsTest {
  static final float[] CIFAR_MEAN = {0.4914f, 0.4822f, 0.4465f};
  static final float[] CIFAR_STD = {0.2470f, 0.2435f, 0.2616f};

  /** The providers this module declares ({@code provides} in module-info, in order). */
  static List<DatasetProvider> declared() {
    List<DatasetProvider> out = new ArrayList<>();
    for (var p : DatasetsTest.class.getModule().getDescriptor().provides()) {
      if (p.service().equals(DatasetProvider.class.getName())) {
        for (String impl : p.providers()) {
          try {
            out.add((DatasetProvider) Class.forName(impl).getConstructor().newInstance());
          } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
          }
        }
      }
    }
    return out;
  }

  static DatasetProvider provider(String name) {
    return declared().stream().filter(p -> p.name().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no dataset plugin " + name));
  }

  static DataOptions at(Path dir, String augmentation) {
    return new DataOptions(dir, 0, 2, augmentation);
  }

  @Test
  void everyPluginIsDeclaredForModulesAndClassPath() throws IOException {
    List<String> names = new ArrayList<>();
    List<String> classes = new ArrayList<>();
    declared().forEach(p -> {
      names.add(p.name());
      classes.add(p.getClass().getName());
    });
    assertEquals(List.of("digits", "cifar10", "mnist", "fashion-mnist", "imagenet", "images"), names);
    try (var in = DatasetsTest.class.getModule()
        .getResourceAsStream("META-INF/services/tailor.api.data.DatasetProvider")) {
      assertEquals(classes, new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
          .lines().filter(l -> !l.isBlank()).toList());
    }
  }

  /**
   * A held-out part of the training split: train and held-out examples partition the training
   * split (none of the test split), the same fraction and seed hold out the same examples, the
   * held-out ones load without augmentation, labels follow their source, and a fraction outside
   * (0, 1) is one user error.
   */
  @Test
  void holdoutPartitionsTheTrainingSplitAndNeverTouchesTheTestSplit() {
    Dataset d = provider("digits").open(DataOptions.embedded());
    int n = d.size(Split.TRAIN);
    Holdout h = new Holdout(d, 0.1, 7);
    assertEquals(Math.round(0.1 * n), h.size(Split.TEST));
    assertEquals(n, h.size(Split.TRAIN) + h.size(Split.TEST));
    java.util.Set<Integer> seen = new java.util.HashSet<>();
    for (Split sp : Split.values()) {
      for (int i = 0; i < h.size(sp); i++) {
        assertTrue(seen.add(h.source(sp, i)), "example " + h.source(sp, i) + " twice");
        assertEquals(d.label(Split.TRAIN, h.source(sp, i)), h.label(sp, i));
      }
    }
    assertEquals(n, seen.size());
    Holdout again = new Holdout(d, 0.1, 7);
    Holdout other = new Holdout(d, 0.1, 8);
    boolean differs = false;
    for (int i = 0; i < h.size(Split.TEST); i++) {
      assertEquals(h.source(Split.TEST, i), again.source(Split.TEST, i));
      differs |= h.source(Split.TEST, i) != other.source(Split.TEST, i);
    }
    assertTrue(differs, "another seed holds out other examples");
    float[] a = new float[d.exampleSize()];
    float[] b = new float[d.exampleSize()];
    h.load(Split.TEST, 3, a, 0, new java.util.SplittableRandom(1));
    d.load(Split.TRAIN, h.source(Split.TEST, 3), b, 0, null);
    assertArrayEquals(b, a, "held-out examples load with the evaluation transform");
    for (double bad : new double[] {0, 1, -0.2, 1.5, Double.NaN}) {
      TailorException e = assertThrows(TailorException.class, () -> new Holdout(d, bad, 7));
      assertTrue(e.getMessage().startsWith("holdout = "), e.getMessage());
    }
  }

  @Test
  void embeddedDigitsSplitAndScale() {
    Dataset d = provider("digits").open(DataOptions.embedded());
    assertEquals(1797, d.size(Split.TRAIN) + d.size(Split.TEST));
    assertEquals(1442, d.size(Split.TRAIN));
    assertEquals(List.of(1, 8, 8), d.exampleShape());
    // Every class is split 4:1 (stratified), and the training inputs have mean square 1.
    int[] perClass = new int[10];
    for (int i = 0; i < d.size(Split.TEST); i++) {
      perClass[d.label(Split.TEST, i)]++;
    }
    for (int c : perClass) {
      assertTrue(c >= 34 && c <= 37, "test examples per class: " + c); // 174..183 per class
    }
    float[] x = new float[64];
    double sq = 0;
    for (int i = 0; i < d.size(Split.TRAIN); i++) {
      d.load(Split.TRAIN, i, x, 0, null);
      for (float v : x) {
        sq += v * v;
      }
    }
    assertEquals(1.0, sq / (64.0 * d.size(Split.TRAIN)), 1e-5);
  }

  @Test
  void cifarBinaryRecordsAreReadExactly(@TempDir Path dir) throws IOException {
    Fixtures.cifarBinary(dir, 3);
    Dataset d = provider("cifar10").open(at(dir, "default"));
    assertEquals(15, d.size(Split.TRAIN));
    assertEquals(3, d.size(Split.TEST));
    assertEquals("airplane", d.classNames().get(0));
    float[] x = new float[3 * 32 * 32];
    d.load(Split.TRAIN, 7, x, 0, null);
    assertEquals(7, d.label(Split.TRAIN, 7));
    for (int c = 0; c < 3; c++) {
      for (int y = 0; y < 32; y++) {
        for (int xx = 0; xx < 32; xx++) {
          double expect = (Fixtures.pixel(7, c, y, xx) / 255.0 - CIFAR_MEAN[c]) / CIFAR_STD[c];
          assertEquals(expect, x[c * 1024 + y * 32 + xx], 1e-5);
        }
      }
    }
    d.load(Split.TEST, 2, x, 0, null);
    assertEquals((Fixtures.pixel(17, 1, 3, 4) / 255.0 - CIFAR_MEAN[1]) / CIFAR_STD[1], x[1024 + 3 * 32 + 4], 1e-5);
  }

  /** The binary archive's class-name file must name CIFAR-10's classes in their order. */
  @Test
  void cifarBinaryClassNamesMustBeTheOfficialOnes(@TempDir Path dir) throws IOException {
    Fixtures.cifarBinary(dir, 3);
    Files.writeString(dir.resolve("batches.meta.txt"), String.join("\n", CIFAR_CLASSES) + "\n\n");
    assertEquals(CIFAR_CLASSES, provider("cifar10").open(at(dir, "none")).classNames());
    List<String> swapped = new ArrayList<>(CIFAR_CLASSES);
    swapped.set(3, "dog");
    swapped.set(5, "cat");
    Files.writeString(dir.resolve("batches.meta.txt"), String.join("\n", swapped));
    TailorException e = assertThrows(TailorException.class, () -> provider("cifar10").open(at(dir, "none")));
    assertTrue(e.getMessage().contains("batches.meta.txt names the classes airplane, automobile, "
        + "bird, dog, deer, cat"), e.getMessage());
    assertEquals(2, e.kind().exitCode());
  }

  @Test
  void cifarAugmentationIsAPaddedShiftAndFlip(@TempDir Path dir) throws IOException {
    Fixtures.cifarBinary(dir, 1);
    Dataset d = provider("cifar10").open(at(dir, "default"));
    float[] plain = new float[3072];
    float[] aug = new float[3072];
    d.load(Split.TRAIN, 0, plain, 0, null);
    SplittableRandom r = new SplittableRandom(5);
    int flips = 0;
    for (int trial = 0; trial < 40; trial++) {
      d.load(Split.TRAIN, 0, aug, 0, r.split());
      boolean found = false;
      for (int flip = 0; flip < 2 && !found; flip++) {
        for (int dy = -4; dy <= 4 && !found; dy++) {
          for (int dx = -4; dx <= 4 && !found; dx++) {
            if (matches(plain, aug, dy, dx, flip == 1)) {
              found = true;
              flips += flip;
            }
          }
        }
      }
      assertTrue(found, "augmented image is not a shift of at most 4 pixels with an optional flip");
    }
    assertTrue(flips > 5 && flips < 35, "flips " + flips + " of 40");
  }

  private static boolean matches(float[] plain, float[] aug, int dy, int dx, boolean flip) {
    for (int c = 0; c < 3; c++) {
      float zero = -CIFAR_MEAN[c] / CIFAR_STD[c];
      for (int y = 0; y < 32; y++) {
        for (int x = 0; x < 32; x++) {
          int sy = y + dy;
          int sx = (flip ? 31 - x : x) + dx;
          float expect = sy >= 0 && sy < 32 && sx >= 0 && sx < 32 ? plain[c * 1024 + sy * 32 + sx] : zero;
          if (Math.abs(expect - aug[c * 1024 + y * 32 + x]) > 1e-6) {
            return false;
          }
        }
      }
    }
    return true;
  }

  @Test
  void cifarBadFilesAreNamed(@TempDir Path dir) throws IOException {
    Fixtures.cifarBinary(dir, 2);
    byte[] b = Files.readAllBytes(dir.resolve("data_batch_3.bin"));
    b[3073] = 12; // the second record's label
    Files.write(dir.resolve("data_batch_3.bin"), b);
    TailorException e = assertThrows(TailorException.class, () -> provider("cifar10").open(at(dir, "default")));
    assertTrue(e.getMessage().contains("data_batch_3.bin record 2 has label 12"), e.getMessage());
    Files.write(dir.resolve("data_batch_3.bin"), new byte[100]);
    e = assertThrows(TailorException.class, () -> provider("cifar10").open(at(dir, "default")));
    assertTrue(e.getMessage().contains("not a whole number of 3,073-byte records"), e.getMessage());
    Files.delete(dir.resolve("test_batch.bin"));
    Files.write(dir.resolve("data_batch_3.bin"), new byte[3073]);
    e = assertThrows(TailorException.class, () -> provider("cifar10").open(at(dir, "default")));
    assertTrue(e.getMessage().contains("test_batch.bin is missing"), e.getMessage());
    assertEquals(2, e.kind().exitCode());
  }

  static final List<String> CIFAR_CLASSES = List.of("airplane", "automobile", "bird", "cat",
      "deer", "dog", "frog", "horse", "ship", "truck");

  /** A CIFAR-10 folder tree: one PNG per class in train/ (image k of class k), one in test/. */
  static void cifarFolders(Path dir) throws IOException {
    for (int k = 0; k < 10; k++) {
      Fixtures.png(dir.resolve("train").resolve(CIFAR_CLASSES.get(k)).resolve("0000.png"), k, 32, 32);
      Fixtures.png(dir.resolve("test").resolve(CIFAR_CLASSES.get(k)).resolve("0000.png"), 10 + k, 32, 32);
    }
  }

  @Test
  void cifarImageFoldersDecodeLosslessPngs(@TempDir Path dir) throws IOException {
    cifarFolders(dir);
    Fixtures.png(dir.resolve("train/dog/0001.png"), 20, 32, 32);
    Dataset d = provider("cifar10").open(at(dir, "none"));
    assertEquals(CIFAR_CLASSES, d.classNames());
    assertEquals(11, d.size(Split.TRAIN));
    assertEquals(5, d.label(Split.TRAIN, 6)); // airplane..deer, then dog/0000, dog/0001
    assertEquals(9, d.label(Split.TEST, 9));
    float[] x = new float[3072];
    d.load(Split.TRAIN, 6, x, 0, new SplittableRandom(1)); // augmentation "none"
    assertEquals((Fixtures.pixel(20, 2, 5, 9) / 255.0 - CIFAR_MEAN[2]) / CIFAR_STD[2], x[2048 + 5 * 32 + 9], 1e-5);
    Files.writeString(dir.resolve("train/dog/0002.jpg"), "not a jpeg");
    TailorException e = assertThrows(TailorException.class, () -> provider("cifar10").open(at(dir, "default")));
    assertTrue(e.getMessage().contains("0002.jpg is not a readable image (record 8 of train"), e.getMessage());
  }

  /**
   * A CIFAR-10 folder is read only as CIFAR-10: an extra class folder (which would shift the
   * labels from the official order), a missing class and an empty class folder are each one
   * clear error, in the training and the test split.
   */
  @Test
  void cifarFoldersMustHoldExactlyTheOfficialClasses(@TempDir Path tmp) throws IOException {
    Path extra = tmp.resolve("extra");
    cifarFolders(extra);
    Fixtures.png(extra.resolve("train/kitten/0000.png"), 0, 32, 32);
    TailorException e = assertThrows(TailorException.class, () -> provider("cifar10").open(at(extra, "none")));
    assertTrue(e.getMessage().contains("class folder 'kitten' is not a CIFAR-10 class (airplane, "
        + "automobile, bird"), e.getMessage());
    assertEquals(2, e.kind().exitCode());

    Path missing = tmp.resolve("missing");
    cifarFolders(missing);
    Fixtures.deleteTree(missing.resolve("test/truck"));
    e = assertThrows(TailorException.class, () -> provider("cifar10").open(at(missing, "none")));
    assertTrue(e.getMessage().contains("test has no folder for class 'truck'"), e.getMessage());

    Path empty = tmp.resolve("empty");
    cifarFolders(empty);
    Files.delete(empty.resolve("train/frog/0000.png"));
    e = assertThrows(TailorException.class, () -> provider("cifar10").open(at(empty, "none")));
    assertTrue(e.getMessage().contains("frog has no .jpg, .jpeg or .png images: a class with no examples"),
        e.getMessage());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
  }

  /**
   * The generic image-folder dataset takes any classes (sorted folder names), says how many
   * examples each has, keeps images of the chosen size exactly, resizes the centre square of
   * others, normalizes by the training split's own channel statistics (stated as its
   * preprocessing), and refuses an unknown test class, an empty class and a single class.
   */
  @Test
  void imageFoldersTakeAnyClassesAndCountThem(@TempDir Path tmp) throws IOException {
    Path dir = tmp.resolve("pets");
    Fixtures.png(dir.resolve("train/dog/a.png"), 0, 16, 16);
    Fixtures.png(dir.resolve("train/dog/b.png"), 1, 16, 16);
    Fixtures.png(dir.resolve("train/cat/a.png"), 2, 16, 16);
    Fixtures.png(dir.resolve("train/axolotl/a.png"), 3, 32, 16); // wider: its centre square
    Fixtures.png(dir.resolve("test/cat/a.png"), 4, 16, 16);
    DataOptions o = new DataOptions(dir, 16, 1, "none");
    Dataset d = provider("images").open(o);
    assertEquals(List.of("axolotl", "cat", "dog"), d.classNames());
    assertEquals(4, d.size(Split.TRAIN));
    assertEquals(1, d.size(Split.TEST));
    assertEquals(1, d.label(Split.TEST, 0));
    assertTrue(d.describe().contains("3 classes; train 4 (axolotl 1, cat 1, dog 2), test 1 "
        + "(axolotl 0, cat 1, dog 0)"), d.describe());
    // the statistics of the training pixels as the dataset holds them
    tailor.api.data.Preprocessing p = d.preprocessing();
    assertEquals(3, p.mean().size());
    double[] sum = new double[3];
    double[] sq = new double[3];
    int[][] images = {{3, 8}, {2, 0}, {0, 0}, {1, 0}}; // fixture image and x offset, label order
    for (int[] im : images) {
      for (int c = 0; c < 3; c++) {
        for (int y = 0; y < 16; y++) {
          for (int x = 0; x < 16; x++) {
            double v = Fixtures.pixel(im[0], c, y, x + im[1]) / 255.0;
            sum[c] += v;
            sq[c] += v * v;
          }
        }
      }
    }
    float[] x = new float[3 * 256];
    for (int c = 0; c < 3; c++) {
      double mean = sum[c] / 1024;
      double std = Math.sqrt(sq[c] / 1024 - mean * mean);
      assertEquals(mean, p.mean().get(c), 1e-6, "mean of channel " + c);
      assertEquals(std, p.std().get(c), 1e-6, "std of channel " + c);
    }
    // the wide image is its centre 16x16 square, pixel for pixel (a 1:1 resample)
    d.load(Split.TRAIN, 0, x, 0, null);
    double expected = (Fixtures.pixel(3, 1, 5, 7 + 8) / 255.0 - p.mean().get(1)) / p.std().get(1);
    assertEquals(expected, x[256 + 5 * 16 + 7], 1e-5);

    Fixtures.png(dir.resolve("test/hamster/a.png"), 5, 16, 16);
    TailorException e = assertThrows(TailorException.class, () -> provider("images").open(o));
    assertTrue(e.getMessage().contains("class folder 'hamster' is not among the training classes"),
        e.getMessage());
    Fixtures.deleteTree(dir.resolve("test/hamster"));
    Files.createDirectories(dir.resolve("train/emu"));
    e = assertThrows(TailorException.class, () -> provider("images").open(o));
    assertTrue(e.getMessage().contains("emu has no .jpg, .jpeg or .png images"), e.getMessage());
    Path one = tmp.resolve("one");
    Fixtures.png(one.resolve("train/dog/a.png"), 0, 16, 16);
    Fixtures.png(one.resolve("test/dog/a.png"), 0, 16, 16);
    e = assertThrows(TailorException.class, () -> provider("images").open(new DataOptions(one, 16, 1, "none")));
    assertTrue(e.getMessage().contains("needs at least 2 classes"), e.getMessage());
  }

  /**
   * A JPEG cut short decodes in ImageIO with the missing pixels filled in and only a warning:
   * that must be an error naming the file, and the whole file must still decode.
   */
  @Test
  void aTruncatedJpegIsAnErrorNotAPartlyGreyImage(@TempDir Path dir) throws IOException {
    cifarFolders(dir);
    Path jpg = dir.resolve("train/cat/0001.jpg");
    Fixtures.jpeg(jpg, 7, 32, 32);
    Dataset whole = provider("cifar10").open(at(dir, "none"));
    assertEquals(11, whole.size(Split.TRAIN));
    byte[] bytes = Files.readAllBytes(jpg);
    Files.write(jpg, java.util.Arrays.copyOf(bytes, bytes.length - 60));
    TailorException e = assertThrows(TailorException.class, () -> provider("cifar10").open(at(dir, "none")));
    assertTrue(e.getMessage().contains("0001.jpg is damaged (record 5 of train)"), e.getMessage());
    assertEquals(2, e.kind().exitCode());
  }

  @Test
  void idxRawAndGzipAgree(@TempDir Path dir) throws IOException {
    Fixtures.idx(dir.resolve("raw"), 12, 5, 28, 28, false);
    Fixtures.idx(dir.resolve("gz"), 12, 5, 28, 28, true);
    Dataset raw = provider("mnist").open(at(dir.resolve("raw"), "default"));
    Dataset gz = provider("fashion-mnist").open(at(dir.resolve("gz"), "default"));
    assertEquals(12, raw.size(Split.TRAIN));
    assertEquals(5, gz.size(Split.TEST));
    assertEquals(List.of(1, 28, 28), gz.exampleShape());
    float[] a = new float[784];
    float[] b = new float[784];
    raw.load(Split.TRAIN, 9, a, 0, null);
    gz.load(Split.TRAIN, 9, b, 0, null);
    assertEquals((Fixtures.pixel(9, 0, 10, 11) / 255.0 - 0.1307) / 0.3081, a[10 * 28 + 11], 1e-5);
    assertEquals((Fixtures.pixel(9, 0, 10, 11) / 255.0 - 0.2860) / 0.3530, b[10 * 28 + 11], 1e-5);
    assertEquals(9, raw.label(Split.TRAIN, 9));
    Fixtures.writeIdx(dir.resolve("raw/t10k-labels-idx1-ubyte"), new byte[] {0, 0, 8, 3, 0, 0, 0, 1, 0}, false);
    TailorException e = assertThrows(TailorException.class, () -> provider("mnist").open(at(dir.resolve("raw"), "default")));
    assertTrue(e.getMessage().contains("an IDX label file starts with 0x00000801"), e.getMessage());
  }

  @Test
  void imagenetCropsAreDeterministicPerGenerator(@TempDir Path dir) throws IOException {
    Fixtures.png(dir.resolve("train/n01/a.png"), 0, 48, 40);
    Fixtures.png(dir.resolve("train/n02/b.png"), 1, 30, 60);
    Fixtures.png(dir.resolve("val/n02/c.png"), 2, 50, 50);
    Dataset d = provider("imagenet").open(new DataOptions(dir, 24, 1, "default"));
    assertEquals(List.of(3, 24, 24), d.exampleShape());
    float[] a = new float[3 * 24 * 24];
    float[] b = new float[a.length];
    d.load(Split.TRAIN, 1, a, 0, new SplittableRandom(3));
    d.load(Split.TRAIN, 1, b, 0, new SplittableRandom(3));
    assertArrayEquals(a, b);
    d.load(Split.TRAIN, 1, b, 0, new SplittableRandom(4));
    assertFalse(java.util.Arrays.equals(a, b));
    // Evaluation: the centre crop of side 50 * 224/256 = 43.75 from offset 3.125, resized to 24.
    // Output pixel 12 samples the source at 3.125 + 12.5 * 43.75/24 - 0.5 on both axes; the
    // fixture's red channel there is the linear 74 + 7y + 3x - 256 (no byte wrap between 25 and
    // 26), which bilinear interpolation reproduces exactly.
    d.load(Split.TEST, 0, a, 0, null);
    double f = 3.125 + 12.5 * 43.75 / 24 - 0.5;
    double red = (74 + 10 * f - 256) / 255.0;
    assertEquals((red - 0.485) / 0.229, a[12 * 24 + 12], 1e-4);
    TailorException e = assertThrows(TailorException.class,
        () -> provider("imagenet").open(new DataOptions(dir, 24, 1, "mixup")));
    assertTrue(e.getMessage().contains("known: default, none, random-crop"), e.getMessage());
  }

  @Test
  void missingDirectoryIsAUserError() {
    TailorException e = assertThrows(TailorException.class, () -> provider("cifar10").open(DataOptions.embedded()));
    assertTrue(e.getMessage().contains("pass --data DIR"), e.getMessage());
  }

  @Test
  void batchesDoNotDependOnThreadsAndResumeAnywhere(@TempDir Path dir) throws IOException {
    Fixtures.cifarBinary(dir, 7); // 35 train examples
    Dataset d = provider("cifar10").open(at(dir, "default"));
    List<BatchStream.Batch> one = all(new BatchStream(d, Split.TRAIN, 4, true, 11, 2, 0, 1));
    List<BatchStream.Batch> two = all(new BatchStream(d, Split.TRAIN, 4, true, 11, 2, 0, 3));
    assertEquals(8, one.size()); // 35 / 4, the incomplete batch dropped
    for (int i = 0; i < one.size(); i++) {
      assertArrayEquals(one.get(i).x(), two.get(i).x());
      assertArrayEquals(one.get(i).labels(), two.get(i).labels());
    }
    List<BatchStream.Batch> tail = all(new BatchStream(d, Split.TRAIN, 4, true, 11, 2, 5, 2));
    assertEquals(3, tail.size());
    assertArrayEquals(one.get(5).x(), tail.get(0).x());
    List<BatchStream.Batch> other = all(new BatchStream(d, Split.TRAIN, 4, true, 11, 3, 0, 1));
    assertFalse(java.util.Arrays.equals(one.get(0).labels(), other.get(0).labels())
        && java.util.Arrays.equals(one.get(0).x(), other.get(0).x()));
    // Every example appears at most once per epoch: examples told apart by their pixels
    // (without augmentation every fixture image differs), not by their labels.
    Dataset plain = provider("cifar10").open(at(dir, "none"));
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < 35; i++) {
      float[] x = new float[3072];
      plain.load(Split.TRAIN, i, x, 0, null);
      index.put(java.util.Arrays.toString(x), i);
    }
    assertEquals(35, index.size(), "the fixture images differ");
    java.util.Set<Integer> seen = new java.util.HashSet<>();
    for (BatchStream.Batch b : all(new BatchStream(plain, Split.TRAIN, 4, true, 11, 2, 0, 1))) {
      for (int e = 0; e < b.size(); e++) {
        Integer id = index.get(java.util.Arrays.toString(
            java.util.Arrays.copyOfRange(b.x(), e * 3072, (e + 1) * 3072)));
        assertTrue(id != null, "a batch example that is no training example");
        assertTrue(seen.add(id), "example " + id + " twice in one epoch");
        assertEquals(plain.label(Split.TRAIN, id), b.labels()[e], "example " + id + "'s label");
      }
    }
    assertEquals(32, seen.size());
    List<BatchStream.Batch> eval = all(new BatchStream(d, Split.TEST, 4, false, 0, 0, 0, 2));
    assertEquals(2, eval.size());
    assertEquals(3, eval.get(1).size());
    assertArrayEquals(new int[] {5, 6, 7, 8}, eval.get(0).labels()); // file order: images 35..38
  }

  private static List<BatchStream.Batch> all(BatchStream s) {
    List<BatchStream.Batch> out = new ArrayList<>();
    try (s) {
      while (s.hasNext()) {
        out.add(s.next());
      }
    }
    return out;
  }
}
