package tailor.datasets.internal;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import tailor.api.TailorException;
import tailor.api.data.DataOptions;
import tailor.api.data.Dataset;

/**
 * {@code mnist}: MNIST from its four IDX files, raw or gzipped (train-images-idx3-ubyte,
 * train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte). 28x28 grey,
 * normalized with the usual mean 0.1307 and standard deviation 0.3081; no augmentation.
 */
public class MnistProvider extends Base {
  @Override
  public String name() {
    return "mnist";
  }

  @Override
  public String description() {
    return "MNIST, 28x28 grey digits, 10 classes (IDX files, raw or .gz)";
  }

  @Override
  String layout() {
    return "train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], "
        + "t10k-labels-idx1-ubyte[.gz]";
  }

  List<String> classes() {
    return List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
  }

  float mean() {
    return 0.1307f;
  }

  float std() {
    return 0.3081f;
  }

  @Override
  public Dataset open(DataOptions o) {
    requireDirectory(o);
    augmentation(o, List.of("default", "none"));
    Path dir = o.directory();
    int[] dims = new int[2];
    int[] dims2 = new int[2];
    Path trImages = Idx.find(dir, "train-images");
    byte[][] tr = Idx.images(trImages, dims);
    Path trLabelsFile = Idx.find(dir, "train-labels");
    int[] trLabels = Idx.labels(trLabelsFile, classes().size());
    Path teImages = Idx.find(dir, "t10k-images");
    byte[][] te = Idx.images(teImages, dims2);
    Path teLabelsFile = Idx.find(dir, "t10k-labels");
    int[] teLabels = Idx.labels(teLabelsFile, classes().size());
    if (tr.length != trLabels.length) {
      throw TailorException.user(String.format(Locale.ROOT, "%s has %,d images but %s has %,d labels",
          trImages, tr.length, trLabelsFile, trLabels.length));
    }
    if (te.length != teLabels.length) {
      throw TailorException.user(String.format(Locale.ROOT, "%s has %,d images but %s has %,d labels",
          teImages, te.length, teLabelsFile, teLabels.length));
    }
    if (dims[0] != dims2[0] || dims[1] != dims2[1]) {
      throw TailorException.user(String.format(Locale.ROOT, "train images are %dx%d but test images %dx%d",
          dims[0], dims[1], dims2[0], dims2[1]));
    }
    return new U8Images(1, dims[0], dims[1], tr, trLabels, te, teLabels, classes(),
        new float[] {mean()}, new float[] {std()}, 0, false, String.format(Locale.ROOT,
            "%s IDX files in %s: %,d train / %,d test %dx%d images", name(), dir, tr.length,
            te.length, dims[0], dims[1]));
  }
}
