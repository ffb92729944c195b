package tailor.app.internal;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.MapBinder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import tailor.api.Plugin;
import tailor.api.SpiVersion;
import tailor.api.TailorException;

/**
 * Discovers every plugin with {@link ServiceLoader} and binds each kind into a
 * {@code MapBinder<String, Kind>} keyed by plugin name, with one generic helper for all kinds.
 * Two plugins of a kind with the same name, or a plugin built for another SPI major version, are
 * start-up errors naming the modules involved.
 */
final class PluginsModule extends AbstractModule {
  private final List<String> warnings = new ArrayList<>();

  @Override
  protected void configure() {
    for (PluginKind<? extends Plugin> kind : PluginKind.all()) {
      bindKind(kind);
    }
  }

  List<String> warnings() {
    return warnings;
  }

  private <T extends Plugin> void bindKind(PluginKind<T> kind) {
    MapBinder<String, T> binder = MapBinder.newMapBinder(binder(), String.class, kind.type());
    for (Map.Entry<String, T> e : discover(kind).entrySet()) {
      binder.addBinding(e.getKey()).toInstance(e.getValue());
    }
  }

  /** The plugins of a kind by name, in discovery order. */
  static <T extends Plugin> Map<String, T> discover(PluginKind<T> kind) {
    return index(kind, ServiceLoader.load(kind.type()));
  }

  /** Indexes plugins by name, refusing duplicates and other SPI major versions. */
  static <T extends Plugin> Map<String, T> index(PluginKind<T> kind, Iterable<T> plugins) {
    Map<String, T> found = new LinkedHashMap<>();
    for (T plugin : plugins) {
      if (plugin.spiMajorVersion() != SpiVersion.MAJOR) {
        throw TailorException.user(String.format(
            "%s plugin '%s' in %s was built for SPI %d.x, but this tailor has SPI %s; rebuild it "
                + "against tailor-api %d.x", kind.label(), plugin.name(), origin(plugin),
            plugin.spiMajorVersion(), SpiVersion.string(), SpiVersion.MAJOR));
      }
      T previous = found.putIfAbsent(plugin.name(), plugin);
      if (previous != null) {
        throw TailorException.user(String.format(
            "two %s plugins are named '%s': one in %s, one in %s; remove one of them",
            kind.label(), plugin.name(), origin(previous), origin(plugin)));
      }
    }
    return found;
  }

  /** The module a plugin comes from ("classpath" if unnamed). */
  static String origin(Object plugin) {
    Module m = plugin.getClass().getModule();
    return m.isNamed() ? m.getName() : "classpath";
  }
}
