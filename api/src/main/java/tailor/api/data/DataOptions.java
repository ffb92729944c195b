package tailor.api.data;

import java.nio.file.Path;

/**
 * How to open a dataset.
 *
 * @param directory where the files are ({@code --data}); null for an embedded dataset
 * @param imageSize the side of the square crop image datasets produce (0: the dataset's default)
 * @param loaderThreads threads a dataset may use to decode files while opening it (at least 1)
 * @param augmentation the training augmentation: "default" (the dataset's own), "none", or a
 *     name the dataset documents (imagenet: "random-crop" instead of random-resized crops)
 */
public record DataOptions(Path directory, int imageSize, int loaderThreads, String augmentation) {
  public DataOptions {
    if (imageSize < 0) {
      throw new IllegalArgumentException("imageSize must be >= 0, got " + imageSize);
    }
    if (loaderThreads < 1) {
      throw new IllegalArgumentException("loaderThreads must be >= 1, got " + loaderThreads);
    }
    if (augmentation == null) {
      augmentation = "default";
    }
  }

  /** No directory, default size, one thread. */
  public static DataOptions embedded() {
    return new DataOptions(null, 0, 1, "default");
  }

  public DataOptions withDirectory(Path d) {
    return new DataOptions(d, imageSize, loaderThreads, augmentation);
  }
}
