package tailor.datasets.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.random.RandomGenerator;
import tailor.api.TailorException;
import tailor.api.data.DataOptions;
import tailor.api.data.Dataset;
import tailor.api.data.Split;

/**
 * {@code imagenet}: ImageNet-style folders of JPEGs ({@code train/<wnid>/*.JPEG} and
 * {@code val/<wnid>/*.JPEG}, or {@code test/}), decoded on the loader threads. Training:
 * Inception-style random-resized crop (area 8%-100%, aspect 3/4-4/3, 10 tries, centre-crop
 * fallback) to the image size (224 by default), or with augmentation "random-crop" a resize of
 * the shorter side to size*256/224 and a random size x size crop; then a random horizontal
 * flip. Evaluation: the centre crop with 224/256 padding ratio, resized to size. Normalized with
 * the ImageNet mean (0.485, 0.456, 0.406) and standard deviation (0.229, 0.224, 0.225).
 */
public final class ImageNetProvider extends Base {
  static final float[] MEAN = {0.485f, 0.456f, 0.406f};
  static final float[] STD = {0.229f, 0.224f, 0.225f};

  @Override
  public String name() {
    return "imagenet";
  }

  @Override
  public String description() {
    return "ImageNet-style JPEG folders (train/<class>, val/<class>), 224x224 crops";
  }

  @Override
  String layout() {
    return "train/<class>/*.JPEG and val/<class>/*.JPEG (or test/<class>)";
  }

  @Override
  public Dataset open(DataOptions o) {
    requireDirectory(o);
    String aug = augmentation(o, List.of("default", "none", "random-crop"));
    int size = o.imageSize() == 0 ? 224 : o.imageSize();
    ImageFolder train = ImageFolder.scan(o.directory().resolve("train"), null);
    Path evalDir = o.directory().resolve("val");
    if (!Files.isDirectory(evalDir)) {
      evalDir = o.directory().resolve("test");
    }
    if (!Files.isDirectory(evalDir)) {
      throw TailorException.user("--data " + o.directory() + " has train/ but no val/ or test/ folder; "
          + "expected " + layout());
    }
    ImageFolder eval = ImageFolder.scan(evalDir, train.classes);
    return new Folders(train, eval, size, aug, String.format(Locale.ROOT,
        "imagenet folders in %s: %,d train / %,d eval images, %d classes, %dx%d crops (%s)",
        o.directory(), train.files.size(), eval.files.size(), train.classes.size(), size, size,
        aug.equals("default") ? "random-resized" : aug));
  }

  /** A crop box in source pixels (top-left corner, width, height) and whether to mirror it. */
  record Box(double x0, double y0, double w, double h, boolean mirror) {}

  /** Evaluation: the centre square of side min(w, h) * 224 / 256, not mirrored. */
  static Box evalBox(double w, double h) {
    double side = Math.min(w, h) * 224.0 / 256.0;
    return new Box((w - side) / 2, (h - side) / 2, side, side, false);
  }

  /**
   * "random-crop": a square of side min(w, h) * 224 / 256 (a size-pixel window once the shorter
   * side is resized to size * 256 / 224) at a uniform position, mirrored with probability 1/2.
   */
  static Box randomCropBox(double w, double h, RandomGenerator r) {
    double side = Math.min(w, h) * 224.0 / 256.0;
    double x0 = r.nextDouble() * (w - side);
    double y0 = r.nextDouble() * (h - side);
    return new Box(x0, y0, side, side, r.nextBoolean());
  }

  /**
   * Inception's random-resized crop: up to 10 tries of an area uniform in 8%-100% of the image
   * and an aspect ratio log-uniform in [3/4, 4/3]; the first box that fits is placed uniformly;
   * if none fits, the centre square of side min(w, h). Mirrored with probability 1/2.
   */
  static Box randomResizedBox(double w, double h, RandomGenerator r) {
    double area = w * h;
    for (int attempt = 0; attempt < 10; attempt++) {
      double target = area * (0.08 + r.nextDouble() * 0.92);
      double logRatio = Math.log(3.0 / 4.0) + r.nextDouble() * (Math.log(4.0 / 3.0) - Math.log(3.0 / 4.0));
      double ratio = Math.exp(logRatio);
      double cw = Math.sqrt(target * ratio);
      double ch = Math.sqrt(target / ratio);
      if (cw <= w && ch <= h) {
        double x0 = r.nextDouble() * (w - cw);
        double y0 = r.nextDouble() * (h - ch);
        return new Box(x0, y0, cw, ch, r.nextBoolean());
      }
    }
    double side = Math.min(w, h);
    return new Box((w - side) / 2, (h - side) / 2, side, side, r.nextBoolean());
  }

  private static final class Folders implements Dataset {
    private final ImageFolder train;
    private final ImageFolder eval;
    private final int[] trainLabels;
    private final int[] evalLabels;
    private final int size;
    private final String augmentation;
    private final String description;

    Folders(ImageFolder train, ImageFolder eval, int size, String augmentation, String description) {
      this.train = train;
      this.eval = eval;
      this.trainLabels = train.labelArray();
      this.evalLabels = eval.labelArray();
      this.size = size;
      this.augmentation = augmentation;
      this.description = description;
    }

    @Override
    public List<Integer> exampleShape() {
      return List.of(3, size, size);
    }

    @Override
    public List<String> classNames() {
      return train.classes;
    }

    @Override
    public int size(Split split) {
      return split == Split.TRAIN ? trainLabels.length : evalLabels.length;
    }

    @Override
    public int label(Split split, int index) {
      return split == Split.TRAIN ? trainLabels[index] : evalLabels[index];
    }

    @Override
    public String describe() {
      return description;
    }

    @Override
    public tailor.api.data.Preprocessing preprocessing() {
      return tailor.api.data.Preprocessing.pixels("8-bit RGB pixels of the decoded image", MEAN, STD)
          .withEvalTransform(String.format(Locale.ROOT, "centre square crop of side "
              + "min(width, height) * 224 / 256, resized bilinearly to %d x %d", size, size));
    }

    @Override
    public void load(Split split, int index, float[] dst, int offset, RandomGenerator augment) {
      ImageFolder f = split == Split.TRAIN ? train : eval;
      Images.Rgb im = Images.decode(f.files.get(index),
          String.format(Locale.ROOT, "record %,d of %s", index + 1, split.label()));
      Box b = augment == null || augmentation.equals("none") ? evalBox(im.width(), im.height())
          : augmentation.equals("random-crop") ? randomCropBox(im.width(), im.height(), augment)
          : randomResizedBox(im.width(), im.height(), augment);
      Images.cropResize(im, b.x0(), b.y0(), b.w(), b.h(), size, b.mirror(), MEAN, STD, dst, offset);
    }
  }
}
