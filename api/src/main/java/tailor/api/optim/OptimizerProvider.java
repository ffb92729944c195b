package tailor.api.optim;

import java.util.Map;
import tailor.api.Plugin;

/**
 * An optimizer plugin ({@code sgd}, later {@code adam}, {@code lars}, {@code kfac}). Its settings
 * are a flat map of keys to values; {@link #defaults()} names every key and its type (Double,
 * Long, Boolean or String), and the app validates user values against it before
 * {@link #create} sees them.
 */
public interface OptimizerProvider extends Plugin {

  /** Every setting with its default value (the paper's preset), in display order. */
  Map<String, Object> defaults();

  /**
   * A new optimizer with these settings ({@link #defaults()} overlaid with the user's values,
   * already of the default's type). Values out of range are user errors.
   */
  Optimizer create(Map<String, Object> settings);

  /** One line of help per setting (keys of {@link #defaults()}; absent ones have none). @since SPI 1.2 */
  default Map<String, String> settingsHelp() {
    return Map.of();
  }
}
