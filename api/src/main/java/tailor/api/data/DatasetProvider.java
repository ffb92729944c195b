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

  /**
   * The plugin's own settings with their defaults (each value's type, Double, Long, Boolean or
   * String, is the setting's), in display order: a user sets them as {@code dataset.<name>.<key>}
   * (on the command line {@code --set}, in a config file or the environment), the app checks
   * the values against these types, shows them in {@code --help} and records them in
   * config.json, and the plugin receives them in {@link DataOptions#settings()}.
   *
   * @since SPI 1.2
   */
  default java.util.Map<String, Object> settings() {
    return java.util.Map.of();
  }

  /** One line of help per setting (keys of {@link #settings()}; absent ones have none). */
  default java.util.Map<String, String> settingsHelp() {
    return java.util.Map.of();
  }

}
