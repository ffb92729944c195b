package tailor.app.internal;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tailor.api.Names;
import tailor.api.TailorException;
import tailor.api.optim.Optimizer;
import tailor.api.optim.OptimizerProvider;

/**
 * {@code tailor train}: trains a (shaped) network on a dataset, showing progress, and writes
 * the resolved configuration, metrics (CSV and JSON lines), a plot, checkpoints and the final
 * weights (safetensors) into the output folder. {@code --resume DIR} continues a run.
 */
final class TrainCommand {
  private final PluginCatalog plugins;

  @Inject
  TrainCommand(PluginCatalog plugins) {
    this.plugins = plugins;
  }

  static String usage() {
    StringBuilder b = new StringBuilder();
    b.append("usage: tailor train [--key value ...] [--set key=value ...] [--config FILE.json] ")
        .append("[--resume DIR] [--quiet]\n\n");
    b.append("Trains a deep vanilla network (no skips, no normalization by default) on a dataset.\n");
    b.append("With no options: a 24-layer TAT leaky-ReLU MLP on the embedded UCI digits set.\n");
    b.append("Every setting is a flag (dashes or underscores), a --set key=value, a key of the\n");
    b.append("--config JSON file or a TAILOR_<KEY> environment variable; command line > file >\n");
    b.append("environment > default. Optimizer settings: --set optimizer.<name>.<key>=v, or the\n");
    b.append("shorthands --lr, --schedule, --warmup, --weight-decay, --momentum, --nesterov.\n");
    b.append("SGD starts at lr 0.005 here (its preset 0.1 is the paper's, for batch 1024 on ImageNet).\n\n");
    b.append("settings:\n");
    for (RunConfig.Key k : RunConfig.KEYS) {
      b.append(String.format(Locale.ROOT, "  --%-18s %-10s %s%n", k.name().replace('_', '-'),
          k.def().toString().isEmpty() ? "\"\"" : k.def(), k.help()));
    }
    b.append("\noutputs in --out: config.json, metrics.csv, metrics.jsonl, training.png, checkpoint.tlr,\n");
    b.append("model.safetensors (with model.json, what rebuilds it), summary.json");
    return b.toString();
  }

  /**
   * Every plugin's own settings with their defaults, optimizers first (--set KIND.NAME.KEY=V),
   * and their help lines where the plugin gives them.
   */
  static String optimizerUsage(PluginCatalog plugins) {
    StringBuilder b = new StringBuilder();
    for (String kind : RunConfig.PLUGIN_KINDS) {
      StringBuilder part = new StringBuilder();
      for (String name : plugins.names(kind)) {
        Map<String, Object> d = plugins.settings(kind, name, "--help");
        if (d.isEmpty()) {
          continue;
        }
        Map<String, String> help = plugins.settingsHelp(kind, name);
        part.append("  ").append(name).append(": ");
        List<String> kv = new ArrayList<>();
        d.forEach((k, v) -> kv.add(k + "=" + v));
        part.append(String.join(", ", kv)).append('\n');
        help.forEach((k, h) -> part.append("    ").append(k).append(": ").append(h).append('\n'));
      }
      if (part.length() > 0) {
        b.append(String.format(Locale.ROOT, "%n%s settings (--set %s.<name>.<key>=value; --%s "
            + "chooses the plugin):%n", kind, kind, kind)).append(part);
      }
    }
    return b.toString().stripTrailing();
  }

  /** Parsed command line: flag layer, config file, resume folder, quiet. */
  record Line(Map<String, String> values, Path config, Path resume, boolean quiet, boolean help) {}

  static Line parse(List<String> tokens, java.util.Collection<String> extraKeys) {
    Map<String, String> values = new LinkedHashMap<>();
    Path config = null;
    Path resume = null;
    boolean quiet = false;
    boolean help = false;
    List<String> known = new ArrayList<>(RunConfig.runKeys());
    known.addAll(RunConfig.OPTIMIZER_SHORTHANDS.keySet());
    known.addAll(extraKeys);
    for (int i = 0; i < tokens.size(); i++) {
      String t = tokens.get(i);
      if (!t.startsWith("--")) {
        throw TailorException.user("unexpected argument '" + t + "' (from tailor train); settings are "
            + "--key value or --set key=value");
      }
      String name = t.substring(2);
      String value = null;
      int eq = name.indexOf('=');
      if (eq >= 0 && !name.startsWith("set")) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      }
      if (name.equals("quiet")) {
        quiet = true;
        continue;
      }
      if (name.equals("help")) {
        help = true;
        continue;
      }
      if (value == null && !name.startsWith("set=")) {
        if (i + 1 >= tokens.size()) {
          throw TailorException.user("--" + name + " needs a value (from tailor train)");
        }
        value = tokens.get(++i);
      }
      if (name.startsWith("set")) {
        String kv = name.startsWith("set=") ? name.substring(4) : value;
        int e = kv.indexOf('=');
        if (e <= 0) {
          throw TailorException.user("--set " + kv + " is not key=value, e.g. --set optimizer.sgd.momentum=0.95");
        }
        values.put(kv.substring(0, e).trim().replace('-', '_'), kv.substring(e + 1));
        continue;
      }
      String key = name.replace('-', '_');
      switch (key) {
        case "config":
          config = Path.of(value);
          continue;
        case "resume":
          resume = Path.of(value);
          continue;
        default:
          break;
      }
      if (!known.contains(key)) {
        List<String> flags = new ArrayList<>();
        for (String k : known) {
          flags.add("--" + k.replace('_', '-'));
        }
        flags.addAll(List.of("--set", "--config", "--resume", "--quiet"));
        throw TailorException.user(Names.unknown("option", "--" + name, "tailor train", flags));
      }
      values.put(key, value);
    }
    return new Line(values, config, resume, quiet, help);
  }

  int run(List<String> tokens, PrintStream out, PrintStream err) {
    Line line = parse(tokens, List.of());
    if (line.help()) {
      out.println(usage());
      out.println(optimizerUsage(plugins));
      return 0;
    }
    List<RunConfig.Layer> layers = new ArrayList<>();
    layers.add(RunConfig.trainDefaults());
    Checkpoint resumed = null;
    if (line.resume() != null) {
      if (stoppedBeforeFirstCheckpoint(line.resume())) {
        throw TailorException.user(line.resume() + " holds a run that stopped before its first "
            + "checkpoint (" + Checkpoint.FILE + "), so there is nothing to resume; start it again "
            + "with the same command without --resume: it reuses " + line.resume());
      }
      resumed = Checkpoint.read(line.resume());
      Map<String, String> saved = values(resumed.config);
      saved.remove("stop_after"); // an interruption point applies to the run that set it
      saved.remove("out"); // a resumed run writes where it resumes, unless --out says otherwise
      layers.add(RunConfig.Layer.saved("checkpoint " + line.resume(), saved,
          RunConfig.savedDefaults(resumed.config)));
    }
    layers.add(RunConfig.environment(System.getenv()));
    if (line.config() != null) {
      layers.add(RunConfig.file(line.config()));
    }
    Map<String, String> cli = new LinkedHashMap<>(line.values());
    layers.add(new RunConfig.Layer("command line", cli));
    RunConfig c = RunConfig.resolve((kind, name) -> plugins.settings(kind, name, "--" + kind), layers);
    if (resumed != null) {
      requireSameRun(resumed, c, line.resume());
      c.changesOnResume(changesOnResume(resumed, c));
    }
    Path dir = outputFolder(c, line.resume());
    if (resumed == null && stoppedBeforeFirstCheckpoint(dir)) {
      out.printf(Locale.ROOT, "tailor train: %s holds a run that stopped before its first "
          + "checkpoint; starting it again there%n", dir);
    }
    try {
      return train(line, c, resumed, dir, out, err);
    } catch (TailorException e) {
      removeIfEmpty(dir); // a run refused before it wrote anything leaves no empty folder
      throw e;
    }
  }

  /** Deletes a folder that holds nothing (best effort). */
  private static void removeIfEmpty(Path dir) {
    try (java.util.stream.Stream<Path> s = Files.list(dir)) {
      if (s.findAny().isEmpty()) {
        Files.deleteIfExists(dir);
      }
    } catch (IOException e) {
      // leave it
    }
  }

  private int train(Line line, RunConfig c, Checkpoint resumed, Path dir, PrintStream out,
      PrintStream err) {
    OptimizerProvider provider = plugins.optimizer(c.string("optimizer"), c.source("optimizer"));
    try (ModelBuild b = new ModelBuild(plugins, c)) {
      Optimizer optimizer = provider.create(optimizerSettings(c, b.data.size(
          tailor.api.data.Split.TRAIN)));
      Trainer trainer = new Trainer(b, optimizer, dir, new Progress(err, System.console() != null,
          line.quiet()));
      Checkpoint.Position start = new Checkpoint.Position(0, 0, 0, Double.NaN, 0);
      if (resumed != null) {
        start = trainer.restore(resumed);
      }
      Io.writeAtomically(dir.resolve("config.json"),
          tmp -> Files.writeString(tmp, Io.GSON.toJson(c.toJson())));
      out.printf(Locale.ROOT, "tailor train: %s%n", b.data.describe());
      out.printf(Locale.ROOT, "  model %s: %,d parameters, %d nonlinear layers on the longest path, %.1f MFLOP/example%n",
          b.graph.describe(), b.summary.params(), b.graph.nonlinearDepth(), b.summary.flops() / 1e6);
      out.printf(Locale.ROOT, "  activation %s (%s), init %s, backend %s with %d threads%n",
          b.activation, b.transformName, b.initializer.name(), c.string("backend"), b.threads);
      out.printf(Locale.ROOT, "  optimizer %s %s; %d steps (%d per epoch, batch %d)%s%n",
          provider.name(), c.optimizerSettings(), trainer.totalSteps(), trainer.stepsPerEpoch(),
          c.integer("batch"), resumed == null ? "" : String.format(Locale.ROOT,
              "; resuming at step %d", start.step()));
      out.printf(Locale.ROOT, "  results in %s%n", dir);
      Trainer.Outcome o;
      try (Metrics metrics = new Metrics(dir, resumed != null, start.step());
          Interruption signals = Interruption.install()) {
        try {
          o = trainer.run(start, metrics);
        } finally {
          TrainPlot.write(dir.resolve("training.png"), b.graph.describe() + ", " + b.transformName
              + ", " + provider.name(), metrics.rows());
        }
      }
      trainer.export(dir.resolve("model.safetensors"), o.steps());
      JsonObject summary = new JsonObject();
      summary.addProperty("steps", o.steps());
      summary.addProperty("total_steps", trainer.totalSteps());
      summary.addProperty("stopped_early", o.stoppedEarly());
      summary.addProperty("last_train_loss", o.lastLoss());
      summary.addProperty("train_seconds", o.trainSeconds()); // over all runs of a resumed run
      if (Double.isFinite(o.imagesPerSecond())) {
        summary.addProperty("train_images_per_s", o.imagesPerSecond()); // this run's rate
      }
      // "test_*" are the evaluation's figures; with --holdout they are the held-out training
      // examples', which evaluated_on says
      summary.addProperty("evaluated_on", b.evaluatedOn);
      if (o.eval() != null) {
        summary.addProperty("test_loss", o.eval().loss());
        summary.addProperty("test_top1", o.eval().top1());
        if (!Double.isNaN(o.eval().top5())) {
          summary.addProperty("test_top5", o.eval().top5());
        }
        summary.addProperty("test_examples", o.eval().examples());
      }
      summary.addProperty("model", b.graph.describe());
      summary.addProperty("nonlinear_depth", b.graph.nonlinearDepth());
      summary.addProperty("parameters", b.summary.params());
      summary.addProperty("activation", b.activation.toString());
      Io.writeAtomically(dir.resolve("summary.json"),
          tmp -> Files.writeString(tmp, Io.GSON.toJson(summary)));
      if (o.signal() != null) {
        err.printf(Locale.ROOT, "tailor train: stopped by SIG%s after step %d of %d with a "
            + "checkpoint; continue with: tailor train --resume %s%n", o.signal(), o.steps(),
            trainer.totalSteps(), dir);
        return Interruption.exitCode(o.signal());
      } else if (o.stoppedEarly()) {
        out.printf(Locale.ROOT, "stopped after step %d of %d (--stop-after); continue with: tailor train --resume %s%n",
            o.steps(), trainer.totalSteps(), dir);
      } else {
        out.printf(Locale.ROOT, "done: %d steps in %.1f s of training (%s); " + b.evaluatedOn
            + " loss %.4f, top-1 %.2f%%%s%n",
            o.steps(), o.trainSeconds(), Double.isFinite(o.imagesPerSecond())
                ? String.format(Locale.ROOT, "%.0f images/s", o.imagesPerSecond()) : "no steps left to run",
            o.eval().loss(), 100 * o.eval().top1(),
            Double.isNaN(o.eval().top5()) ? "" : String.format(Locale.ROOT, ", top-5 %.2f%%",
                100 * o.eval().top5()));
      }
      return 0;
    }
  }

  /** A saved configuration's values as strings. */
  static Map<String, String> values(JsonObject config) {
    Map<String, String> m = new LinkedHashMap<>();
    JsonObject v = config.getAsJsonObject("values");
    for (Map.Entry<String, JsonElement> e : v.entrySet()) {
      m.put(e.getKey(), e.getValue().getAsString());
    }
    return m;
  }

  /** A resumed run must compute the same thing: only where/how-it-runs keys may change. */
  static void requireSameRun(Checkpoint ck, RunConfig c, Path dir) {
    Map<String, String> saved = values(ck.config);
    String rate = learningRateKey(c);
    for (Map.Entry<String, Object> e : c.values().entrySet()) {
      String k = e.getKey();
      if (RunConfig.RESUMABLE.contains(k) || k.equals(rate)) {
        continue; // the learning rate may change (after a divergence): recorded in config.json
      }
      String before = saved.get(k);
      String now = e.getValue().toString();
      Object def = RunConfig.defaultOf(k);
      if (before == null && (def != null && sameValue(def.toString(), now) || c.isDefault(k))) {
        continue; // a key newer than the checkpoint, at its default: the same run
      }
      if (before == null || !sameValue(before, now)) {
        throw TailorException.user(String.format(Locale.ROOT,
            "the checkpoint in %s was written with %s = %s, but this run has %s = %s (from %s); a "
                + "resumed run may only change %s. Drop the option or start a new run with --out",
            dir, k, before == null ? "(unset)" : before, k, now, c.source(k),
            String.join(", ", new java.util.TreeSet<>(RunConfig.RESUMABLE))));
      }
    }
  }

  /** The key of the run's optimizer's learning rate. */
  static String learningRateKey(RunConfig c) {
    return "optimizer." + c.string("optimizer") + ".learning_rate";
  }

  /**
   * The checkpoint's record of changes on resume, plus this resume's change of the learning
   * rate, if any ({step, key, from, to}).
   */
  static com.google.gson.JsonArray changesOnResume(Checkpoint ck, RunConfig c) {
    com.google.gson.JsonArray changes = ck.config.has("changes_on_resume")
        ? ck.config.getAsJsonArray("changes_on_resume").deepCopy() : new com.google.gson.JsonArray();
    String k = learningRateKey(c);
    String before = values(ck.config).get(k);
    String now = String.valueOf(c.values().get(k));
    if (before != null && !sameValue(before, now)) {
      JsonObject ch = new JsonObject();
      ch.addProperty("step", ck.position.step());
      ch.addProperty("key", k);
      ch.addProperty("from", before);
      ch.addProperty("to", now);
      ch.addProperty("source", c.source(k));
      changes.add(ch);
    }
    return changes;
  }

  private static boolean sameValue(String a, String b) {
    if (a.equals(b)) {
      return true;
    }
    try {
      return Double.parseDouble(a) == Double.parseDouble(b);
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static Path outputFolder(RunConfig c, Path resume) {
    String o = c.string("out");
    Path dir;
    if (!o.isEmpty()) {
      dir = Path.of(o);
    } else if (resume != null) {
      dir = resume;
    } else {
      String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
      dir = Path.of("runs", stamp + "-" + c.string("dataset") + "-" + c.string("model") + c.integer("depth"));
      for (int i = 2; Files.exists(dir); i++) {
        dir = Path.of("runs", stamp + "-" + c.string("dataset") + "-" + c.string("model")
            + c.integer("depth") + "-" + i);
      }
    }
    boolean same = resume != null && dir.toAbsolutePath().normalize().equals(resume.toAbsolutePath().normalize());
    // A folder with a checkpoint (or a finished run) holds work to continue; one with metrics but
    // neither holds a run that stopped before its first checkpoint: it starts again there.
    if (!same && (Files.exists(dir.resolve(Checkpoint.FILE)) || Files.exists(dir.resolve("summary.json")))) {
      throw TailorException.user(dir + " already holds a training run; continue it with --resume " + dir
          + ", or choose another --out (nothing there was changed)");
    }
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw TailorException.user("cannot create the output folder " + dir + ": " + e.getMessage());
    }
    Io.removeStaleTemporaries(dir); // what a killed checkpoint or metrics write left
    return dir;
  }

  /** Whether a folder holds a run that stopped before it wrote its first checkpoint. */
  static boolean stoppedBeforeFirstCheckpoint(Path dir) {
    return !Files.exists(dir.resolve(Checkpoint.FILE)) && !Files.exists(dir.resolve("summary.json"))
        && (Files.exists(dir.resolve("metrics.jsonl")) || Files.exists(dir.resolve("config.json")));
  }

  /**
   * The optimizer's settings, with --warmup-epochs turned into the warm-up fraction of this run
   * (epochs of the training split over the run's steps).
   */
  /** The source the configuration gives a warm-up fraction computed from --warmup-epochs. */
  static final String WARMUP_SOURCE = "--warmup-epochs";

  static Map<String, Object> optimizerSettings(RunConfig c, int trainExamples) {
    Map<String, Object> os = new LinkedHashMap<>(c.optimizerSettings());
    double we = c.number("warmup_epochs");
    if (we == 0) {
      return os;
    }
    String key = "optimizer." + c.string("optimizer") + ".warmup";
    if (!(we > 0)) {
      throw TailorException.user(String.format(Locale.ROOT, "--warmup-epochs %s (from %s) must "
          + "be >= 0 (0: the optimizer's warmup fraction)", we, c.source("warmup_epochs")));
    }
    long batch = Math.max(1, c.integer("batch"));
    long perEpoch = Math.max(1, tailor.datasets.BatchStream.batchesPerEpoch(trainExamples,
        (int) batch, true));
    long steps = c.integer("steps");
    long total = steps > 0 ? steps : c.integer("epochs") * perEpoch;
    double fraction = total <= 0 ? 0 : we * perEpoch / total;
    if (!(fraction < 1)) {
      throw TailorException.user(String.format(Locale.ROOT, "--warmup-epochs %s is %d steps, "
          + "not shorter than the run's %d; warm up for fewer epochs", we,
          Math.round(we * perEpoch), total));
    }
    // a resumed run's saved configuration holds the fraction this computed
    boolean explicit = os.containsKey("warmup") && !c.source(key).startsWith("optimizer ")
        && !c.source(key).equals(WARMUP_SOURCE);
    if (explicit && Math.abs(((Number) os.get("warmup")).doubleValue() - fraction) > 1e-12) {
      throw TailorException.user(String.format(Locale.ROOT, "both --warmup-epochs (from %s) and "
          + "%s (from %s) set the warm-up; give one", c.source("warmup_epochs"), key, c.source(key)));
    }
    os.put("warmup", fraction);
    c.override(key, fraction, WARMUP_SOURCE);
    return os;
  }
}
