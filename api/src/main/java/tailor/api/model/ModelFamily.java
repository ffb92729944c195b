package tailor.api.model;

import java.util.List;
import tailor.api.Plugin;

/** A family of architectures chosen by name ({@code mlp}, {@code resnet}). */
public interface ModelFamily extends Plugin {

  /** The depths this family accepts, or empty if any positive depth is accepted. */
  List<Integer> depths();

  /**
   * The architecture for {@code spec}.
   *
   * @throws tailor.api.TailorException (user) for an unknown depth, a shortcut weight outside
   *     [0, 1] or an unknown block style
   */
  Architecture describe(ModelSpec spec);

  /**
   * The plugin's own settings with their defaults (each value's type, Double, Long, Boolean or
   * String, is the setting's), in display order: a user sets them as {@code model.<name>.<key>}
   * (on the command line {@code --set}, in a config file or the environment), the app checks
   * the values against these types, shows them in {@code --help} and records them in
   * config.json, and the plugin receives them in {@link ModelSpec#settings()}.
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


  /**
   * The input stems this family accepts, its default first (e.g. imagenet, cifar); empty where
   * the family has no stem setting.
   *
   * @since SPI 1.1
   */
  default List<String> stems() {
    return List.of();
  }
}
