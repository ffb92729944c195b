package tailor.app.internal;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.MapBinder;
import java.nio.file.Path;
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
 * start-up errors naming the modules involved; third-party plugins (see {@link PluginLayers}) that
 * break these rules are skipped with a warning instead.
 */
final class PluginsModule extends AbstractModule {
  private final PluginLayers layers;

  PluginsModule() {
    this(PluginLayers.none());
  }

  /** Tailor's own plugins and those of {@code layers} (third-party plugin folders). */
  PluginsModule(PluginLayers layers) {
    this.layers = layers;
  }

  @Override
  protected void configure() {
    bind(PluginLayers.class).toInstance(layers);
    for (PluginKind<? extends Plugin> kind : PluginKind.all()) {
      bindKind(kind);
    }
  }

  private <T extends Plugin> void bindKind(PluginKind<T> kind) {
    MapBinder<String, T> binder = MapBinder.newMapBinder(binder(), String.class, kind.type());
    for (Map.Entry<String, T> e : discover(kind, layers).entrySet()) {
      binder.addBinding(e.getKey()).toInstance(e.getValue());
    }
  }

  /** Tailor's own plugins of a kind by name, in discovery order. */
  static <T extends Plugin> Map<String, T> discover(PluginKind<T> kind) {
    return index(kind, ServiceLoader.load(kind.type()));
  }

  /**
   * Tailor's own plugins of a kind, then those of each third-party unit. A third-party plugin
   * that cannot be instantiated, was built for another SPI major version or reuses a name is
   * skipped with a warning naming its jar; tailor's own plugins must be consistent (errors).
   */
  static <T extends Plugin> Map<String, T> discover(PluginKind<T> kind, PluginLayers layers) {
    Map<String, T> found = discover(kind);
    for (PluginLayers.Unit u : layers.units()) {
      List<ServiceLoader.Provider<T>> providers;
      try {
        providers = ServiceLoader.load(u.layer(), kind.type()).stream()
            .filter(p -> p.type().getModule().getLayer() == u.layer()).toList();
      } catch (java.util.ServiceConfigurationError e) {
        layers.warn("skipped plugin " + u.source() + ": " + PluginLayers.reason(e));
        continue;
      }
      for (ServiceLoader.Provider<T> p : providers) {
        T plugin;
        try {
          plugin = p.get();
          // what the app reads of every plugin, read once here so that a plugin whose classes
          // are missing (a library not shipped with it) is skipped now, not a crash later
          plugin.name();
          plugin.version();
          plugin.description();
          plugin.spiMajorVersion();
        } catch (java.util.ServiceConfigurationError | RuntimeException | LinkageError e) {
          layers.warn("skipped " + kind.label() + " plugin " + p.type().getName() + " in " + u.source()
              + ": " + PluginLayers.reason(e));
          continue;
        }
        if (!declaresSpi(plugin)) {
          layers.warn(String.format("skipped %s plugin '%s' in %s: it does not declare the SPI it "
              + "was built against; add public int spiMajorVersion() { return SpiVersion.MAJOR; } "
              + "(a compile-time constant, fixed in the class when it is built) and rebuild it",
              kind.label(), plugin.name(), u.source()));
          continue;
        }
        if (plugin.spiMajorVersion() != SpiVersion.MAJOR) {
          layers.warn(String.format("skipped %s plugin '%s' in %s: it was built for SPI %d.x, but "
              + "this tailor has SPI %s; rebuild it against tailor-api %d.x", kind.label(), plugin.name(),
              u.source(), plugin.spiMajorVersion(), SpiVersion.string(), SpiVersion.MAJOR));
          continue;
        }
        T previous = found.get(plugin.name());
        if (previous != null) {
          Path other = layers.sourceOf(previous);
          layers.warn(String.format("skipped %s plugin '%s' in %s: the name is taken by %s; rename "
              + "or remove one of them", kind.label(), plugin.name(), u.source(),
              other == null ? "tailor's own module " + origin(previous) : other.toString()));
          continue;
        }
        found.put(plugin.name(), plugin);
      }
    }
    return found;
  }

  /**
   * Whether a plugin states the SPI major version it was compiled against: {@link
   * Plugin#spiMajorVersion()}'s default runs in the host's tailor-api and returns the host's
   * version, so only an override (returning the compile-time constant SpiVersion.MAJOR, which
   * javac copies into the plugin's class) says what the plugin was built against.
   */
  static boolean declaresSpi(Plugin plugin) {
    try {
      Class<?> c = plugin.getClass().getMethod("spiMajorVersion").getDeclaringClass();
      return c.getModule() != Plugin.class.getModule();
    } catch (NoSuchMethodException e) {
      return false;
    }
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
