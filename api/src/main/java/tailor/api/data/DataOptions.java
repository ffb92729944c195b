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
 * @param settings the dataset's own settings ({@link DatasetProvider#settings()} overlaid with
 *     the user's {@code dataset.<name>.<key>} values, each of its default's type)
 */
public record DataOptions(Path directory, int imageSize, int loaderThreads, String augmentation,
    java.util.Map<String, Object> settings) {
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
    settings = java.util.Map.copyOf(settings);
  }

  /** Options with no plugin settings. */
  public DataOptions(Path directory, int imageSize, int loaderThreads, String augmentation) {
    this(directory, imageSize, loaderThreads, augmentation, java.util.Map.of());
  }

  /** A copy with the dataset's own settings. */
  public DataOptions withSettings(java.util.Map<String, Object> s) {
    return new DataOptions(directory, imageSize, loaderThreads, augmentation, s);
  }

  /** No directory, default size, one thread. */
  public static DataOptions embedded() {
    return new DataOptions(null, 0, 1, "default");
  }

  public DataOptions withDirectory(Path d) {
    return new DataOptions(d, imageSize, loaderThreads, augmentation, settings);
  }
}
