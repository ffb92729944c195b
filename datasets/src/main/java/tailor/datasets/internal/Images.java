package tailor.datasets.internal;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import tailor.api.TailorException;

/** Image decoding (JPEG, PNG through ImageIO) and bilinear crop-and-resize. */
final class Images {
  private Images() {}

  /** A decoded RGB image: pixels 0xRRGGBB, row-major. */
  record Rgb(int width, int height, int[] pixels) {}

  /**
   * Decodes a file; an unreadable file is a user error naming it and its record, and so is a
   * damaged one the decoder reads only in part (a truncated JPEG: ImageIO fills the missing
   * pixels and only warns, so every warning is taken as an error).
   *
   * @param what e.g. "record 4,042 of train"
   */
  static Rgb decode(Path file, String what) {
    BufferedImage img = null;
    List<String> warnings = new ArrayList<>();
    try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
      Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
      if (readers != null && readers.hasNext()) {
        ImageReader reader = readers.next();
        try {
          reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
          reader.setInput(in, true, true);
          img = reader.read(0);
        } finally {
          reader.dispose();
        }
      }
    } catch (IOException | RuntimeException e) {
      img = null;
      warnings.add(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
    }
    if (img == null) {
      throw TailorException.user(String.format(Locale.ROOT,
          "%s is not a readable image (%s%s); JPEG and PNG are supported", file, what,
          warnings.isEmpty() ? "" : ": " + warnings.get(0)));
    }
    if (!warnings.isEmpty()) {
      throw TailorException.user(String.format(Locale.ROOT, "%s is damaged (%s): the decoder "
          + "could read it only in part (%s); replace the file or remove it", file, what,
          warnings.get(0)));
    }
    int w = img.getWidth();
    int h = img.getHeight();
    return new Rgb(w, h, img.getRGB(0, 0, w, h, null, 0, w));
  }

  /** The image as CHW bytes (must already be the right size). */
  static byte[] chw(Rgb im) {
    int plane = im.width * im.height;
    byte[] out = new byte[3 * plane];
    for (int i = 0; i < plane; i++) {
      int p = im.pixels[i];
      out[i] = (byte) (p >> 16);
      out[plane + i] = (byte) (p >> 8);
      out[2 * plane + i] = (byte) p;
    }
    return out;
  }

  /**
   * Crops the box (x0, y0, cw, ch) of {@code im}, resizes it bilinearly to size x size, optionally
   * mirrors it, and writes (v/255 - mean[c]) / std[c] as CHW floats into dst at offset.
   */
  static void cropResize(Rgb im, double x0, double y0, double cw, double ch, int size,
      boolean mirror, float[] mean, float[] std, float[] dst, int offset) {
    int plane = size * size;
    resample(im, x0, y0, cw, ch, size, mirror, (c, i, v) ->
        dst[offset + c * plane + i] = (float) ((v / 255.0 - mean[c]) / std[c]));
  }

  /**
   * The centre square of {@code im} (side min(width, height)) resized bilinearly to size x size,
   * as CHW bytes rounded to the nearest value; an image of that size already is taken as it is.
   */
  static byte[] centreSquare(Rgb im, int size) {
    if (im.width == size && im.height == size) {
      return chw(im);
    }
    int plane = size * size;
    byte[] out = new byte[3 * plane];
    double side = Math.min(im.width, im.height);
    resample(im, (im.width - side) / 2, (im.height - side) / 2, side, side, size, false,
        (c, i, v) -> out[c * plane + i] = (byte) Math.min(255, (int) Math.round(v)));
    return out;
  }

  /** Receives channel c's value v (0..255) at position i (y * size + x) of the output. */
  private interface Sink {
    void put(int c, int i, double v);
  }

  /** Bilinear resampling of a box of {@code im} to size x size, pixel centres aligned. */
  private static void resample(Rgb im, double x0, double y0, double cw, double ch, int size,
      boolean mirror, Sink sink) {
    double sx = cw / size;
    double sy = ch / size;
    for (int y = 0; y < size; y++) {
      double fy = y0 + (y + 0.5) * sy - 0.5;
      int iy = (int) Math.floor(fy);
      double ty = fy - iy;
      int y1 = clamp(iy, im.height);
      int y2 = clamp(iy + 1, im.height);
      for (int x = 0; x < size; x++) {
        int xo = mirror ? size - 1 - x : x;
        double fx = x0 + (x + 0.5) * sx - 0.5;
        int ix = (int) Math.floor(fx);
        double tx = fx - ix;
        int x1 = clamp(ix, im.width);
        int x2 = clamp(ix + 1, im.width);
        int p11 = im.pixels[y1 * im.width + x1];
        int p12 = im.pixels[y1 * im.width + x2];
        int p21 = im.pixels[y2 * im.width + x1];
        int p22 = im.pixels[y2 * im.width + x2];
        for (int c = 0; c < 3; c++) {
          int shift = 16 - 8 * c;
          double v = (1 - ty) * ((1 - tx) * ((p11 >> shift) & 0xff) + tx * ((p12 >> shift) & 0xff))
              + ty * ((1 - tx) * ((p21 >> shift) & 0xff) + tx * ((p22 >> shift) & 0xff));
          sink.put(c, y * size + xo, v);
        }
      }
    }
  }

  private static int clamp(int i, int n) {
    return i < 0 ? 0 : (i >= n ? n - 1 : i);
  }
}
