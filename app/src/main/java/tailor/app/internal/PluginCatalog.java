package tailor.app.internal;

import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import tailor.api.Names;
import tailor.api.Plugin;
import tailor.api.TailorException;
import tailor.api.activation.BaseActivation;
import tailor.api.backend.ComputeBackend;
import tailor.api.data.DatasetProvider;
import tailor.api.optim.OptimizerProvider;
import tailor.api.init.Initializer;
import tailor.api.model.ModelFamily;
import tailor.api.shaping.ActivationTransform;

/** The plugins the app was wired with, looked up by name with helpful errors. */
public final class PluginCatalog {
  private final Map<String, BaseActivation> activations;
  private final Map<String, ActivationTransform> transforms;
  private final Map<String, ModelFamily> models;
  private final Map<String, Initializer> initializers;
  private final Map<String, ComputeBackend> backends;
  private final Map<String, DatasetProvider> datasets;
  private final Map<String, OptimizerProvider> optimizers;

  @Inject
  PluginCatalog(Map<String, BaseActivation> activations, Map<String, ActivationTransform> transforms,
      Map<String, ModelFamily> models, Map<String, Initializer> initializers,
      Map<String, ComputeBackend> backends, Map<String, DatasetProvider> datasets,
      Map<String, OptimizerProvider> optimizers) {
    this.backends = backends;
    this.datasets = datasets;
    this.optimizers = optimizers;
    this.activations = activations;
    this.transforms = transforms;
    this.models = models;
    this.initializers = initializers;
  }

  /** The compute backend named {@code name}. */
  public ComputeBackend backend(String name, String source) {
    return find(backends, "backend", name, source);
  }

  /** The dataset named {@code name}. */
  public DatasetProvider dataset(String name, String source) {
    return find(datasets, "dataset", name, source);
  }

  /** The optimizer named {@code name}. */
  public OptimizerProvider optimizer(String name, String source) {
    return find(optimizers, "optimizer", name, source);
  }

  /** Names of the optimizers. */
  public List<String> optimizerNames() {
    return List.copyOf(optimizers.keySet());
  }

  /** The initializer named {@code name}. */
  public Initializer initializer(String name, String source) {
    return find(initializers, "initializer", name, source);
  }

  /** The activation named {@code name} (from {@code source}). */
  public BaseActivation activation(String name, String source) {
    return find(activations, "activation", name, source);
  }

  /** The transform named {@code name}. */
  public ActivationTransform transform(String name, String source) {
    return find(transforms, "transform", name, source);
  }

  /** The model family named {@code name}. */
  public ModelFamily model(String name, String source) {
    return find(models, "model", name, source);
  }

  /**
   * The settings, with their defaults, of the plugin of a kind (optimizer, dataset, model,
   * backend) named {@code name}; an unknown name is a user error naming {@code source}.
   */
  public Map<String, Object> settings(String kind, String name, String source) {
    switch (kind) {
      case "optimizer":
        return optimizer(name, source).defaults();
      case "dataset":
        return dataset(name, source).settings();
      case "model":
        return model(name, source).settings();
      case "backend":
        return backend(name, source).settings();
      default:
        throw new IllegalArgumentException("no plugin settings of kind " + kind);
    }
  }

  /** One line of help per setting of a plugin (possibly none). */
  public Map<String, String> settingsHelp(String kind, String name) {
    switch (kind) {
      case "optimizer":
        return optimizer(name, "--help").settingsHelp();
      case "dataset":
        return dataset(name, "--help").settingsHelp();
      case "model":
        return model(name, "--help").settingsHelp();
      default:
        return backend(name, "--help").settingsHelp();
    }
  }

  /** The names of the plugins of a kind with settings (optimizer, dataset, model, backend). */
  public List<String> names(String kind) {
    switch (kind) {
      case "optimizer":
        return List.copyOf(optimizers.keySet());
      case "dataset":
        return List.copyOf(datasets.keySet());
      case "model":
        return List.copyOf(models.keySet());
      default:
        return List.copyOf(backends.keySet());
    }
  }

  /** The names of all transforms. */
  public List<String> transformNames() {
    return List.copyOf(transforms.keySet());
  }

  private static <T> T find(Map<String, T> map, String what, String name, String source) {
    T t = map.get(name);
    if (t == null) {
      throw TailorException.user(Names.unknown(what, name, source, map.keySet()));
    }
    return t;
  }

  /** One row per plugin: kind, name, version, module, where it was loaded from, description. */
  public record Row(String kind, String name, String version, String module, String from,
      String description) {}

  /** All plugins, sorted by kind then name. */
  public List<Row> rows() {
    List<Row> rows = new ArrayList<>();
    add(rows, "activation", activations);
    add(rows, "model", models);
    add(rows, "initializer", initializers);
    add(rows, "dataset", datasets);
    add(rows, "optimizer", optimizers);
    for (ComputeBackend b : backends.values()) {
      String why = b.unavailableReason();
      rows.add(new Row("backend", b.name(), b.version(), PluginsModule.origin(b), location(b),
          b.description() + (why == null ? " [usable here]" : " [unavailable: " + why + "]")));
    }
    add(rows, "transform", transforms);
    rows.sort(Comparator.comparing(Row::kind).thenComparing(Row::name));
    return rows;
  }

  /** The file name of the jar (or folder) a plugin's module was loaded from. */
  static String location(Object plugin) {
    Module m = plugin.getClass().getModule();
    java.util.Optional<java.net.URI> uri = java.util.Optional.empty();
    if (m.isNamed() && m.getLayer() != null) {
      uri = m.getLayer().configuration().findModule(m.getName())
          .flatMap(r -> r.reference().location());
    } else {
      var cs = plugin.getClass().getProtectionDomain().getCodeSource();
      if (cs != null && cs.getLocation() != null) {
        try {
          uri = java.util.Optional.of(cs.getLocation().toURI());
        } catch (java.net.URISyntaxException e) {
          uri = java.util.Optional.empty();
        }
      }
    }
    return uri.map(u -> {
      String path = u.getPath();
      if (path == null) {
        return u.toString();
      }
      String trimmed = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
      return trimmed.substring(trimmed.lastIndexOf('/') + 1);
    }).orElse("?");
  }

  private static void add(List<Row> rows, String kind, Map<String, ? extends Plugin> map) {
    for (Plugin p : map.values()) {
      rows.add(new Row(kind, p.name(), p.version(), PluginsModule.origin(p), location(p),
          p.description()));
    }
  }
}
