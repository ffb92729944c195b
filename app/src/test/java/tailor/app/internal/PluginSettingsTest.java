package tailor.app.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tailor.api.TailorException;

/**
 * Every plugin kind's own settings resolve as the optimizers' do: the chosen plugin's defaults
 * under {@code <kind>.<name>.<key>}, user values checked against the default's type, a key of a
 * plugin the run does not use refused naming both, and a saved default still counting as one.
 */
class PluginSettingsTest {
  static Map<String, Object> settings(String kind, String name) {
    if (kind.equals("dataset") && name.equals("arrays")) {
      return Map.of("normalize", false, "limit", 100L);
    }
    if (kind.equals("backend") && name.equals("fast")) {
      return Map.of("tile", 64L);
    }
    return Map.of();
  }

  static RunConfig resolve(Map<String, String> cli) {
    return RunConfig.resolve(PluginSettingsTest::settings, List.of(new RunConfig.Layer("command line", cli)));
  }

  @Test
  void theChosenPluginsSettingsResolveWithTheirTypes() {
    RunConfig c = resolve(Map.of("dataset", "arrays", "dataset.arrays.normalize", "true",
        "backend", "fast"));
    assertEquals(Map.of("normalize", true, "limit", 100L), c.pluginSettings("dataset"));
    assertEquals(Map.of("tile", 64L), c.pluginSettings("backend"));
    assertEquals("command line", c.source("dataset.arrays.normalize"));
    assertEquals("dataset arrays default", c.source("dataset.arrays.limit"));
    assertTrue(c.isDefault("dataset.arrays.limit"));
    assertTrue(!c.isDefault("dataset.arrays.normalize"));
    // saved to config.json and read back: the default is still one
    assertTrue(RunConfig.savedDefaults(c.toJson()).contains("dataset.arrays.limit"));
    assertTrue(!RunConfig.savedDefaults(c.toJson()).contains("dataset.arrays.normalize"));
  }

  @Test
  void badValuesAndOtherPluginsKeysAreOneLine() {
    TailorException e = assertThrows(TailorException.class, () -> resolve(Map.of("dataset",
        "arrays", "dataset.arrays.limit", "many")));
    assertTrue(e.getMessage().contains("dataset.arrays.limit = 'many' (from command line) is not "
        + "a whole number"), e.getMessage());
    e = assertThrows(TailorException.class, () -> resolve(Map.of("dataset.arrays.normalize", "true")));
    assertTrue(e.getMessage().contains("dataset.arrays.normalize (from command line) sets dataset "
        + "arrays, but the run uses digits; use dataset.digits.<key> or --dataset arrays"), e.getMessage());
    e = assertThrows(TailorException.class, () -> resolve(Map.of("dataset", "arrays",
        "dataset.arrays.shuffle", "true")));
    assertTrue(e.getMessage().contains("unknown setting 'dataset.arrays.shuffle'"), e.getMessage());
    assertEquals(2, e.kind().exitCode());
  }
}
