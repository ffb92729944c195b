package tailor.app.internal;

import java.io.File;
import java.io.IOException;
import java.lang.module.Configuration;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import tailor.api.TailorException;

/**
 * Third-party plugins from plugin folders. Each entry of a folder is one plugin unit in its own
 * module layer (a child of the boot layer, so it sees tailor.api and nothing of the other
 * plugins): a jar, or a subfolder of jars (the plugin and its own dependencies, with libraries
 * that cannot be modules under its {@code classpath/}). A unit that
 * cannot be loaded is skipped with one warning naming it; the app starts with the others.
 *
 * <p>The folders are, in order: {@code <tailor home>/plugins} (the launcher's folder, when it
 * exists), {@code TAILOR_PLUGIN_PATH} and {@code --plugin-path} (both path lists).
 */
final class PluginLayers {
  /** One loaded unit: where it came from and its layer. */
  record Unit(Path source, ModuleLayer layer) {}

  private final List<Unit> units = new ArrayList<>();
  private final List<String> warnings = new ArrayList<>();

  private PluginLayers() {}

  static PluginLayers none() {
    return new PluginLayers();
  }

  /** The plugin folders of this process: the home's plugins/, the environment's, the option's. */
  static List<Path> folders(String home, String env, List<String> options) {
    List<Path> dirs = new ArrayList<>();
    if (home != null && !home.isEmpty() && Files.isDirectory(Path.of(home, "plugins"))) {
      dirs.add(Path.of(home, "plugins"));
    }
    for (String list : Stream.concat(Stream.ofNullable(env), options.stream()).toList()) {
      for (String p : list.split(File.pathSeparator)) {
        if (p.isBlank()) {
          continue;
        }
        Path d = Path.of(p);
        if (!Files.isDirectory(d)) {
          throw TailorException.user("plugin folder " + d + " does not exist or is not a folder "
              + "(from " + (options.contains(list) ? "--plugin-path" : "TAILOR_PLUGIN_PATH") + ")");
        }
        dirs.add(d);
      }
    }
    return dirs;
  }

  /** Loads every unit of the folders, each into its own layer. */
  static PluginLayers load(List<Path> folders) {
    PluginLayers l = new PluginLayers();
    for (Path dir : folders) {
      List<Path> entries;
      try (Stream<Path> s = Files.list(dir)) {
        entries = s.filter(p -> Files.isDirectory(p) || p.getFileName().toString().endsWith(".jar"))
            .sorted().toList();
      } catch (IOException e) {
        l.warnings.add("cannot list plugin folder " + dir + ": " + e.getMessage());
        continue;
      }
      for (Path unit : entries) {
        try {
          l.units.add(new Unit(unit, layer(unit)));
        } catch (RuntimeException | LinkageError e) {
          l.warnings.add("skipped plugin " + unit + ": " + reason(e));
        }
      }
    }
    return l;
  }

  /** The jars directly in {@code dir}, sorted. */
  private static List<Path> jarsIn(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted().toList();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot list " + dir + ": " + e.getMessage());
    }
  }

  /** The subfolder of a plugin folder whose jars load from a class path (not as modules). */
  static final String CLASSPATH = "classpath";

  /**
   * A unit's layer: its top-level jars are modules; the jars of its {@code classpath/} subfolder
   * (libraries that cannot be modules, such as ND4J) load into one class loader below the
   * layer's, whose unnamed module every module of the unit reads.
   */
  private static ModuleLayer layer(Path unit) {
    List<Path> jars = Files.isDirectory(unit) ? jarsIn(unit) : List.of(unit);
    List<java.net.URL> classpath = new ArrayList<>();
    Path cp = unit.resolve(CLASSPATH);
    if (Files.isDirectory(cp)) {
      for (Path j : jarsIn(cp)) {
        try {
          classpath.add(j.toUri().toURL());
        } catch (java.net.MalformedURLException e) {
          throw new IllegalArgumentException(j + " has no URL: " + e.getMessage());
        }
      }
    }
    ModuleFinder finder = ModuleFinder.of(jars.toArray(Path[]::new));
    Set<ModuleReference> found = finder.findAll();
    if (found.isEmpty()) {
      throw new IllegalArgumentException("no jar in it");
    }
    Set<String> roots = new TreeSet<>();
    for (ModuleReference r : found) {
      String name = r.descriptor().name();
      if (ModuleLayer.boot().findModule(name).isPresent()) {
        throw new IllegalArgumentException("it contains module " + name
            + ", which tailor already has; plugins bring only their own modules");
      }
      roots.add(name);
    }
    ModuleLayer boot = ModuleLayer.boot();
    Configuration cf = boot.configuration().resolveAndBind(finder, ModuleFinder.of(), roots);
    ClassLoader parent = ClassLoader.getSystemClassLoader();
    java.net.URLClassLoader libs = classpath.isEmpty() ? null
        : new java.net.URLClassLoader("tailor-plugin-" + unit.getFileName(),
            classpath.toArray(java.net.URL[]::new), parent);
    ModuleLayer.Controller c = ModuleLayer.defineModulesWithOneLoader(cf, List.of(boot),
        libs == null ? parent : libs);
    if (libs != null) {
      for (Module m : c.layer().modules()) {
        c.addReads(m, libs.getUnnamedModule());
      }
    }
    return c.layer();
  }

  /** A one-line reason: the exception's message without its type where it says enough. */
  static String reason(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && (t.getMessage() == null || t instanceof java.util.ServiceConfigurationError)) {
      t = t.getCause();
    }
    String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    if (t instanceof java.lang.module.FindException || t instanceof java.lang.module.ResolutionException
        || t instanceof IllegalArgumentException) {
      return m.replace('\n', ' ');
    }
    return (t.getClass().getSimpleName() + ": " + m).replace('\n', ' ');
  }

  List<Unit> units() {
    return units;
  }

  List<String> warnings() {
    return warnings;
  }

  /** The unit a plugin class was loaded from, or null for tailor's own plugins. */
  Path sourceOf(Object plugin) {
    ModuleLayer layer = plugin.getClass().getModule().getLayer();
    for (Unit u : units) {
      if (u.layer() == layer) {
        return u.source();
      }
    }
    return null;
  }

  /** Adds a warning. */
  void warn(String w) {
    warnings.add(w);
  }
}
