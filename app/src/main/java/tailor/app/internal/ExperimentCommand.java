package tailor.app.internal;

import com.google.gson.JsonObject;
import jakarta.inject.Inject;
import jakarta.inject.Provider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import tailor.api.TailorException;

/**
 * {@code tailor experiment --preset NAME}: runs a grid of training runs (each a {@code tailor
 * train} run in its own folder under {@code runs/}), skipping finished and failed ones when
 * started again and resuming interrupted ones from their checkpoints, and writes
 * {@code results.md}, {@code results.csv} and plots after every run.
 */
final class ExperimentCommand {
  /** What a cell's folder says about it. */
  enum State { PENDING, PARTIAL, DONE, FAILED }

  private final Provider<TrainCommand> train;
  private final PluginCatalog plugins;

  @Inject
  ExperimentCommand(Provider<TrainCommand> train, PluginCatalog plugins) {
    this.train = train;
    this.plugins = plugins;
  }

  static String usage() {
    return String.join("\n",
        "usage: tailor experiment --preset NAME [--out DIR] [--data DIR] [--threads N] [--backend B] [--list]",
        "                         [--notes FILE] [--retry-failed] [--report-only] [--probes-only]",
        "                         [--probe 'KEY=V1,V2,...;KEY=...'] [--probe-holdout F] [--probe-steps N]",
        "",
        "Runs a grid of training runs (method x architecture x optimizer) and writes results.md,",
        "results.csv, results-plots/*.png and every run's folder under DIR/runs. Started again, it",
        "skips finished runs (and failed ones, unless --retry-failed) and resumes interrupted runs",
        "from their last checkpoint.",
        "",
        "presets:",
        "  cifar-study   the study docs/results.md publishes: TAT vs EOC at depths 20 and 56,",
        "                K-FAC vs SGD, the BN ResNet-56, probed rates, 2 seeds (about 7 h here)",
        "  cifar-quick   the pre-issue-15 grid at small scale (fixed rates, one seed; about 4 h)",
        "  cifar-smoke   5 tiny CIFAR-10 runs: the machinery end to end (a few minutes)",
        "  digits-smoke  4 runs on the embedded digits set (under a minute, no --data)",
        "  cifar         the CIFAR-10 study at full width (for a GPU)",
        "  imagenet      the paper's ImageNet settings (for a GPU cluster)",
        "",
        "options:",
        "  --out DIR        where results and runs go (default experiments/<preset>)",
        "  --data DIR       the dataset's folder (CIFAR-10: a cifar-10-batches-bin folder or JPEG",
        "                   folders train/ and test/; default: TAILOR_DATA)",
        "  --threads N      intra-op threads of every run (default 0: all cores)",
        "  --backend B      compute backend of every run (default cpu; cuda for the GPU presets)",
        "  --list           print the grid and what is done, run nothing",
        "  --notes FILE     a Markdown file included in results.md under 'Notes'",
        "  --retry-failed   run failed cells again",
        "  --report-only    rewrite results.md/csv/plots from the runs so far, run nothing",
        "  --probes-only    run what is left of every cell's probes, none of the cells' runs (a",
        "                   grid that spans sessions chooses all its rates first)",
        "  --probe GRID     a probe stage (replacing the preset's): before each cell, short runs at",
        "                   every point of the grid (keys that apply to the cell's optimizer,",
        "                   values crossed), scored on held-out training examples; the cell runs at",
        "                   the best point (held-out top-1)",
        "  --probe-holdout F  the held-out share of the training split (default 0.1)",
        "  --probe-steps N  the probe runs' length in steps (default: the preset's probe, else 200)");
  }

  int run(List<String> tokens, PrintStream out, PrintStream err) {
    Args a = Args.parse(tokens, Set.of("preset", "out", "data", "threads", "notes", "backend",
        "probe", "probe-holdout", "probe-steps"),
        Set.of("help", "list", "retry-failed", "report-only", "probes-only"), "experiment");
    if (a.flag("help")) {
      out.println(usage());
      return 0;
    }
    if (!a.positional().isEmpty()) {
      throw TailorException.user("unexpected argument '" + a.positional().get(0)
          + "' (from tailor experiment); give the grid as --preset NAME");
    }
    String name = a.string("preset", null);
    if (name == null) {
      throw TailorException.user("tailor experiment needs --preset NAME; presets: "
          + String.join(", ", Experiment.NAMES));
    }
    Experiment.Preset p = withProbeOptions(Experiment.preset(name, "--preset"), a);
    Path dir = Path.of(a.string("out", "experiments/" + name));
    Integer t = a.integer("threads");
    long threads = t == null ? 0 : t;
    if (threads < 0) {
      throw TailorException.user("--threads " + threads + " must be >= 0 (0: all cores)");
    }
    String data = a.string("data", System.getenv().getOrDefault("TAILOR_DATA", ""));
    Path notes = a.has("notes") ? Path.of(a.string("notes", "")) : null;
    if (notes != null && !Files.isRegularFile(notes)) {
      throw TailorException.user("--notes " + notes + " is not a file; give a Markdown file to include");
    }
    String backend = a.string("backend", "cpu");
    boolean runNothing = a.flag("list") || a.flag("report-only");
    if (p.needsData() && data.isEmpty() && !runNothing) {
      throw TailorException.user("--preset " + name + " trains on " + p.base().get("dataset")
          + " and needs its files: pass --data DIR (or set TAILOR_DATA)");
    }
    if (!data.isEmpty() && !Files.isDirectory(Path.of(data))) {
      throw TailorException.user("--data " + data + " is not a folder");
    }
    Path runs = dir.resolve("runs");
    if (a.flag("list")) {
      list(p, runs, out);
      return 0;
    }
    try {
      Files.createDirectories(runs);
    } catch (IOException e) {
      throw TailorException.resource("cannot create " + runs + ": " + e.getMessage(), e);
    }
    try (FileChannel ch = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE); FileLock lock = tryLock(ch)) {
      if (lock == null) {
        throw TailorException.user("another tailor experiment is running in " + dir
            + "; wait for it or use another --out");
      }
      ExperimentReport report = new ExperimentReport(p, dir, notes);
      if (a.flag("report-only")) {
        report.write();
        out.println("report: " + dir.resolve("results.md"));
        return 0;
      }
      int n = p.cells().size();
      int ran = 0;
      boolean retry = a.flag("retry-failed");
      try {
        ran = runGrid(p, dir, runs, data, threads, backend, retry, a.flag("probes-only"), report, out);
      } catch (Stopped s) {
        report.write();
        err.printf(Locale.ROOT, "tailor experiment: stopped by a signal in %s (its checkpoint is "
            + "written); start the same command again to resume the grid%n", s.run);
        return s.code;
      }
      if (ran == 0) {
        report.write(); // after a run, the loop has written it
      }
      out.printf(Locale.ROOT, "tailor experiment %s: %d runs, %d run now; results in %s%n", name, n,
          ran, dir.resolve("results.md"));
      return 0;
    } catch (IOException e) {
      throw TailorException.resource("cannot lock " + dir.resolve(".lock") + ": " + e.getMessage(), e);
    }
  }

  /** Runs what is left of the grid (probes, then each cell); returns how many runs it ran. */
  private int runGrid(Experiment.Preset p, Path dir, Path runs, String data, long threads,
      String backend, boolean retry, boolean probesOnly, ExperimentReport report, PrintStream out) {
    int n = p.cells().size();
    int ran = 0;
    for (int i = 0; i < n; i++) {
      Experiment.Cell c = p.cells().get(i);
      String tag = String.format(Locale.ROOT, "[%d/%d] %s", i + 1, n, c.id());
      Map<String, String> chosen = Map.of();
      if (p.probe() != null) {
        List<Map<String, String>> points = p.probe().points(c.optimizer());
        for (int k = 0; k < points.size(); k++) {
          Path pd = probeDir(dir, c, points.get(k));
          Map<String, String> ps = probeSettings(c, p, points.get(k));
          State s = state(pd, ps, retry);
          String ptag = String.format(Locale.ROOT, "%s probe %d/%d %s", tag, k + 1, points.size(),
              points.get(k));
          if (s == State.DONE || s == State.FAILED) {
            continue;
          }
          out.printf(Locale.ROOT, "%s: %s%n", ptag, s == State.PARTIAL ? "resuming" : "running");
          out.flush();
          Outcome o = runCell(c, p, "probe of " + c.id(), ps, pd, data, threads, backend,
              s == State.PARTIAL);
          ran++;
          out.printf(Locale.ROOT, "%s: %s (%.0f s)%n", ptag, o.message(), o.wallSeconds());
        }
        List<Scored> scored = scored(dir, c, p);
        chosen = points.isEmpty() ? Map.of() : choose(scored);
        if (chosen == null) {
          boolean pending = scored.stream().anyMatch(x -> !x.current());
          out.printf(Locale.ROOT, "%s: %s (see %s), the cell is not run%n", tag, pending
              ? "a probe has not finished" : "no probe trained",
              dir.resolve("probes").resolve(c.group()));
          report.write();
          continue;
        }
      }
      Path rd = runs.resolve(c.id());
      Map<String, String> cs = new LinkedHashMap<>(settings(c, p));
      cs.putAll(chosen);
      State s = state(rd, cs, retry);
      if (probesOnly) {
        if (s != State.DONE && s != State.FAILED) {
          out.printf(Locale.ROOT, "%s: probes done%s; the run is left for later (--probes-only)%n",
              tag, chosen.isEmpty() ? "" : ", chosen " + chosen);
        }
        continue;
      }
      if (s == State.DONE || s == State.FAILED) {
        out.printf(Locale.ROOT, "%s: %s, not run again%n", tag, s == State.DONE ? "finished" : "failed");
        continue;
      }
      out.printf(Locale.ROOT, "%s: %s%s%n", tag, s == State.PARTIAL ? "resuming" : "running",
          chosen.isEmpty() ? "" : " at the probed " + chosen);
      out.flush();
      Outcome o = runCell(c, p, c.id(), cs, rd, data, threads, backend, s == State.PARTIAL);
      ran++;
      out.printf(Locale.ROOT, "%s: %s (%.0f s)%n", tag, o.message(), o.wallSeconds());
      report.write();
    }
    return ran;
  }

  /** The folder's lock, or null when another process (or this one) holds it. */
  private static FileLock tryLock(FileChannel ch) throws IOException {
    try {
      return ch.tryLock();
    } catch (java.nio.channels.OverlappingFileLockException e) {
      return null;
    }
  }

  private static void list(Experiment.Preset p, Path runs, PrintStream out) {
    out.printf(Locale.ROOT, "%s: %s%n  reduced: %s%n  expected time: %s%n  shared settings: %s%n",
        p.name(), p.summary(), p.reductions(), p.estimate(), p.base());
    int i = 0;
    for (Experiment.Cell c : p.cells()) {
      Map<String, String> cs = new LinkedHashMap<>(settings(c, p));
      Path dir = runs.getParent();
      Map<String, String> chosen = chosen(dir, c, p);
      if (chosen != null) {
        cs.putAll(chosen);
      }
      State s = chosen == null ? State.PENDING : state(runs.resolve(c.id()), cs, false);
      out.printf(Locale.ROOT, "  %2d %-36s %-8s %s%n", ++i, c.id(), s.name().toLowerCase(Locale.ROOT),
          c.settings());
    }
  }

  /** A cell's settings as they are written into its folder (cell.json) and passed to train. */
  static Map<String, String> settings(Experiment.Cell c, Experiment.Preset p) {
    Map<String, String> s = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : p.base().entrySet()) {
      // the shared settings name every optimizer's keys; a run takes its own optimizer's
      if (Experiment.appliesTo(e.getKey(), c.optimizer())) {
        s.put(e.getKey(), e.getValue());
      }
    }
    s.putAll(c.settings());
    if (c.seed() != 0) {
      s.put("seed", Integer.toString(p.baseSeed() + c.seed()));
    }
    return s;
  }

  /**
   * A cell's state from its folder. A folder written for other settings (the preset changed) is
   * moved aside and the cell runs again.
   */
  static State state(Path rd, Experiment.Cell c, Experiment.Preset p, boolean retryFailed) {
    return state(rd, settings(c, p), retryFailed);
  }

  /** The state of a run folder that should hold a run of {@code expected}. */
  static State state(Path rd, Map<String, String> expected, boolean retryFailed) {
    if (!Files.isDirectory(rd)) {
      return State.PENDING;
    }
    Path cellFile = rd.resolve("cell.json");
    try {
      if (!Files.isRegularFile(cellFile)) {
        return State.PENDING;
      }
      JsonObject saved = ExperimentReport.json(cellFile).getAsJsonObject("settings");
      if (!saved.equals(Io.GSON.toJsonTree(expected))) {
        return State.PENDING; // runCell moves the stale folder aside
      }
    } catch (IOException | RuntimeException e) {
      return State.PENDING;
    }
    if (finished(rd)) {
      return State.DONE;
    }
    if (Files.isRegularFile(rd.resolve("failed.json"))) {
      return retryFailed ? State.PENDING : State.FAILED;
    }
    return Files.isRegularFile(rd.resolve(Checkpoint.FILE)) ? State.PARTIAL : State.PENDING;
  }

  /** Whether the folder holds a run that went to its end (not one stopped by stop_after). */
  static boolean finished(Path rd) {
    Path summary = rd.resolve("summary.json");
    if (!Files.isRegularFile(summary)) {
      return false;
    }
    try {
      JsonObject o = ExperimentReport.json(summary);
      return !(o.has("stopped_early") && o.get("stopped_early").getAsBoolean());
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  record Outcome(String message, double wallSeconds) {}

  /** A run stopped by a signal (its checkpoint written): the grid stops and says so. */
  static final class Stopped extends RuntimeException {
    final int code;
    final Path run;

    Stopped(int code, Path run) {
      super(null, null, false, false);
      this.code = code;
      this.run = run;
    }
  }

  private Outcome runCell(Experiment.Cell c, Experiment.Preset p, String id, Map<String, String> s,
      Path rd, String data, long threads, String backend, boolean resume) {
    if (!resume && Files.exists(rd)) {
      moveAside(rd);
    }
    try {
      Files.createDirectories(rd);
    } catch (IOException e) {
      throw TailorException.resource("cannot create " + rd + ": " + e.getMessage(), e);
    }
    JsonObject cell = new JsonObject();
    cell.addProperty("preset", p.name());
    cell.addProperty("id", id);
    cell.addProperty("method", c.method().label());
    cell.addProperty("architecture", c.arch().label());
    cell.addProperty("optimizer", c.optimizer());
    cell.add("settings", Io.GSON.toJsonTree(s));
    Io.writeAtomically(rd.resolve("cell.json"), tmp -> Files.writeString(tmp, Io.GSON.toJson(cell)));
    List<String> tokens = new ArrayList<>();
    for (Map.Entry<String, String> e : s.entrySet()) {
      tokens.add("--set");
      tokens.add(e.getKey() + "=" + e.getValue());
    }
    if (!data.isEmpty()) {
      tokens.addAll(List.of("--data", data));
    }
    tokens.addAll(List.of("--threads", Long.toString(threads), "--backend", backend, "--out",
        rd.toString(), "--quiet"));
    if (resume) {
      tokens.addAll(List.of("--resume", rd.toString()));
    }
    long t0 = System.nanoTime();
    String error = null;
    try (OutputStream logFile = Files.newOutputStream(rd.resolve("train.log"),
        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        PrintStream log = new PrintStream(logFile, true, StandardCharsets.UTF_8)) {
      log.println("tailor train " + String.join(" ", tokens));
      try {
        int rc = train.get().run(tokens, log, log);
        if (rc == 130 || rc == 143) {
          // stopped by SIGINT/SIGTERM with a checkpoint: not a failure; the grid stops too
          throw new Stopped(rc, rd);
        }
        if (rc != 0) {
          error = "tailor train exited with code " + rc;
        }
      } catch (TailorException e) {
        error = e.getMessage();
      } catch (Stopped e) {
        log.println("stopped by a signal; resumes from its checkpoint");
        throw e;
      } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
        error = "internal error: " + e;
        ByteArrayOutputStream trace = new ByteArrayOutputStream();
        e.printStackTrace(new PrintStream(trace, true, StandardCharsets.UTF_8));
        log.print(trace.toString(StandardCharsets.UTF_8));
      }
      if (error != null) {
        log.println("failed: " + error);
      }
    } catch (IOException e) {
      throw TailorException.resource("cannot write " + rd.resolve("train.log") + ": " + e.getMessage(), e);
    }
    double wall = (System.nanoTime() - t0) / 1e9;
    JsonObject record = new JsonObject();
    record.addProperty("finished", Instant.now().toString());
    record.addProperty("wall_seconds", wall);
    if (error != null) {
      record.addProperty("error", error);
      Io.writeAtomically(rd.resolve("failed.json"), tmp -> Files.writeString(tmp, Io.GSON.toJson(record)));
      return new Outcome("failed: " + error, wall);
    }
    Io.writeAtomically(rd.resolve("experiment.json"), tmp -> Files.writeString(tmp, Io.GSON.toJson(record)));
    ExperimentReport.Result r = ExperimentReport.Result.read(rd);
    return new Outcome(String.format(Locale.ROOT, "%s top-1 %.2f%%, train loss %.4f",
        s.containsKey("holdout") ? "held-out" : "test", 100 * r.top1(), r.trainLoss()), wall);
  }

  /**
   * The folder of a cell's probe run at a point (a seed repeat shares its first run's probes),
   * named after the point, so that a grid widened later keeps the probes it already ran.
   */
  static Path probeDir(Path dir, Experiment.Cell c, Map<String, String> point) {
    List<String> parts = new ArrayList<>();
    String own = "optimizer." + c.optimizer() + ".";
    point.forEach((k, v) -> parts.add((k.startsWith(own) ? k.substring(own.length()) : k) + "="
        + v.replace('/', '_')));
    return dir.resolve("probes").resolve(c.group()).resolve(String.join(",", parts));
  }

  /**
   * A probe run's settings: the cell's at the preset's seed (so that every seed repeat of a
   * cell runs at the point its first run's probes chose), the probe's, the held-out share and
   * the point.
   */
  static Map<String, String> probeSettings(Experiment.Cell c, Experiment.Preset p,
      Map<String, String> point) {
    Map<String, String> s = new LinkedHashMap<>(settings(c, p));
    s.put("seed", Integer.toString(p.baseSeed()));
    s.putAll(p.probe().settings());
    s.put("holdout", Double.toString(p.probe().holdout()));
    s.putAll(point);
    return s;
  }

  /** A probe point and how its run ended. */
  record Scored(Map<String, String> point, ExperimentReport.Result result, boolean current) {}

  /** The probe runs of a cell, in grid order ({@code current}: the folder matches the point). */
  static List<Scored> scored(Path dir, Experiment.Cell c, Experiment.Preset p) {
    List<Scored> out = new ArrayList<>();
    List<Map<String, String>> points = p.probe().points(c.optimizer());
    for (int k = 0; k < points.size(); k++) {
      Path pd = probeDir(dir, c, points.get(k));
      State st = state(pd, probeSettings(c, p, points.get(k)), false);
      boolean current = st == State.DONE || st == State.FAILED;
      out.add(new Scored(points.get(k), current ? ExperimentReport.Result.read(pd) : null, current));
    }
    return out;
  }

  /**
   * The probed point a cell runs at: the finished probe with the best held-out top-1, ties
   * going to the lower held-out loss, then to the earlier point; null while a probe is still to
   * run or when none finished.
   */
  static Map<String, String> chosen(Path dir, Experiment.Cell c, Experiment.Preset p) {
    if (p.probe() == null || p.probe().points(c.optimizer()).isEmpty()) {
      return Map.of(); // nothing in the grid applies to this cell: it runs as the preset says
    }
    return choose(scored(dir, c, p));
  }

  /** The point {@link #chosen} picks from a cell's scored probes (null: none, or one pending). */
  static Map<String, String> choose(List<Scored> scored) {
    Scored best = null;
    for (Scored sc : scored) {
      if (!sc.current()) {
        return null;
      }
      ExperimentReport.Result r = sc.result();
      if (!r.status().equals("done") || !Double.isFinite(r.top1()) || !Double.isFinite(r.testLoss())) {
        continue;
      }
      if (best == null || r.top1() > best.result().top1()
          || (r.top1() == best.result().top1() && r.testLoss() < best.result().testLoss())) {
        best = sc;
      }
    }
    return best == null ? null : best.point();
  }

  /**
   * The preset with the probe stage the command line gives: --probe replaces the preset's grid
   * (keys checked against train's settings and the preset's optimizers' settings), with
   * --probe-holdout and --probe-steps.
   */
  private Experiment.Preset withProbeOptions(Experiment.Preset p, Args a) {
    if (!a.has("probe") && !a.has("probe-holdout") && !a.has("probe-steps")) {
      return p;
    }
    if (!a.has("probe") && p.probe() == null) {
      throw TailorException.user("--probe-holdout and --probe-steps need a probe grid: preset "
          + p.name() + " has none; give one with --probe 'optimizer.sgd.learning_rate=0.003,0.01'");
    }
    Map<String, List<String>> grid = p.probe() == null ? Map.of() : p.probe().grid();
    if (a.has("probe")) {
      grid = parseGrid(a.string("probe", ""), p);
    }
    double holdout = p.probe() == null ? 0.1 : p.probe().holdout();
    if (a.has("probe-holdout")) {
      String h = a.string("probe-holdout", "");
      try {
        holdout = Double.parseDouble(h);
      } catch (NumberFormatException e) {
        throw TailorException.user("--probe-holdout '" + h + "' is not a number; give the "
            + "held-out share of the training split, e.g. 0.1");
      }
      if (!(holdout > 0 && holdout < 1)) {
        throw TailorException.user("--probe-holdout " + h + " is outside (0, 1); give the "
            + "held-out share of the training split, e.g. 0.1");
      }
    }
    // A probe's warm-up is the optimizer's fraction of the probe, not the cell's epochs (which
    // may be longer than the whole probe).
    Map<String, String> settings = new LinkedHashMap<>(p.probe() == null
        ? Map.of("steps", "200", "epochs", "0", "warmup_epochs", "0") : p.probe().settings());
    if (a.has("probe-steps")) {
      Integer steps = a.integer("probe-steps");
      if (steps == null || steps < 1) {
        throw TailorException.user("--probe-steps must be >= 1");
      }
      settings.put("steps", Integer.toString(steps));
      settings.put("epochs", "0");
      settings.put("warmup_epochs", "0");
    }
    return p.withProbe(new Experiment.Probe(holdout, settings, grid));
  }

  /** KEY=V1,V2;KEY=... with every key a setting of train or of one of the preset's optimizers. */
  private Map<String, List<String>> parseGrid(String text, Experiment.Preset p) {
    Map<String, List<String>> grid = new LinkedHashMap<>();
    java.util.Set<String> runKeys = new java.util.TreeSet<>();
    for (RunConfig.Key k : RunConfig.KEYS) {
      runKeys.add(k.name());
    }
    for (String part : text.split(";")) {
      if (part.isBlank()) {
        continue;
      }
      int eq = part.indexOf('=');
      String key = (eq < 0 ? part : part.substring(0, eq)).trim();
      List<String> values = new ArrayList<>();
      if (eq >= 0) {
        for (String v : part.substring(eq + 1).split(",")) {
          if (!v.isBlank()) {
            values.add(v.trim());
          }
        }
      }
      if (values.isEmpty()) {
        throw TailorException.user("the probe grid of " + key + " (from --probe) has no values; "
            + "give them as " + key + "=V1,V2,...");
      }
      boolean known = runKeys.contains(key) && !key.equals("holdout") && !key.equals("out");
      if (key.startsWith("optimizer.")) {
        String rest = key.substring("optimizer.".length());
        int dot = rest.indexOf('.');
        String opt = dot < 0 ? rest : rest.substring(0, dot);
        known = dot > 0 && p.optimizers().contains(opt)
            && plugins.optimizer(opt, "--probe").defaults().containsKey(rest.substring(dot + 1));
      }
      if (!known) {
        List<String> all = new ArrayList<>(runKeys);
        all.removeAll(List.of("holdout", "out"));
        for (String o : p.optimizers()) {
          for (String k : plugins.optimizer(o, "--probe").defaults().keySet()) {
            all.add("optimizer." + o + "." + k);
          }
        }
        throw TailorException.user(tailor.api.Names.unknown("probe key", key, "--probe", all));
      }
      grid.put(key, values);
    }
    if (grid.isEmpty()) {
      throw TailorException.user("--probe has no keys; give KEY=V1,V2,... e.g. "
          + "optimizer.sgd.learning_rate=0.003,0.01");
    }
    return grid;
  }

  private static void moveAside(Path rd) {
    Path aside = rd.resolveSibling(rd.getFileName() + ".old-" + System.currentTimeMillis());
    try {
      Files.move(rd, aside);
    } catch (IOException e) {
      throw TailorException.resource("cannot move the outdated run " + rd + " aside: " + e.getMessage(), e);
    }
  }
}
