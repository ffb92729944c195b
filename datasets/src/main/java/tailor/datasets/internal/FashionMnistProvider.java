package tailor.datasets.internal;

import java.util.List;

/**
 * {@code fashion-mnist}: Zalando's Fashion-MNIST, the same IDX layout as MNIST (Debian's
 * dataset-fashion-mnist installs it in /usr/share/datasets/fashion-mnist), normalized with mean
 * 0.2860 and standard deviation 0.3530.
 */
public final class FashionMnistProvider extends MnistProvider {
  @Override
  public String name() {
    return "fashion-mnist";
  }

  @Override
  public String description() {
    return "Fashion-MNIST, 28x28 grey clothing images, 10 classes (IDX files, raw or .gz)";
  }

  @Override
  List<String> classes() {
    return List.of("t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker",
        "bag", "boot");
  }

  @Override
  float mean() {
    return 0.2860f;
  }

  @Override
  float std() {
    return 0.3530f;
  }
}
