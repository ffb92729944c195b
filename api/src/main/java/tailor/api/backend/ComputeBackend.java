package tailor.api.backend;

import tailor.api.Plugin;

/** A compute backend plugin ({@code cpu}, later {@code nd4j}, {@code cuda}). */
public interface ComputeBackend extends Plugin {

  /** Null if this backend can run on this machine, else one line saying why not. */
  String unavailableReason();

  /** Opens a session. */
  BackendSession open(BackendOptions options);

  /**
   * The plugin's own settings with their defaults (each value's type, Double, Long, Boolean or
   * String, is the setting's), in display order: a user sets them as {@code backend.<name>.<key>}
   * (on the command line {@code --set}, in a config file or the environment), the app checks
   * the values against these types, shows them in {@code --help} and records them in
   * config.json, and the plugin receives them in {@link BackendOptions#settings()}.
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
