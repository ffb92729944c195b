package tailor.app.internal;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import tailor.api.TailorException;

/**
 * The report of an experiment: {@code results.md} (the paper-style table, the comparisons the
 * paper makes, the plots, the machine), {@code results.csv} (one row per run) and
 * {@code results-plots/<architecture>.png} (test top-1 and training loss against epochs, one
 * line per method, one column per optimizer). Written from the run folders alone, so it can be
 * rewritten at any time.
 */
final class ExperimentReport {
  static final String PLOTS = "results-plots";
  private static final Pattern DIVERGED = Pattern.compile("^training diverged at step (\\d+)");

  /** One run's outcome as its folder records it. */
  record Result(String status, double top1, double testLoss, double trainLoss, double trainSeconds,
      double wallSeconds, long steps, double imagesPerSecond, String error, String finished,
      List<Metrics.Row> rows) {
    static Result read(Path rd) {
      List<Metrics.Row> rows = readRows(rd.resolve("metrics.jsonl"));
      try {
        if (ExperimentCommand.finished(rd)) {
          JsonObject s = json(rd.resolve("summary.json"));
          JsonObject e = Files.isRegularFile(rd.resolve("experiment.json"))
              ? json(rd.resolve("experiment.json")) : new JsonObject();
          return new Result("done", num(s, "test_top1"), num(s, "test_loss"), num(s, "last_train_loss"),
              num(s, "train_seconds"), num(e, "wall_seconds"), s.get("steps").getAsLong(),
              num(s, "train_images_per_s"), null, e.has("finished") ? e.get("finished").getAsString() : null,
              rows);
        }
        if (Files.isRegularFile(rd.resolve("failed.json"))) {
          JsonObject f = json(rd.resolve("failed.json"));
          Metrics.Row last = lastOf(rows, "train");
          return new Result("failed", Double.NaN, Double.NaN, last == null ? Double.NaN : last.loss(),
              Double.NaN, num(f, "wall_seconds"), last == null ? 0 : last.step(), Double.NaN,
              f.get("error").getAsString(), f.has("finished") ? f.get("finished").getAsString() : null,
              rows);
        }
      } catch (IOException | RuntimeException e) {
        return new Result("unreadable", Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0,
            Double.NaN, rd + ": " + e.getMessage(), null, rows);
      }
      Metrics.Row last = lastOf(rows, "train");
      return new Result(last == null ? "not run" : "interrupted", Double.NaN, Double.NaN,
          last == null ? Double.NaN : last.loss(), Double.NaN, Double.NaN, last == null ? 0 : last.step(),
          Double.NaN, null, null, rows);
    }

    boolean done() {
      return status.equals("done");
    }

    /** The table cell: top-1 / training loss (training time), or what happened. */
    String cell() {
      switch (status) {
        case "done":
          return String.format(Locale.ROOT, "%.2f%% / %.3f (%s)", 100 * top1, trainLoss, minutes(trainSeconds));
        case "failed": {
          Matcher m = DIVERGED.matcher(error);
          return m.find() ? "diverged at step " + m.group(1) : "failed (see below)";
        }
        case "interrupted":
          return "interrupted at step " + steps;
        default:
          return status;
      }
    }
  }

  private final Experiment.Preset preset;
  private final Path dir;
  private final Path notes;

  ExperimentReport(Experiment.Preset preset, Path dir, Path notes) {
    this.preset = preset;
    this.dir = dir;
    this.notes = notes;
  }

  Result result(Experiment.Cell c) {
    return c == null ? null : Result.read(dir.resolve("runs").resolve(c.id()));
  }

  void write() {
    Map<String, Result> results = new java.util.LinkedHashMap<>();
    for (Experiment.Cell c : preset.cells()) {
      results.put(c.id(), result(c));
    }
    writeCsv(results);
    List<String> plots = new ArrayList<>();
    for (Experiment.Arch a : preset.archs()) {
      Path png = dir.resolve(PLOTS).resolve(a.id() + ".png");
      if (plot(a, results, png)) {
        plots.add(a.id());
      }
    }
    String md = markdown(results, plots);
    Io.writeAtomically(dir.resolve("results.md"), tmp -> Files.writeString(tmp, md, StandardCharsets.UTF_8));
  }

  private void writeCsv(Map<String, Result> results) {
    StringBuilder b = new StringBuilder("preset,run,method,architecture,optimizer,seed,status,steps,"
        + "test_top1,test_loss,train_loss,train_seconds,wall_seconds,images_per_s,error\n");
    for (Experiment.Cell c : preset.cells()) {
      Result r = results.get(c.id());
      b.append(String.join(",", preset.name(), c.id(), csv(c.method().label()), csv(c.arch().label()),
          c.optimizer(), ExperimentCommand.settings(c, preset).getOrDefault("seed", ""), r.status(),
          Long.toString(r.steps()), num(r.top1()), num(r.testLoss()),
          num(r.trainLoss()), num(r.trainSeconds()), num(r.wallSeconds()), num(r.imagesPerSecond()),
          csv(r.error() == null ? "" : r.error()))).append('\n');
    }
    Io.writeAtomically(dir.resolve("results.csv"), tmp -> Files.writeString(tmp, b, StandardCharsets.UTF_8));
  }

  private String markdown(Map<String, Result> results, List<String> plots) {
    StringBuilder b = new StringBuilder();
    int done = 0;
    int failed = 0;
    double train = 0;
    double wall = 0;
    String first = null;
    String last = null;
    for (Result r : results.values()) {
      if (r.done()) {
        done++;
        train += r.trainSeconds();
      }
      if (r.status().equals("failed")) {
        failed++;
      }
      if (Double.isFinite(r.wallSeconds())) {
        wall += r.wallSeconds();
      }
      if (r.finished() != null) {
        first = first == null || r.finished().compareTo(first) < 0 ? r.finished() : first;
        last = last == null || r.finished().compareTo(last) > 0 ? r.finished() : last;
      }
    }
    int total = results.size();
    b.append("# Experiment `").append(preset.name()).append("`: ").append(preset.summary()).append("\n\n");
    b.append("Written by `tailor experiment --preset ").append(preset.name())
        .append("` (tailor ").append(AppModule.VERSION).append("). ");
    b.append(String.format(Locale.ROOT, "%d of %d runs finished, %d failed, %d not finished. ", done,
        total, failed, total - done - failed));
    b.append(String.format(Locale.ROOT, "Training time %s, wall time of the runs (with start-up and "
        + "evaluations) %s", hours(train), hours(wall)));
    if (first != null) {
      b.append(String.format(Locale.ROOT, "; runs finished between %s and %s (UTC)",
          first.substring(0, Math.min(16, first.length())).replace('T', ' '),
          last.substring(0, Math.min(16, last.length())).replace('T', ' ')));
    }
    b.append(".\n\n");
    b.append("Machine: ").append(machine()).append(".\n\n");

    b.append("## Setup\n\n");
    b.append("- Reduced from the paper: ").append(preset.reductions()).append(".\n");
    b.append("- Settings shared by every run: ").append(code(preset.base().toString())).append(".\n");
    b.append("- Methods: ");
    List<String> ms = new ArrayList<>();
    for (Experiment.Method m : preset.methods()) {
      ms.add(m.label() + " " + code(m.settings().toString()));
    }
    b.append(String.join("; ", ms)).append(".\n- Architectures: ");
    List<String> as = new ArrayList<>();
    for (Experiment.Arch a : preset.archs()) {
      as.add(a.label() + " " + code(a.settings().toString()));
    }
    b.append(String.join("; ", as)).append(".\n");
    b.append("- Each cell: final test top-1 on the whole test split / mean training loss over the "
        + "last logging window (training time, without evaluations); a cell run at several "
        + "seeds shows the means and each seed's top-1.\n\n");

    b.append("## Results\n\n");
    b.append("| method | architecture |");
    for (String o : preset.optimizers()) {
      b.append(' ').append(optimizerLabel(o)).append(" |");
    }
    b.append("\n|---|---|");
    b.append("---|".repeat(preset.optimizers().size())).append('\n');
    for (Experiment.Arch a : preset.archs()) {
      for (Experiment.Method m : preset.methods()) {
        boolean any = false;
        for (String o : preset.optimizers()) {
          any |= preset.cell(m, a, o) != null;
        }
        if (!any) {
          continue;
        }
        b.append("| ").append(m.label()).append(" | ").append(a.label()).append(" |");
        for (String o : preset.optimizers()) {
          Experiment.Cell c = preset.cell(m, a, o);
          b.append(' ').append(c == null ? "-" : groupCell(results, c)).append(" |");
        }
        b.append('\n');
      }
    }
    b.append('\n');

    List<String> claims = claims(results);
    if (!claims.isEmpty()) {
      b.append("## Against the paper's claims\n\n");
      b.append("Differences in test top-1 between runs of the same budget (means over a cell's "
          + "seeds where it has several). ").append(noise(results).explain()).append("\n\n");
      for (String c : claims) {
        b.append("- ").append(c).append('\n');
      }
      b.append('\n');
    }

    List<String> failures = new ArrayList<>();
    for (Experiment.Cell c : preset.cells()) {
      Result r = results.get(c.id());
      if (r.error() != null) {
        failures.add("- `" + c.id() + "`: " + r.error().replace('\n', ' '));
      }
    }
    if (!failures.isEmpty()) {
      b.append("## Failed runs\n\n").append(String.join("\n", failures)).append("\n\n");
    }

    if (preset.probe() != null) {
      b.append(probeSection());
    }

    if (!plots.isEmpty()) {
      b.append("## Plots\n\n");
      b.append("Test top-1 (top row) and training loss (bottom row) against epochs, one column per "
          + "optimizer.\n\n");
      for (String id : plots) {
        Experiment.Arch a = preset.archs().stream().filter(x -> x.id().equals(id)).findFirst().orElseThrow();
        b.append("![").append(a.label()).append("](").append(PLOTS).append('/').append(id).append(".png)\n\n");
      }
    }

    if (notes != null) {
      b.append("## Notes\n\n");
      try {
        b.append(Files.readString(notes, StandardCharsets.UTF_8).strip()).append("\n\n");
      } catch (IOException e) {
        throw TailorException.resource("cannot read --notes " + notes + ": " + e.getMessage(), e);
      }
    }
    b.append("## Reproduce\n\n```sh\nmvn -q -DskipTests package\n./tailor experiment --preset ")
        .append(preset.name()).append(preset.needsData() ? " --data DIR" : "")
        .append(preset.probe() == null ? "" : " " + probeArguments(preset.probe()))
        .append(" --out DIR   # started again, it skips finished runs\n```\n\n");
    b.append("Every run's configuration, metrics (CSV and JSON lines), plot, checkpoint and log are in "
        + "`runs/<run>/` of the output folder; `results.csv` has one row per run.\n");
    return b.toString();
  }

  /** Differences in test top-1 below this many points are within one seed's run-to-run noise. */
  static final double NOISE_POINTS = 1.0;

  /** The paper's comparisons, measured where both runs finished. */
  List<String> claims(Map<String, Result> results) {
    List<String> out = new ArrayList<>();
    double noise = noise(results).points(); // one spread for every claim
    Experiment.Method tat = Experiment.TAT90;
    for (Experiment.Arch a : preset.archs()) {
      if (!a.id().startsWith("vanilla") && !a.id().startsWith("mlp")) {
        continue;
      }
      for (String o : preset.optimizers()) {
        String d = diff(results, preset.cell(tat, a, o), preset.cell(Experiment.EOC, a, o));
        if (d != null) {
          out.add(String.format(Locale.ROOT, "TAT beats EOC (%s, %s): TAT %s. %s", a.label(),
              optimizerLabel(o), d, verdict(results, preset.cell(tat, a, o), preset.cell(Experiment.EOC, a, o), noise)));
        }
      }
    }
    for (Experiment.Arch a : preset.archs()) {
      for (Experiment.Method m : preset.methods()) {
        Experiment.Cell k = preset.cell(m, a, "kfac");
        Experiment.Cell s = preset.cell(m, a, "sgd");
        String d = diff(results, k, s);
        if (d != null) {
          out.add(String.format(Locale.ROOT, "K-FAC beats SGD (%s, %s): K-FAC %s. %s", m.label(), a.label(),
              d, verdict(results, k, s, noise)));
        }
      }
    }
    List<Experiment.Arch> bns = preset.archs().stream().filter(a -> a.id().startsWith("bn")).toList();
    for (Experiment.Arch a : preset.archs()) {
      if (bns.isEmpty() || (!a.id().startsWith("vanilla") && !a.id().startsWith("rescaled"))) {
        continue;
      }
      // only the BN ResNet of the same depth: a deeper or shallower one measures depth too
      Experiment.Arch bn = bns.stream().filter(x -> depth(x) == depth(a)).findFirst().orElse(null);
      if (bn == null) {
        continue;
      }
      for (String o : preset.optimizers()) {
        Experiment.Cell v = preset.cell(tat, a, o);
        for (String ob : preset.optimizers()) {
          Experiment.Cell r = preset.cell(Experiment.BN_RELU, bn, ob);
          // the same optimizer, or the BN ResNet's own where it has no run with this one
          if (!ob.equals(o) && preset.cell(Experiment.BN_RELU, bn, o) != null) {
            continue;
          }
          String d = diff(results, v, r);
          if (d != null) {
            out.add(String.format(Locale.ROOT, "Distance to the BN ResNet (%s with TAT, %s, vs %s, "
                + "%s): %s. %s", a.label(), optimizerLabel(o), bn.label(), optimizerLabel(ob), d,
                closeTo(mean(results, v), mean(results, r), noise)));
          }
        }
      }
    }
    // Every shallower vanilla network against every deeper one; a pair that differs in more than
    // the depth (e.g. learning rates set for the deeper one) says so.
    List<Experiment.Arch> vanilla = preset.archs().stream().filter(a -> a.id().startsWith("vanilla")).toList();
    for (Experiment.Arch shallow : vanilla) {
      for (Experiment.Arch deep : vanilla) {
        if (depth(deep) <= depth(shallow)) {
          continue;
        }
        for (Experiment.Method m : List.of(tat, Experiment.EOC, Experiment.DKS)) {
          for (String o : preset.optimizers()) {
            Experiment.Cell deepCell = preset.cell(m, deep, o);
            Experiment.Cell shallowCell = preset.cell(m, shallow, o);
            String d = diff(results, deepCell, shallowCell);
            if (d != null) {
              // the paper's claim is TAT's: the deeper vanilla network does not train worse
              String v = m != tat ? "" : " " + notWorse(mean(results, deepCell),
                  mean(results, shallowCell), noise);
              out.add(String.format(Locale.ROOT, "Depth (%s, %s): %s vs %s: the deeper net %s.%s%s",
                  m.label(), optimizerLabel(o), deep.label(), shallow.label(), d, v,
                  otherDifferences(shallowCell, deepCell)));
            }
          }
        }
      }
    }
    return out;
  }

  private static int depth(Experiment.Arch a) {
    return Integer.parseInt(a.settings().getOrDefault("depth", "0"));
  }

  /** " Not only the depth differs: ..." for the settings the two runs are given that differ. */
  private String otherDifferences(Experiment.Cell shallow, Experiment.Cell deep) {
    Map<String, String> x = ranWith(shallow);
    Map<String, String> y = ranWith(deep);
    java.util.Set<String> keys = new java.util.TreeSet<>(x.keySet());
    keys.addAll(y.keySet());
    keys.remove("depth");
    List<String> diffs = new ArrayList<>();
    for (String k : keys) {
      if (!java.util.Objects.equals(x.get(k), y.get(k))) {
        diffs.add(k + " " + y.get(k) + " vs " + x.get(k));
      }
    }
    return diffs.isEmpty() ? "" : " Not only the depth differs: " + String.join(", ", diffs) + ".";
  }

  /**
   * The settings a cell's run ran with, as its folder records them (cell.json: the probed point
   * included); where it has none yet, the preset's settings and the probed point.
   */
  private Map<String, String> ranWith(Experiment.Cell c) {
    Path cellFile = dir.resolve("runs").resolve(c.id()).resolve("cell.json");
    if (Files.isRegularFile(cellFile)) {
      try {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        json(cellFile).getAsJsonObject("settings").entrySet()
            .forEach(e -> m.put(e.getKey(), e.getValue().getAsString()));
        return m;
      } catch (IOException | RuntimeException e) {
        // unreadable: fall back to what the preset says
      }
    }
    Map<String, String> m = new java.util.LinkedHashMap<>(ExperimentCommand.settings(c, preset));
    if (preset.probe() != null) {
      Map<String, String> chosen = ExperimentCommand.chosen(dir, c, preset);
      m.putAll(chosen == null ? Map.of() : chosen);
    }
    return m;
  }

  /**
   * "52.10% vs 40.30%, +11.80 points" (with "(mean of k seeds)" after a mean), or null unless
   * both have a finished run.
   */
  private String diff(Map<String, Result> results, Experiment.Cell a, Experiment.Cell b) {
    if (a == null || b == null || done(results, a).isEmpty() || done(results, b).isEmpty()) {
      return null;
    }
    double x = mean(results, a);
    double y = mean(results, b);
    return String.format(Locale.ROOT, "%.2f%%%s vs %.2f%%%s, %+.2f points", 100 * x,
        seeds(results, a), 100 * y, seeds(results, b), 100 * (x - y));
  }

  private String verdict(Map<String, Result> results, Experiment.Cell a, Experiment.Cell b,
      double noise) {
    return verdict(mean(results, a), mean(results, b), noise);
  }

  /** The finished runs of a cell's group (its first run and seed repeats). */
  private List<Result> done(Map<String, Result> results, Experiment.Cell first) {
    List<Result> out = new ArrayList<>();
    for (Experiment.Cell c : preset.repeats(first)) {
      Result r = results.get(c.id());
      if (r != null && r.done()) {
        out.add(r);
      }
    }
    return out;
  }

  /** The mean test top-1 of a cell's finished runs (NaN: none). */
  private double mean(Map<String, Result> results, Experiment.Cell first) {
    return done(results, first).stream().mapToDouble(Result::top1).average().orElse(Double.NaN);
  }

  private String seeds(Map<String, Result> results, Experiment.Cell first) {
    int n = done(results, first).size();
    return n > 1 ? " (mean of " + n + " seeds)" : "";
  }

  /**
   * The noise a difference must exceed to be called a result: the largest range of test top-1
   * between the seeds of one cell in this grid (the spread its repeats measured), and at least
   * {@link #NOISE_POINTS}; where no cell has two finished seeds, {@link #NOISE_POINTS} as an
   * assumption, and the text says so.
   */
  record Noise(double points, double spread, String cell) {
    String explain() {
      if (cell == null) {
        return String.format(Locale.ROOT, "One seed per cell so far: differences under %.1f points "
            + "are taken to be run-to-run noise (assumed, not measured) and are not called a "
            + "result.", points);
      }
      return String.format(Locale.ROOT, "Seed spread: the largest difference between two seeds of "
          + "one cell is %.2f points (`%s`); a difference is called a result only where it "
          + "exceeds %.2f points (that spread, and at least %.1f).", spread, cell, points,
          NOISE_POINTS);
    }
  }

  Noise noise(Map<String, Result> results) {
    double spread = -1;
    String at = null;
    for (Experiment.Cell c : preset.cells()) {
      if (c.seed() != 0) {
        continue;
      }
      List<Result> runs = done(results, c);
      if (runs.size() < 2) {
        continue;
      }
      double lo = runs.stream().mapToDouble(Result::top1).min().orElseThrow();
      double hi = runs.stream().mapToDouble(Result::top1).max().orElseThrow();
      if (100 * (hi - lo) > spread) {
        spread = 100 * (hi - lo);
        at = c.group();
      }
    }
    return at == null ? new Noise(NOISE_POINTS, Double.NaN, null)
        : new Noise(Math.max(NOISE_POINTS, spread), spread, at);
  }

  /**
   * The table entry of a cell: its run's, or for a cell with seed repeats the mean top-1 and
   * training loss of the finished runs with each seed's top-1 (and what the others are doing).
   */
  private String groupCell(Map<String, Result> results, Experiment.Cell first) {
    List<Experiment.Cell> runs = preset.repeats(first);
    if (runs.size() == 1) {
      return results.get(first.id()).cell();
    }
    List<Result> ok = done(results, first);
    if (ok.isEmpty()) {
      return results.get(first.id()).cell();
    }
    List<String> each = new ArrayList<>();
    for (Experiment.Cell c : runs) {
      Result r = results.get(c.id());
      String seed = ExperimentCommand.settings(c, preset).getOrDefault("seed", "0");
      each.add("seed " + seed + ": " + (r.done() ? String.format(Locale.ROOT, "%.2f", 100 * r.top1())
          : r.cell()));
    }
    double loss = ok.stream().mapToDouble(Result::trainLoss).average().orElse(Double.NaN);
    double secs = ok.stream().mapToDouble(Result::trainSeconds).average().orElse(Double.NaN);
    return String.format(Locale.ROOT, "%.2f%% / %.3f (%s each; %s)", 100 * mean(results, first),
        loss, minutes(secs), String.join(", ", each));
  }

  /**
   * The verdict on the paper's claim that {@code a} beats {@code b} (top-1 fractions): a result
   * only where the difference exceeds the noise, in points.
   */
  static String verdict(double a, double b, double noisePoints) {
    double d = 100 * (a - b);
    if (!(Math.abs(d) >= noisePoints)) {
      return "Inconclusive here (within the " + points(noisePoints) + "-point noise).";
    }
    return d > 0 ? "Agrees with the paper." : "Disagrees with the paper at this scale.";
  }

  /**
   * The verdict on the claim that a vanilla network with TAT comes close to the BN ResNet:
   * level (within the noise) or ahead agrees; behind by more than the noise is a gap.
   */
  static String closeTo(double vanilla, double resnet, double noisePoints) {
    double d = 100 * (vanilla - resnet);
    if (!Double.isFinite(d)) {
      return "Inconclusive here.";
    }
    if (d > noisePoints) {
      return "The vanilla network is ahead.";
    }
    if (d >= -noisePoints) {
      return "Level within the " + points(noisePoints) + "-point noise.";
    }
    return String.format(Locale.ROOT, "A gap of %.1f points beyond the %s-point noise.", -d,
        points(noisePoints));
  }

  /** A noise in points as the verdicts print it: two decimals at most, at least one (1.0, 1.65). */
  static String points(double p) {
    String s = String.format(Locale.ROOT, "%.2f", p);
    return s.endsWith("0") ? s.substring(0, s.length() - 1) : s;
  }

  /** The verdict on the claim that {@code deep} is not worse than {@code shallow}. */
  static String notWorse(double deep, double shallow, double noisePoints) {
    double d = 100 * (deep - shallow);
    if (d > noisePoints) {
      return "Agrees with the paper (better with depth).";
    }
    if (d >= -noisePoints) {
      return "Agrees with the paper (no loss beyond the " + points(noisePoints) + "-point noise).";
    }
    return "Disagrees with the paper at this scale (worse with depth).";
  }

  /** Test top-1 (top) and training loss (bottom) against epochs; false when nothing to draw. */
  private boolean plot(Experiment.Arch a, Map<String, Result> results, Path png) {
    List<String> opts = new ArrayList<>();
    for (String o : preset.optimizers()) {
      for (Experiment.Method m : preset.methods()) {
        Experiment.Cell c = preset.cell(m, a, o);
        if (c != null && !results.get(c.id()).rows().isEmpty()) {
          opts.add(o);
          break;
        }
      }
    }
    if (opts.isEmpty()) {
      return false;
    }
    double maxEpoch = 0;
    double maxLoss = 0;
    for (Experiment.Cell c : preset.cells()) {
      if (c.arch() != a) {
        continue;
      }
      for (Metrics.Row r : results.get(c.id()).rows()) {
        maxEpoch = Math.max(maxEpoch, r.epoch());
        if (r.kind().equals("train") && Double.isFinite(r.loss())) {
          maxLoss = Math.max(maxLoss, Math.min(r.loss(), 10));
        }
      }
    }
    maxEpoch = maxEpoch <= 0 ? 1 : TrainPlot.niceCeil(maxEpoch);
    maxLoss = maxLoss <= 0 ? 1 : TrainPlot.niceCeil(maxLoss);
    int pw = 420;
    int ph = 300;
    int w = 100 + opts.size() * (pw + 90);
    int h = 2 * ph + 220;
    BufferedImage img = PlotPanel.canvas(w, h, preset.name() + ": " + a.label());
    Graphics2D g = img.createGraphics();
    for (int j = 0; j < opts.size(); j++) {
      String o = opts.get(j);
      int x0 = 90 + j * (pw + 90);
      PlotPanel acc = new PlotPanel(g, x0, 80, pw, ph, 0, maxEpoch, 0, 1, "epoch", "test top-1",
          optimizerLabel(o) + ": test top-1");
      acc.axes(TrainPlot.ticks(maxEpoch), new double[] {0, 0.2, 0.4, 0.6, 0.8, 1.0});
      PlotPanel loss = new PlotPanel(g, x0, 80 + ph + 90, pw, ph, 0, maxEpoch, 0, maxLoss, "epoch",
          "training loss", optimizerLabel(o) + ": training loss");
      loss.axes(TrainPlot.ticks(maxEpoch), TrainPlot.ticks(maxLoss));
      List<String> names = new ArrayList<>();
      List<Color> colors = new ArrayList<>();
      int k = 0;
      for (Experiment.Method m : preset.methods()) {
        Experiment.Cell c = preset.cell(m, a, o);
        if (c == null) {
          continue;
        }
        Color col = PlotPanel.COLORS[k++ % PlotPanel.COLORS.length];
        Result r = results.get(c.id());
        List<Metrics.Row> test = r.rows().stream().filter(x -> x.kind().equals("test")).toList();
        List<Metrics.Row> tr = r.rows().stream().filter(x -> x.kind().equals("train")).toList();
        double[] te = test.stream().mapToDouble(Metrics.Row::epoch).toArray();
        double[] t1 = test.stream().mapToDouble(Metrics.Row::top1).toArray();
        acc.line(te, t1, col, false);
        acc.points(te, t1, col);
        loss.line(tr.stream().mapToDouble(Metrics.Row::epoch).toArray(),
            tr.stream().mapToDouble(Metrics.Row::loss).toArray(), col, false);
        names.add(m.label() + (r.done() ? "" : " (" + r.cell() + ")"));
        colors.add(col);
      }
      acc.legend(names.toArray(String[]::new), colors.toArray(Color[]::new));
    }
    g.dispose();
    Io.writeAtomically(png, tmp -> ImageIO.write(img, "png", tmp.toFile()));
    return true;
  }

  /** The command-line arguments that give this probe stage. */
  static String probeArguments(Experiment.Probe probe) {
    List<String> parts = new ArrayList<>();
    probe.grid().forEach((k, v) -> parts.add(k + "=" + String.join(",", v)));
    String steps = probe.settings().get("steps");
    return "--probe '" + String.join(";", parts) + "' --probe-holdout " + probe.holdout()
        + (steps == null ? "" : " --probe-steps " + steps);
  }

  /**
   * The probe table: for every cell, each grid point's held-out top-1 and loss (or why it has
   * none), and the point the cell ran at.
   */
  private String probeSection() {
    Experiment.Probe probe = preset.probe();
    StringBuilder b = new StringBuilder("## Probes\n\n");
    b.append(String.format(Locale.ROOT, "Before each cell, short runs (%s) at every point of the "
        + "grid %s, trained on the training split less a held-out %.0f%% and scored on that "
        + "%.0f%% (never the test split); the cell ran at the point with the best held-out top-1 "
        + "(ties: the lower held-out loss). Short runs favour rates that learn fast, so a probe "
        + "ranks rates, it does not predict the full run's accuracy.\n\n",
        code(probe.settings().toString()), code(probe.grid().toString()), 100 * probe.holdout(),
        100 * probe.holdout()));
    b.append("| run | probe point | held-out top-1 | held-out loss | |\n|---|---|---|---|---|\n");
    for (Experiment.Cell c : preset.cells()) {
      if (c.seed() != 0) {
        continue; // a seed repeat runs at its first run's probed point
      }
      List<ExperimentCommand.Scored> scored = ExperimentCommand.scored(dir, c, preset);
      Map<String, String> chosen = ExperimentCommand.choose(scored);
      for (ExperimentCommand.Scored sc : scored) {
        Result r = sc.result();
        String top1 = r == null ? "not run" : r.status().equals("done") ? pct(r.top1()) : r.status();
        String loss = r == null || !r.status().equals("done") ? "" : num(r.testLoss());
        b.append("| `").append(c.group()).append("` | ").append(code(sc.point().toString()))
            .append(" | ").append(top1).append(" | ").append(loss).append(" | ")
            .append(!sc.point().equals(chosen) ? ""
                : atEdge(probe, chosen) ? "**chosen**, at the grid's edge: widen it" : "**chosen**")
            .append(" |\n");
      }
    }
    return b.append("\n").toString();
  }

  /** Whether a point takes the first or last value of a key that has more than one. */
  static boolean atEdge(Experiment.Probe probe, Map<String, String> point) {
    for (Map.Entry<String, String> e : point.entrySet()) {
      List<String> values = probe.grid().get(e.getKey());
      if (values != null && values.size() > 1 && (e.getValue().equals(values.get(0))
          || e.getValue().equals(values.get(values.size() - 1)))) {
        return true;
      }
    }
    return false;
  }

  private static String pct(double v) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%.2f%%", 100 * v) : "-";
  }

  static String optimizerLabel(String o) {
    return switch (o) {
      case "kfac" -> "K-FAC";
      case "sgd" -> "SGD (Nesterov)";
      case "lars" -> "LARS";
      default -> o;
    };
  }

  /** CPU model, cores, memory, OS and Java, from /proc where there is one. */
  static String machine() {
    String cpu = "unknown CPU";
    String mem = "";
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          cpu = line.substring(line.indexOf(':') + 1).trim();
          break;
        }
      }
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
          mem = String.format(Locale.ROOT, ", %.0f GiB memory", kb / 1048576.0);
          break;
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: the JVM's view below is all there is
    }
    return String.format(Locale.ROOT, "%s, %d cores%s, %s %s, Java %s", cpu,
        Runtime.getRuntime().availableProcessors(), mem, System.getProperty("os.name"),
        System.getProperty("os.arch"), System.getProperty("java.version"));
  }

  /** A run's metrics rows; none where the run wrote none or they cannot be read. */
  private static List<Metrics.Row> readRows(Path jsonl) {
    if (!Files.isRegularFile(jsonl)) {
      return new ArrayList<>();
    }
    try {
      return Metrics.read(jsonl);
    } catch (IOException e) {
      return new ArrayList<>(); // unreadable metrics: no curve
    }
  }

  private static Metrics.Row lastOf(List<Metrics.Row> rows, String kind) {
    Metrics.Row last = null;
    for (Metrics.Row r : rows) {
      if (r.kind().equals(kind)) {
        last = r;
      }
    }
    return last;
  }

  /** A JSON object file. */
  static JsonObject json(Path p) throws IOException {
    return JsonParser.parseString(Files.readString(p, StandardCharsets.UTF_8)).getAsJsonObject();
  }

  private static double num(JsonObject o, String k) {
    return o.has(k) && !o.get(k).isJsonNull() ? o.get(k).getAsDouble() : Double.NaN;
  }

  private static String num(double v) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6g", v) : "";
  }

  private static String csv(String s) {
    return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
  }

  private static String code(String s) {
    return "`" + s + "`";
  }

  private static String minutes(double secs) {
    return secs < 60 ? String.format(Locale.ROOT, "%.0f s", secs)
        : String.format(Locale.ROOT, "%.1f min", secs / 60);
  }

  private static String hours(double secs) {
    return secs < 3600 ? minutes(secs) : String.format(Locale.ROOT, "%.2f h", secs / 3600);
  }
}
