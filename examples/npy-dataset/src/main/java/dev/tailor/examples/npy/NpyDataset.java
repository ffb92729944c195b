package dev.tailor.examples.npy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.random.RandomGenerator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tailor.api.SpiVersion;
import tailor.api.TailorException;
import tailor.api.data.DataOptions;
import tailor.api.data.Dataset;
import tailor.api.data.DatasetProvider;
import tailor.api.data.Split;

/**
 * {@code npy}: examples from NumPy arrays, {@code train_x.npy} ([N, ...] float32, used as they
 * are), {@code train_y.npy} ([N] int32 or int64 labels from 0), {@code test_x.npy} and {@code
 * test_y.npy}; an optional {@code classes.txt} names the classes, one per line (else they are
 * "0", "1", ...). Read by the .npy format's definition (magic, version, a header dict with
 * descr, fortran_order and shape, then the raw data), little-endian, C order. No augmentation.
 * Its one setting, {@code dataset.npy.normalize} (false), centres every input position on the
 * training split's mean and divides by one common scale, so that the mean square is 1.
 */
public final class NpyDataset implements DatasetProvider {
  @Override
  public String name() {
    return "npy";
  }

  @Override
  public String version() {
    return "1.0.0";
  }

  @Override
  public String description() {
    return "NumPy arrays train_x/train_y/test_x/test_y.npy (example third-party plugin)";
  }

  /** Built against this SPI: a compile-time constant, fixed in this class when it is built. */
  @Override
  public int spiMajorVersion() {
    return SpiVersion.MAJOR;
  }

  @Override
  public java.util.Map<String, Object> settings() {
    return java.util.Map.of("normalize", false);
  }

  @Override
  public java.util.Map<String, String> settingsHelp() {
    return java.util.Map.of("normalize", "centre each input position on the training mean and "
        + "scale all by one factor to mean square 1");
  }

  @Override
  public boolean needsDirectory() {
    return true;
  }

  /** An array read from a .npy file: its shape and values as doubles. */
  record Array(long[] shape, double[] values) {}

  @Override
  public Dataset open(DataOptions o) {
    if (o.directory() == null) {
      throw TailorException.user("dataset npy needs --data DIR holding train_x.npy, train_y.npy, "
          + "test_x.npy and test_y.npy");
    }
    if (!o.augmentation().equals("default") && !o.augmentation().equals("none")) {
      throw TailorException.user("dataset npy has no augmentation '" + o.augmentation()
          + "'; known: default, none (both: none)");
    }
    Path d = o.directory();
    Array trainX = read(d.resolve("train_x.npy"));
    int[] trainY = labels(read(d.resolve("train_y.npy")), trainX, d.resolve("train_y.npy"));
    Array testX = read(d.resolve("test_x.npy"));
    int[] testY = labels(read(d.resolve("test_y.npy")), testX, d.resolve("test_y.npy"));
    long[] shape = Arrays.copyOfRange(trainX.shape(), 1, trainX.shape().length);
    if (!Arrays.equals(shape, Arrays.copyOfRange(testX.shape(), 1, testX.shape().length))) {
      throw TailorException.user(String.format(Locale.ROOT, "%s has examples of shape %s but %s "
          + "of shape %s; both splits need the same", d.resolve("train_x.npy"),
          Arrays.toString(shape), d.resolve("test_x.npy"),
          Arrays.toString(Arrays.copyOfRange(testX.shape(), 1, testX.shape().length))));
    }
    if (shape.length != 1 && shape.length != 3) {
      throw TailorException.user(d.resolve("train_x.npy") + ": examples of shape "
          + Arrays.toString(shape) + "; expected [D] vectors or [C, H, W] images");
    }
    int max = Math.max(Arrays.stream(trainY).max().orElse(0), Arrays.stream(testY).max().orElse(0));
    List<String> classes = new ArrayList<>();
    Path names = d.resolve("classes.txt");
    if (Files.isRegularFile(names)) {
      try {
        Files.readAllLines(names, StandardCharsets.UTF_8).stream().map(String::strip)
            .filter(s -> !s.isEmpty()).forEach(classes::add);
      } catch (IOException e) {
        throw TailorException.user("cannot read " + names + ": " + e.getMessage());
      }
      if (classes.size() <= max) {
        throw TailorException.user(String.format(Locale.ROOT, "%s names %d classes but the "
            + "labels reach %d", names, classes.size(), max));
      }
    } else {
      for (int k = 0; k <= max; k++) {
        classes.add(Integer.toString(k));
      }
    }
    List<Integer> exampleShape = new ArrayList<>();
    for (long v : shape) {
      exampleShape.add((int) v);
    }
    boolean normalize = Boolean.TRUE.equals(o.settings().get("normalize"));
    if (normalize) {
      normalize(trainX.values(), testX.values(), (int) (trainX.values().length / Math.max(1, trainY.length)));
    }
    String description = String.format(Locale.ROOT, "npy arrays in %s: %,d train / %,d test "
        + "examples of shape %s, %d classes%s", d, trainY.length, testY.length, exampleShape,
        classes.size(), normalize ? ", normalized by the training split" : "");
    return new Arrays2(exampleShape, List.copyOf(classes), trainX.values(), trainY,
        testX.values(), testY, description);
  }

  /** Centres each position on the training mean; one common scale makes the mean square 1. */
  private static void normalize(double[] train, double[] test, int per) {
    int n = train.length / per;
    double[] mean = new double[per];
    for (int i = 0; i < train.length; i++) {
      mean[i % per] += train[i] / n;
    }
    double var = 0;
    for (int i = 0; i < train.length; i++) {
      double c = train[i] - mean[i % per];
      var += c * c / train.length;
    }
    double inv = var > 0 ? 1 / Math.sqrt(var) : 1;
    for (double[] x : new double[][] {train, test}) {
      for (int i = 0; i < x.length; i++) {
        x[i] = (x[i] - mean[i % per]) * inv;
      }
    }
  }

  private static int[] labels(Array y, Array x, Path file) {
    if (y.shape().length != 1 || y.shape()[0] != x.shape()[0]) {
      throw TailorException.user(String.format(Locale.ROOT, "%s has shape %s; expected [%d], one "
          + "label per example", file, Arrays.toString(y.shape()), x.shape()[0]));
    }
    int[] out = new int[y.values().length];
    for (int i = 0; i < out.length; i++) {
      double v = y.values()[i];
      if (v < 0 || v != Math.rint(v) || v > 1_000_000) {
        throw TailorException.user(String.format(Locale.ROOT, "%s: label %d is %s; labels are "
            + "whole numbers from 0", file, i, v));
      }
      out[i] = (int) v;
    }
    return out;
  }

  private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
  private static final Pattern ORDER = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

  /** Reads a .npy file (format versions 1-3): float32/64 or int32/64 little-endian, C order. */
  static Array read(Path file) {
    byte[] b;
    try {
      b = Files.readAllBytes(file);
    } catch (IOException e) {
      throw TailorException.user("cannot read " + file + " (dataset npy): " + e.getMessage());
    }
    if (b.length < 10 || (b[0] & 0xff) != 0x93 || b[1] != 'N' || b[2] != 'U' || b[3] != 'M'
        || b[4] != 'P' || b[5] != 'Y') {
      throw TailorException.user(file + " is not a .npy file (no \\x93NUMPY magic)");
    }
    int major = b[6];
    ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    int headerLen = major == 1 ? bb.getShort(8) & 0xffff : bb.getInt(8);
    int start = major == 1 ? 10 : 12;
    if (start + headerLen > b.length) {
      throw TailorException.user(file + ": its header runs past the end of the file");
    }
    String header = new String(b, start, headerLen, StandardCharsets.ISO_8859_1);
    Matcher descr = DESCR.matcher(header);
    Matcher order = ORDER.matcher(header);
    Matcher shapeM = SHAPE.matcher(header);
    if (!descr.find() || !order.find() || !shapeM.find()) {
      throw TailorException.user(file + ": cannot read its header " + header.strip());
    }
    if (order.group(1).equals("True")) {
      throw TailorException.user(file + " is in Fortran order; save it in C order "
          + "(numpy.ascontiguousarray)");
    }
    List<Long> dims = new ArrayList<>();
    for (String p : shapeM.group(1).split(",")) {
      if (!p.isBlank()) {
        dims.add(Long.parseLong(p.strip()));
      }
    }
    long n = 1;
    long[] shape = new long[dims.size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = dims.get(i);
      n *= shape[i];
    }
    String type = descr.group(1);
    int size;
    switch (type) {
      case "<f4":
      case "<i4":
        size = 4;
        break;
      case "<f8":
      case "<i8":
        size = 8;
        break;
      default:
        throw TailorException.user(file + " holds dtype '" + type + "'; dataset npy reads "
            + "little-endian float32, float64, int32 and int64 (<f4, <f8, <i4, <i8)");
    }
    int data = start + headerLen;
    if ((long) b.length - data != n * size) {
      throw TailorException.user(String.format(Locale.ROOT, "%s: shape %s of %s needs %,d bytes "
          + "of data, the file has %,d", file, Arrays.toString(shape), type, n * size,
          b.length - data));
    }
    double[] v = new double[(int) n];
    for (int i = 0; i < n; i++) {
      int at = data + i * size;
      switch (type) {
        case "<f4":
          v[i] = bb.getFloat(at);
          break;
        case "<f8":
          v[i] = bb.getDouble(at);
          break;
        case "<i4":
          v[i] = bb.getInt(at);
          break;
        default:
          v[i] = bb.getLong(at);
      }
    }
    return new Array(shape, v);
  }

  /** The opened dataset: examples as stored, no augmentation. */
  private static final class Arrays2 implements Dataset {
    private final List<Integer> shape;
    private final List<String> classes;
    private final double[] trainX;
    private final int[] trainY;
    private final double[] testX;
    private final int[] testY;
    private final String description;
    private final int per;

    Arrays2(List<Integer> shape, List<String> classes, double[] trainX, int[] trainY,
        double[] testX, int[] testY, String description) {
      this.shape = List.copyOf(shape);
      this.classes = classes;
      this.trainX = trainX;
      this.trainY = trainY;
      this.testX = testX;
      this.testY = testY;
      this.description = description;
      int p = 1;
      for (int v : shape) {
        p *= v;
      }
      this.per = p;
    }

    @Override
    public List<Integer> exampleShape() {
      return shape;
    }

    @Override
    public List<String> classNames() {
      return classes;
    }

    @Override
    public int size(Split split) {
      return split == Split.TRAIN ? trainY.length : testY.length;
    }

    @Override
    public int label(Split split, int index) {
      return split == Split.TRAIN ? trainY[index] : testY[index];
    }

    @Override
    public void load(Split split, int index, float[] dst, int offset, RandomGenerator augment) {
      double[] x = split == Split.TRAIN ? trainX : testX;
      for (int i = 0; i < per; i++) {
        dst[offset + i] = (float) x[index * per + i];
      }
    }

    @Override
    public String describe() {
      return description;
    }
  }
}
