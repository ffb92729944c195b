package tailor.app.internal;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tailor.api.Names;
import tailor.api.TailorException;

/**
 * The resolved configuration of a training run: a flat map of dotted keys to typed values, each
 * with where it came from. Precedence: command line (flags and {@code --set}) &gt; config file
 * &gt; environment ({@code TAILOR_<KEY>}, dots and dashes as underscores) &gt; default. Optimizer
 * settings live under {@code optimizer.<name>.<key>} with the optimizer plugin's defaults.
 */
public final class RunConfig {
  /** A setting: its default (whose type is the setting's type) and one line of help. */
  record Key(String name, Object def, String help) {}

  /** The run's own keys, in display order. */
  static final List<Key> KEYS = List.of(
      new Key("dataset", "digits", "dataset plugin (digits is embedded)"),
      new Key("data", "", "folder with the dataset's files"),
      new Key("model", "mlp", "model family: mlp or resnet"),
      new Key("depth", 24L, "mlp: hidden layers; resnet: 18..200"),
      new Key("graph", "", "your own architecture: a layer-graph JSON file (replaces model, depth)"),
      new Key("width", 1.0, "width multiplier (mlp: 256 units at 1; resnet: 64 base channels)"),
      new Key("stem", "cifar", "resnet stem: cifar (3x3 conv) or imagenet (7x7/2 conv, max-pool)"),
      new Key("block", "v2", "resnet block style: v1 or v2"),
      new Key("shortcut_weight", "0", "resnet shortcut weight w (0: vanilla, no skips) or none"),
      new Key("norm", "none", "none, or batch (the standard ResNet baseline; not with dks/tat)"),
      new Key("dropout", 0.0, "dropout rate before the linear head"),
      new Key("method", "tat", "tat, dks, untransformed, or eoc (ReLU at the edge of chaos)"),
      new Key("activation", "leaky_relu", "base activation (eoc uses relu)"),
      new Key("eta", 0.9, "TAT target C_f(0) for leaky ReLU (TAT-LReLU)"),
      new Key("tau", 0.3, "TAT-smooth target"),
      new Key("zeta", 1.5, "DKS target"),
      new Key("init", "auto", "initializer: auto (suo, Orthogonal Delta, for every method), suo, he, lecun, glorot"),
      new Key("sigma_w", "auto", "weight multiplier sigma_w (auto: sqrt(2) for eoc, 1 otherwise)"),
      new Key("optimizer", "sgd", "optimizer plugin"),
      new Key("label_smoothing", 0.0, "label smoothing of the training loss"),
      new Key("warmup_epochs", 0.0, "learning-rate warm-up in epochs (0: the optimizer's warmup fraction)"),
      new Key("batch", 64L, "examples per training step"),
      new Key("epochs", 20L, "passes over the training split (when steps is 0)"),
      new Key("steps", 0L, "training steps (0: use epochs)"),
      new Key("seed", 0L, "seed of the initialization, data order, augmentation and dropout"),
      new Key("backend", "cpu", "compute backend plugin"),
      new Key("threads", 0L, "intra-op threads (0: all cores)"),
      new Key("loader_threads", 1L, "background data-loading threads"),
      new Key("pln", "off", "per-location normalization of the inputs: off, on, avg_q"),
      new Key("augment", "default", "training augmentation: default, none (imagenet: random-crop)"),
      new Key("holdout", 0.0, "evaluate on this share of the training split, held out, instead of the test split (0: off)"),
      new Key("image_size", 0L, "crop size for imagenet (0: 224)"),
      new Key("eval_every", 1L, "evaluate on the test split every N epochs (and at the end)"),
      new Key("evals_per_epoch", 1L, "with eval_every 1: evaluate N times per epoch, at equal steps"),
      new Key("checkpoint_every", 500L, "write a checkpoint every N steps (and at the end)"),
      new Key("log_every", 10L, "write a training metrics row every N steps"),
      new Key("stop_after", 0L, "stop (with a checkpoint) after N steps, to continue later with --resume"),
      new Key("divergence_factor", 10.0, "stop as diverged when a step's loss exceeds this many times the median of the last 50 (after the warm-up; 0: only NaN or infinity)"),
      new Key("out", "", "output folder (default runs/<time>-<dataset>-<model><depth>)"));

  /** Shorthand flags that address the chosen optimizer's settings. */
  static final Map<String, String> OPTIMIZER_SHORTHANDS = Map.of(
      "lr", "learning_rate",
      "learning_rate", "learning_rate",
      "schedule", "schedule",
      "warmup", "warmup",
      "weight_decay", "weight_decay",
      "momentum", "momentum",
      "nesterov", "nesterov");

  private final Map<String, Object> values = new LinkedHashMap<>();
  private final Map<String, String> sources = new LinkedHashMap<>();

  private RunConfig() {}

  /**
   * A value source in precedence order: later layers override earlier ones. A lenient layer
   * (tailor's own defaults) skips settings of optimizers the run does not use.
   */
  record Layer(String name, Map<String, String> values, boolean lenient, java.util.Set<String> defaults) {
    Layer(String name, Map<String, String> values) {
      this(name, values, false, java.util.Set.of());
    }

    Layer(String name, Map<String, String> values, boolean lenient) {
      this(name, values, lenient, java.util.Set.of());
    }

    /**
     * A saved configuration's values (a checkpoint's); {@code defaults} names those that were
     * defaults when it was saved, so a check of "did the user set this" still holds.
     */
    static Layer saved(String name, Map<String, String> values, java.util.Set<String> defaults) {
      return new Layer(name, values, false, java.util.Set.copyOf(defaults));
    }
  }

  /** The source suffix of a value a saved configuration had at its default. */
  static final String SAVED_DEFAULT = " (its default)";

  /**
   * Whether {@code key} has a default value: no layer set it, or it comes from a saved
   * configuration in which it was a default.
   */
  boolean isDefault(String key) {
    String s = sources.get(key);
    return s != null && (s.equals("default") || s.endsWith(SAVED_DEFAULT) || pluginDefault(s));
  }

  /** Whether a source is a plugin's default ("optimizer sgd default", "dataset npy default"). */
  private static boolean pluginDefault(String source) {
    int sp = source.indexOf(' ');
    return sp > 0 && PLUGIN_KINDS.contains(source.substring(0, sp)) && source.endsWith(" default");
  }

  /** The keys a saved configuration (config.json, a checkpoint's) had at their defaults. */
  static java.util.Set<String> savedDefaults(JsonObject config) {
    java.util.Set<String> out = new java.util.LinkedHashSet<>();
    if (config.has("sources") && config.get("sources").isJsonObject()) {
      for (Map.Entry<String, com.google.gson.JsonElement> e
          : config.getAsJsonObject("sources").entrySet()) {
        String s = e.getValue().getAsString();
        if (s.equals("default") || s.endsWith(SAVED_DEFAULT) || pluginDefault(s)) {
          out.add(e.getKey());
        }
      }
    }
    return out;
  }

  /**
   * tailor train's own defaults, below every user layer. SGD's preset (the paper's 0.1) is for
   * batch 1024 on ImageNet; 20+ layer vanilla networks at small batches diverge above about
   * 0.03 with Nesterov momentum (measured here on digits, and method-notes section 8 on
   * CIFAR-10), and at 0.01 the digits default is at the edge: its loss climbs back to 1.1-2.3
   * after the warm-up with seeds 0-3, and float32 rounding alone (nd4j, two threads) turns
   * seed 0's climb into a divergence. At 0.005 the worst climb is 1.34 and the accuracy is the
   * same or better (97.39% mean of seeds 0-3 against 97.04%), so train starts SGD at 0.005.
   * Likewise K-FAC's preset damping (1e-3, kfac-jax's
   * for batch 1024) diverges at batch 64-128 on 24- and 33-layer vanilla networks (digits: 9%
   * after 110 steps; CIFAR-10: loss 1e8 by step 40), and 1e-2 trains both, so train starts
   * K-FAC at damping 0.01.
   */
  static Layer trainDefaults() {
    return new Layer("tailor train default", Map.of("optimizer.sgd.learning_rate", "0.005",
        "optimizer.kfac.damping", "0.01"), true);
  }

  /**
   * Resolves the configuration.
   *
   * @param optimizerDefaults the defaults of the optimizer a layer names (by optimizer name)
   * @param layers environment, config file, command line, in increasing precedence
   */
  static RunConfig resolve(java.util.function.Function<String, Map<String, Object>> optimizerDefaults,
      List<Layer> layers) {
    return resolve((kind, name) -> kind.equals("optimizer") ? optimizerDefaults.apply(name)
        : Map.of(), layers);
  }

  /** The plugin kinds whose chosen plugin brings its own settings, {@code <kind>.<name>.<key>}. */
  static final List<String> PLUGIN_KINDS = List.of("optimizer", "dataset", "model", "backend");

  /**
   * Resolves the configuration.
   *
   * @param pluginSettings the settings with their defaults of the plugin of a kind (optimizer,
   *     dataset, model, backend) a run chooses, by kind and name
   * @param layers environment, config file, command line, in increasing precedence
   */
  static RunConfig resolve(java.util.function.BiFunction<String, String, Map<String, Object>> pluginSettings,
      List<Layer> layers) {
    RunConfig c = new RunConfig();
    for (Key k : KEYS) {
      c.values.put(k.name(), k.def());
      c.sources.put(k.name(), "default");
    }
    // The plugins are chosen first: their settings' keys depend on them.
    for (Layer l : layers) {
      for (String kind : PLUGIN_KINDS) {
        String o = l.values().get(kind);
        if (o != null) {
          c.values.put(kind, o.trim());
          c.sources.put(kind, l.name());
        }
      }
    }
    Map<String, String> prefixes = new LinkedHashMap<>();
    for (String kind : PLUGIN_KINDS) {
      String chosen = (String) c.values.get(kind);
      String p = kind + "." + chosen + ".";
      prefixes.put(kind, p);
      for (Map.Entry<String, Object> e : pluginSettings.apply(kind, chosen).entrySet()) {
        c.values.put(p + e.getKey(), e.getValue());
        c.sources.put(p + e.getKey(), kind + " " + chosen + " default");
      }
    }
    String opt = (String) c.values.get("optimizer");
    String prefix = prefixes.get("optimizer");
    for (Layer l : layers) {
      for (Map.Entry<String, String> e : l.values().entrySet()) {
        String key = e.getKey();
        if (PLUGIN_KINDS.contains(key)) {
          continue;
        }
        if (OPTIMIZER_SHORTHANDS.containsKey(key)) {
          key = prefix + OPTIMIZER_SHORTHANDS.get(key);
          if (!c.values.containsKey(key)) {
            throw TailorException.user(String.format(Locale.ROOT,
                "optimizer %s has no setting %s (from %s %s); its settings: %s", opt,
                OPTIMIZER_SHORTHANDS.get(e.getKey()), l.name(), e.getKey(),
                pluginSettings.apply("optimizer", opt).keySet()));
          }
        }
        String kind = key.indexOf('.') > 0 ? key.substring(0, key.indexOf('.')) : "";
        if (PLUGIN_KINDS.contains(kind) && !key.startsWith(prefixes.get(kind))) {
          if (l.lenient()) {
            continue;
          }
          String other = key.substring(kind.length() + 1);
          int dot = other.indexOf('.');
          String named = dot < 0 ? other : other.substring(0, dot);
          String chosen = (String) c.values.get(kind);
          throw TailorException.user(String.format(Locale.ROOT,
              "%s (from %s) sets %s %s, but the run uses %s; use %s.%s.<key> or --%s %s",
              e.getKey(), l.name(), kind, named, chosen, kind, chosen, kind, named));
        }
        Object def = c.values.get(key);
        if (def == null) {
          throw TailorException.user(Names.unknown("setting", e.getKey(), l.name(), c.values.keySet()));
        }
        c.values.put(key, parse(key, e.getValue(), def, l.name()));
        c.sources.put(key, l.defaults().contains(key) ? l.name() + SAVED_DEFAULT : l.name());
      }
    }
    return c;
  }

  /** Parses {@code text} to the type of {@code def}. */
  static Object parse(String key, String text, Object def, String source) {
    String v = text.trim();
    try {
      if (def instanceof Long) {
        return Long.parseLong(v.replace("_", ""));
      }
      if (def instanceof Double) {
        double d = Double.parseDouble(v);
        if (Double.isNaN(d) || Double.isInfinite(d)) {
          throw new NumberFormatException();
        }
        return d;
      }
    } catch (NumberFormatException e) {
      throw TailorException.user(String.format(Locale.ROOT, "%s = '%s' (from %s) is not %s", key,
          text, source, def instanceof Long ? "a whole number" : "a finite number"));
    }
    if (def instanceof Boolean) {
      if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
        return Boolean.parseBoolean(v);
      }
      throw TailorException.user(String.format(Locale.ROOT,
          "%s = '%s' (from %s) is not true or false", key, text, source));
    }
    return v;
  }

  /** The environment layer: TAILOR_<KEY> for every run key and shorthand. */
  static Layer environment(Map<String, String> env) {
    Map<String, String> m = new LinkedHashMap<>();
    List<String> names = new ArrayList<>();
    for (Key k : KEYS) {
      names.add(k.name());
    }
    names.addAll(OPTIMIZER_SHORTHANDS.keySet());
    for (String n : names) {
      String v = env.get("TAILOR_" + n.toUpperCase(Locale.ROOT));
      if (v != null && !v.isBlank()) {
        m.put(n, v);
      }
    }
    return new Layer("environment", m);
  }

  /** A config file: a JSON object, nested objects flattened to dotted keys. */
  static Layer file(Path path) {
    String text;
    try {
      text = Files.readString(path, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw TailorException.user("--config " + path + " cannot be read: " + e.getMessage());
    }
    JsonElement root;
    try {
      root = JsonParser.parseString(text);
    } catch (RuntimeException e) {
      // the parser's message, without the exception class names it wraps in
      String why = String.valueOf(e.getMessage()).replaceAll("^([a-z]+\\.)+[A-Za-z]+(Exception|Error): ", "")
          .lines().findFirst().orElse("");
      throw TailorException.user("--config " + path + " is not valid JSON: " + why
          + "; expected an object such as {\"depth\": 30, \"optimizer\": {\"sgd\": {\"momentum\": 0.9}}}");
    }
    if (!root.isJsonObject()) {
      throw TailorException.user("--config " + path + " must hold a JSON object of settings");
    }
    Map<String, String> m = new LinkedHashMap<>();
    flatten("", root.getAsJsonObject(), m, path);
    // A resolved config.json written by a run records values under "values".
    if (m.keySet().stream().allMatch(k -> k.startsWith("values.") || k.startsWith("sources."))) {
      Map<String, String> inner = new LinkedHashMap<>();
      m.forEach((k, v) -> {
        if (k.startsWith("values.")) {
          inner.put(k.substring("values.".length()), v);
        }
      });
      m = inner;
    }
    return new Layer("config file " + path, m);
  }

  private static void flatten(String prefix, JsonObject o, Map<String, String> out, Path path) {
    for (Map.Entry<String, JsonElement> e : o.entrySet()) {
      String key = prefix + e.getKey().replace('-', '_');
      JsonElement v = e.getValue();
      if (v.isJsonObject()) {
        flatten(key + ".", v.getAsJsonObject(), out, path);
      } else if (v.isJsonPrimitive()) {
        JsonPrimitive p = v.getAsJsonPrimitive();
        out.put(key, p.isString() ? p.getAsString() : p.toString());
      } else if (v.isJsonNull()) {
        continue;
      } else {
        throw TailorException.user(String.format(Locale.ROOT,
            "--config %s: %s is a list; settings are numbers, strings or true/false", path, key));
      }
    }
  }

  public String string(String key) {
    return get(key).toString();
  }

  public long integer(String key) {
    return (Long) get(key);
  }

  public double number(String key) {
    return ((Number) get(key)).doubleValue();
  }

  Object get(String key) {
    Object v = values.get(key);
    if (v == null) {
      throw new IllegalStateException("no setting " + key);
    }
    return v;
  }

  /** Where a key's value came from ("default", "--depth", "config file x.json", ...). */
  public String source(String key) {
    return sources.get(key);
  }

  /** The chosen optimizer's settings, keys without the prefix. */
  public Map<String, Object> optimizerSettings() {
    return pluginSettings("optimizer");
  }

  /** The chosen plugin's settings of a kind (optimizer, dataset, model, backend), keys without the prefix. */
  public Map<String, Object> pluginSettings(String kind) {
    String prefix = kind + "." + string(kind) + ".";
    Map<String, Object> m = new LinkedHashMap<>();
    values.forEach((k, v) -> {
      if (k.startsWith(prefix)) {
        m.put(k.substring(prefix.length()), v);
      }
    });
    return m;
  }

  /** Replaces a value the run derived from others (e.g. the warm-up fraction from epochs). */
  void override(String key, Object value, String source) {
    if (!values.containsKey(key)) {
      throw new IllegalArgumentException("no setting " + key);
    }
    values.put(key, value);
    sources.put(key, source);
  }

  /** All values, in order. */
  public Map<String, Object> values() {
    return java.util.Collections.unmodifiableMap(values);
  }

  /** The values and their sources as JSON (written next to the results). */
  /** Settings changed when the run was resumed: {step, key, from, to} objects, in order. */
  private com.google.gson.JsonArray changesOnResume = new com.google.gson.JsonArray();

  /** The record of changes on resume (carried from the checkpoint, plus this resume's). */
  void changesOnResume(com.google.gson.JsonArray changes) {
    this.changesOnResume = changes.deepCopy();
  }

  public JsonObject toJson() {
    JsonObject o = new JsonObject();
    if (!changesOnResume.isEmpty()) {
      o.add("changes_on_resume", changesOnResume.deepCopy());
    }
    JsonObject v = new JsonObject();
    JsonObject s = new JsonObject();
    values.forEach((k, x) -> {
      if (x instanceof Number n) {
        v.addProperty(k, n);
      } else if (x instanceof Boolean b) {
        v.addProperty(k, b);
      } else {
        v.addProperty(k, x.toString());
      }
      s.addProperty(k, sources.get(k));
    });
    o.add("values", v);
    o.add("sources", s);
    return o;
  }

  /** The values as string layers (to re-resolve a saved configuration). */
  public Map<String, String> asStrings() {
    Map<String, String> m = new LinkedHashMap<>();
    values.forEach((k, v) -> m.put(k, v.toString()));
    return m;
  }

  /** Keys a resumed run may change: where and how it runs, not what it computes. */
  static final java.util.Set<String> RESUMABLE = java.util.Set.of("out", "data", "threads",
      "loader_threads", "eval_every", "checkpoint_every", "log_every", "stop_after",
      "divergence_factor");

  /** The default of a run key (null: not a run key, e.g. an optimizer's). */
  static Object defaultOf(String key) {
    for (Key k : KEYS) {
      if (k.name().equals(key)) {
        return k.def();
      }
    }
    return null;
  }

  /** Every key a user can set, for help and messages. */
  static Collection<String> runKeys() {
    List<String> out = new ArrayList<>();
    for (Key k : KEYS) {
      out.add(k.name());
    }
    return out;
  }
}
