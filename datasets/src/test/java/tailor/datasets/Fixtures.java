package tailor.datasets;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;

/** Small datasets written in the official formats. */
final class Fixtures {
  private Fixtures() {}

  /** Pixel value of (image, channel, y, x) for fixtures: a pattern that differs everywhere. */
  static int pixel(int image, int c, int y, int x) {
    return (image * 37 + c * 101 + y * 7 + x * 3) & 0xff;
  }

  /** CIFAR-10 binary batches with {@code perFile} records each; label = record index % 10. */
  static void cifarBinary(Path dir, int perFile) throws IOException {
    Files.createDirectories(dir);
    for (int f = 1; f <= 6; f++) {
      String name = f == 6 ? "test_batch.bin" : "data_batch_" + f + ".bin";
      byte[] all = new byte[perFile * 3073];
      for (int r = 0; r < perFile; r++) {
        int image = (f - 1) * perFile + r;
        all[r * 3073] = (byte) (image % 10);
        for (int c = 0; c < 3; c++) {
          for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
              all[r * 3073 + 1 + c * 1024 + y * 32 + x] = (byte) pixel(image, c, y, x);
            }
          }
        }
      }
      Files.write(dir.resolve(name), all);
    }
  }

  /** A PNG (lossless) of size w x h with the fixture pattern of {@code image}. */
  static void png(Path file, int image, int w, int h) throws IOException {
    write(file, image, w, h, "png");
  }

  /** A JPEG (lossy, default quality) of size w x h with the fixture pattern of {@code image}. */
  static void jpeg(Path file, int image, int w, int h) throws IOException {
    write(file, image, w, h, "jpg");
  }

  private static void write(Path file, int image, int w, int h, String format) throws IOException {
    Files.createDirectories(file.getParent());
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.setRGB(x, y, (pixel(image, 0, y, x) << 16) | (pixel(image, 1, y, x) << 8) | pixel(image, 2, y, x));
      }
    }
    if (!ImageIO.write(img, format, file.toFile())) {
      throw new IOException("no " + format + " writer");
    }
  }

  /** Deletes a folder and everything in it. */
  static void deleteTree(Path dir) throws IOException {
    try (var s = Files.walk(dir)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** IDX files for n train and m test images of r x c, labels i % 10; gzipped if asked. */
  static void idx(Path dir, int n, int m, int r, int c, boolean gz) throws IOException {
    Files.createDirectories(dir);
    String sfx = gz ? ".gz" : "";
    writeIdx(dir.resolve("train-images-idx3-ubyte" + sfx), images(n, r, c), gz);
    writeIdx(dir.resolve("train-labels-idx1-ubyte" + sfx), labels(n), gz);
    writeIdx(dir.resolve("t10k-images-idx3-ubyte" + sfx), images(m, r, c), gz);
    writeIdx(dir.resolve("t10k-labels-idx1-ubyte" + sfx), labels(m), gz);
  }

  private static byte[] images(int n, int r, int c) {
    ByteBuffer b = ByteBuffer.allocate(16 + n * r * c);
    b.putInt(0x803).putInt(n).putInt(r).putInt(c);
    for (int i = 0; i < n; i++) {
      for (int y = 0; y < r; y++) {
        for (int x = 0; x < c; x++) {
          b.put((byte) pixel(i, 0, y, x));
        }
      }
    }
    return b.array();
  }

  private static byte[] labels(int n) {
    ByteBuffer b = ByteBuffer.allocate(8 + n);
    b.putInt(0x801).putInt(n);
    for (int i = 0; i < n; i++) {
      b.put((byte) (i % 10));
    }
    return b.array();
  }

  static void writeIdx(Path f, byte[] data, boolean gz) throws IOException {
    try (OutputStream out = gz ? new GZIPOutputStream(Files.newOutputStream(f)) : Files.newOutputStream(f)) {
      out.write(data);
    }
  }
}
