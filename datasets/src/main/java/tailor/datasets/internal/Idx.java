package tailor.datasets.internal;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import tailor.api.TailorException;

/** IDX files (MNIST family), raw or gzipped: big-endian magic 0x803 (images) / 0x801 (labels). */
final class Idx {
  private Idx() {}

  /** The file in {@code dir} whose name starts with {@code prefix} (e.g. "train-images"). */
  static Path find(Path dir, String prefix) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> {
        String n = p.getFileName().toString();
        return n.startsWith(prefix) && n.contains("idx") && Files.isRegularFile(p);
      }).sorted().findFirst().orElseThrow(() -> TailorException.user(String.format(Locale.ROOT,
          "%s has no %s IDX file; expected train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], "
              + "t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]", dir, prefix)));
    } catch (IOException e) {
      throw TailorException.resource("cannot list " + dir + ": " + e.getMessage(), e);
    }
  }

  private static DataInputStream open(Path f) throws IOException {
    InputStream in = new BufferedInputStream(Files.newInputStream(f), 1 << 16);
    in.mark(2);
    int b0 = in.read();
    int b1 = in.read();
    in.reset();
    if (b0 == 0x1f && b1 == 0x8b) {
      in = new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
    }
    return new DataInputStream(in);
  }

  /** Images [n][rows * cols]; {@code dims} receives {rows, cols}. */
  static byte[][] images(Path f, int[] dims) {
    try (DataInputStream in = open(f)) {
      int magic = in.readInt();
      if (magic != 0x803) {
        throw TailorException.user(String.format(Locale.ROOT,
            "%s starts with magic 0x%08x; an IDX image file starts with 0x00000803", f, magic));
      }
      int n = in.readInt();
      int rows = in.readInt();
      int cols = in.readInt();
      if (n < 0 || rows <= 0 || cols <= 0 || rows > 4096 || cols > 4096) {
        throw TailorException.user(String.format(Locale.ROOT,
            "%s has a bad header: %d images of %dx%d", f, n, rows, cols));
      }
      dims[0] = rows;
      dims[1] = cols;
      byte[][] out = new byte[n][rows * cols];
      for (int i = 0; i < n; i++) {
        try {
          in.readFully(out[i]);
        } catch (java.io.EOFException e) {
          throw TailorException.user(String.format(Locale.ROOT,
              "%s ends inside image %,d of the %,d its header announces (truncated file?)", f, i + 1, n));
        }
      }
      return out;
    } catch (IOException e) {
      throw TailorException.resource("cannot read " + f + ": " + e.getMessage(), e);
    }
  }

  /** Labels; each must be below {@code classes}. */
  static int[] labels(Path f, int classes) {
    try (DataInputStream in = open(f)) {
      int magic = in.readInt();
      if (magic != 0x801) {
        throw TailorException.user(String.format(Locale.ROOT,
            "%s starts with magic 0x%08x; an IDX label file starts with 0x00000801", f, magic));
      }
      int n = in.readInt();
      if (n < 0) {
        throw TailorException.user(f + " has a bad header: " + n + " labels");
      }
      int[] out = new int[n];
      for (int i = 0; i < n; i++) {
        int v;
        try {
          v = in.readUnsignedByte();
        } catch (java.io.EOFException e) {
          throw TailorException.user(String.format(Locale.ROOT,
              "%s ends at label %,d of the %,d its header announces (truncated file?)", f, i + 1, n));
        }
        if (v >= classes) {
          throw TailorException.user(String.format(Locale.ROOT,
              "%s label %,d is %d; allowed 0..%d", f, i + 1, v, classes - 1));
        }
        out[i] = v;
      }
      return out;
    } catch (IOException e) {
      throw TailorException.resource("cannot read " + f + ": " + e.getMessage(), e);
    }
  }
}
