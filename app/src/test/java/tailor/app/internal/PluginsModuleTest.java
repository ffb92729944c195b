package tailor.app.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tailor.api.TailorException;
import tailor.api.model.Architecture;
import tailor.api.model.ModelFamily;
import tailor.api.model.ModelSpec;

class PluginsModuleTest {
  static ModelFamily family(String name, int spi) {
    return new ModelFamily() {
      @Override
      public List<Integer> depths() {
        return List.of();
      }

      @Override
      public Architecture describe(ModelSpec spec) {
        throw new UnsupportedOperationException();
      }

      @Override
      public String name() {
        return name;
      }

      @Override
      public String version() {
        return "1";
      }

      @Override
      public String description() {
        return "test";
      }

      @Override
      public int spiMajorVersion() {
        return spi;
      }
    };
  }

  @Test
  void duplicateNamesAreRefusedNamingBothOrigins() {
    TailorException e = assertThrows(TailorException.class, () -> PluginsModule.index(
        PluginKind.MODEL, List.of(family("mlp", 1), family("mlp", 1))));
    assertTrue(e.getMessage().startsWith("two model plugins are named 'mlp': one in "), e.getMessage());
  }

  @Test
  void otherSpiMajorVersionsAreRefusedNamingBoth() {
    TailorException e = assertThrows(TailorException.class, () -> PluginsModule.index(
        PluginKind.MODEL, List.of(family("x", 2))));
    assertTrue(e.getMessage().contains("built for SPI 2.x, but this tailor has SPI " + tailor.api.SpiVersion.string()), e.getMessage());
  }

  @Test
  void discoveryFindsTheBuiltInPlugins() {
    Map<String, ?> t = PluginsModule.discover(PluginKind.TRANSFORM);
    assertEquals(List.of("dks", "tat-lrelu", "tat-smooth", "untransformed"), List.copyOf(t.keySet()));
  }
}
