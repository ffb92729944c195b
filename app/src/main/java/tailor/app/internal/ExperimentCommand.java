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

  @Inject
  ExperimentCommand(Provider<TrainCommand> train) {
    this.train = train;
  }

  static String usage() {
    return String.join("\n",
        "usage: tailor experiment --preset NAME [--out DIR] [--data DIR] [--threads N] [--backend B] [--list]",
        "                         [--notes FILE] [--retry-failed] [--report-only]",
        "",
        "Runs a grid of training runs (method x architecture x optimizer) and writes results.md,",
        "results.csv, results-plots/*.png and every run's folder under DIR/runs. Started again, it",
        "skips finished runs (and failed ones, unless --retry-failed) and resumes interrupted runs",
        "from their last checkpoint.",
        "",
        "presets:",
        "  cifar-quick   the paper's CIFAR-10 comparison at small scale (about 4 h on 2 cores)",
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
        "  --report-only    rewrite results.md/csv/plots from the runs so far, run nothing");
  }

  int run(List<String> tokens, PrintStream out, PrintStream err) {
    Args a = Args.parse(tokens, Set.of("preset", "out", "data", "threads", "notes", "backend"),
        Set.of("help", "list", "retry-failed", "report-only"), "experiment");
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
    Experiment.Preset p = Experiment.preset(name, "--preset");
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
      for (int i = 0; i < n; i++) {
        Experiment.Cell c = p.cells().get(i);
        Path rd = runs.resolve(c.id());
        State s = state(rd, c, p, a.flag("retry-failed"));
        String tag = String.format(Locale.ROOT, "[%d/%d] %s", i + 1, n, c.id());
        if (s == State.DONE || s == State.FAILED) {
          out.printf(Locale.ROOT, "%s: %s, not run again%n", tag, s == State.DONE ? "finished" : "failed");
          continue;
        }
        out.printf(Locale.ROOT, "%s: %s%n", tag, s == State.PARTIAL ? "resuming" : "running");
        out.flush();
        Outcome o = runCell(c, p, rd, data, threads, backend, s == State.PARTIAL);
        ran++;
        out.printf(Locale.ROOT, "%s: %s (%.0f s)%n", tag, o.message(), o.wallSeconds());
        report.write();
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
      State s = state(runs.resolve(c.id()), c, p, false);
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
    return s;
  }

  /**
   * A cell's state from its folder. A folder written for other settings (the preset changed) is
   * moved aside and the cell runs again.
   */
  static State state(Path rd, Experiment.Cell c, Experiment.Preset p, boolean retryFailed) {
    if (!Files.isDirectory(rd)) {
      return State.PENDING;
    }
    Path cellFile = rd.resolve("cell.json");
    try {
      if (!Files.isRegularFile(cellFile)) {
        return State.PENDING;
      }
      JsonObject saved = ExperimentReport.json(cellFile).getAsJsonObject("settings");
      if (!saved.equals(Io.GSON.toJsonTree(settings(c, p)))) {
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

  private Outcome runCell(Experiment.Cell c, Experiment.Preset p, Path rd, String data, long threads,
      String backend, boolean resume) {
    Map<String, String> s = settings(c, p);
    if (!resume && Files.exists(rd)) {
      moveAside(rd);
    }
    JsonObject cell = new JsonObject();
    cell.addProperty("preset", p.name());
    cell.addProperty("id", c.id());
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
        if (rc != 0) {
          error = "tailor train exited with code " + rc;
        }
      } catch (TailorException e) {
        error = e.getMessage();
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
    return new Outcome(String.format(Locale.ROOT, "test top-1 %.2f%%, train loss %.4f",
        100 * r.top1(), r.trainLoss()), wall);
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
