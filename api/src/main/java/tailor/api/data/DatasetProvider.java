package tailor.api.data;

import tailor.api.Plugin;

/** A dataset plugin ({@code digits}, {@code cifar10}, {@code mnist}, {@code imagenet}, ...). */
public interface DatasetProvider extends Plugin {

  /** Whether a directory ({@code --data}) is required; false for embedded datasets. */
  boolean needsDirectory();

  /**
   * Opens the dataset. Missing or malformed files are user errors naming the file, the record
   * and what was expected.
   */
  Dataset open(DataOptions options);
}
