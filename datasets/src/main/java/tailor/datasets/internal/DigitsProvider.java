package tailor.datasets.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import tailor.api.TailorException;
import tailor.api.data.DataOptions;
import tailor.api.data.Dataset;

/**
 * {@code digits}: the UCI optical-digits set (1,797 8x8 grey images, values 0..16, 10 classes),
 * embedded in this module (BSD-3-Clause, see DIGITS-LICENSE.txt). There is no official split:
 * every fifth image of each class (in file order) is held out for testing, a fixed stratified
 * 80/20 split (1,442 train, 355 test). Pixels are centred per position with the training split's
 * means and divided by one common scale, so the mean squared input is 1. No augmentation.
 */
public final class DigitsProvider extends Base {
  static final String RESOURCE = "digits.csv.gz";

  @Override
  public String name() {
    return "digits";
  }

  @Override
  public String description() {
    return "UCI digits, 1,797 8x8 images, 10 classes (embedded; fixed 80/20 split)";
  }

  @Override
  public boolean needsDirectory() {
    return false;
  }

  @Override
  String layout() {
    return "a digits.csv(.gz) file: 64 values 0..16 and the label per line";
  }

  @Override
  public Dataset open(DataOptions o) {
    augmentation(o, List.of("default", "none"));
    String source;
    List<int[]> rows;
    if (o.directory() == null) {
      source = "embedded " + RESOURCE;
      try (InputStream in = DigitsProvider.class.getResourceAsStream(RESOURCE)) {
        if (in == null) {
          throw TailorException.internal("the embedded " + RESOURCE + " is missing from the jar", null);
        }
        rows = parse(new GZIPInputStream(in), source);
      } catch (IOException e) {
        throw TailorException.resource("cannot read the embedded " + RESOURCE + ": " + e.getMessage(), e);
      }
    } else {
      Path f = o.directory();
      if (Files.isDirectory(f)) {
        Path gz = f.resolve("digits.csv.gz");
        f = Files.exists(gz) ? gz : f.resolve("digits.csv");
      }
      if (!Files.isRegularFile(f)) {
        throw TailorException.user("--data " + o.directory() + ": no digits.csv.gz or digits.csv there; "
            + "digits is embedded, so --data is optional");
      }
      source = f.toString();
      try (InputStream raw = Files.newInputStream(f)) {
        InputStream in = f.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw;
        rows = parse(in, source);
      } catch (IOException e) {
        throw TailorException.resource("cannot read " + f + ": " + e.getMessage(), e);
      }
    }
    return build(rows, source);
  }

  static List<int[]> parse(InputStream in, String source) throws IOException {
    List<int[]> rows = new ArrayList<>();
    BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
    String line;
    int n = 0;
    while ((line = r.readLine()) != null) {
      n++;
      if (line.isBlank()) {
        continue;
      }
      String[] parts = line.split(",");
      if (parts.length != 65) {
        throw TailorException.user(String.format(Locale.ROOT,
            "%s line %,d has %d values; expected 64 pixels and a label", source, n, parts.length));
      }
      int[] row = new int[65];
      for (int i = 0; i < 65; i++) {
        try {
          row[i] = (int) Math.round(Double.parseDouble(parts[i].trim()));
        } catch (NumberFormatException e) {
          throw TailorException.user(String.format(Locale.ROOT,
              "%s line %,d value %d is '%s', not a number", source, n, i + 1, parts[i]));
        }
        int max = i < 64 ? 16 : 9;
        if (row[i] < 0 || row[i] > max) {
          throw TailorException.user(String.format(Locale.ROOT,
              "%s line %,d value %d is %d; allowed 0..%d", source, n, i + 1, row[i], max));
        }
      }
      rows.add(row);
    }
    if (rows.isEmpty()) {
      throw TailorException.user(source + " has no rows");
    }
    return rows;
  }

  private static Dataset build(List<int[]> rows, String source) {
    int[] seen = new int[10];
    List<int[]> train = new ArrayList<>();
    List<int[]> test = new ArrayList<>();
    for (int[] row : rows) {
      int label = row[64];
      (seen[label]++ % 5 == 4 ? test : train).add(row);
    }
    byte[][] tr = bytes(train);
    byte[][] te = bytes(test);
    // Centred per pixel, scaled by one common factor so that the mean squared input (q) is 1
    // on the training split: per-pixel scaling would blow up pixels that are almost always 0.
    float[] mean = new float[64];
    double totalVar = 0;
    for (int k = 0; k < 64; k++) {
      double s = 0;
      double s2 = 0;
      for (byte[] b : tr) {
        double v = (b[k] & 0xff) / 255.0;
        s += v;
        s2 += v * v;
      }
      double m = s / tr.length;
      mean[k] = (float) m;
      totalVar += Math.max(0, s2 / tr.length - m * m);
    }
    float[] std = new float[64];
    java.util.Arrays.fill(std, (float) Math.sqrt(totalVar / 64));
    List<String> classes = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
    return new U8Images(1, 8, 8, tr, labels(train), te, labels(test), classes, mean, std, 0, false,
        String.format(Locale.ROOT, "digits (%s): %,d train / %,d test 8x8 images, 10 classes",
            source, tr.length, te.length));
  }

  private static byte[][] bytes(List<int[]> rows) {
    byte[][] out = new byte[rows.size()][64];
    for (int i = 0; i < rows.size(); i++) {
      for (int k = 0; k < 64; k++) {
        out[i][k] = (byte) rows.get(i)[k];
      }
    }
    return out;
  }

  private static int[] labels(List<int[]> rows) {
    return rows.stream().mapToInt(r -> r[64]).toArray();
  }
}
