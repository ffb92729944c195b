package tailor.app.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * tailor experiment end to end on the embedded digits grid (4 small runs, 1 thread): the table,
 * CSV and plots; a second start recomputes nothing; an interrupted run resumes from its
 * checkpoint to the same result as an uninterrupted one; failures are reported, kept and retried
 * on request; runs of outdated settings are set aside; bad input is one line and exit code 2.
 */
class ExperimentCommandTest {
  static CliRun cli(String... argv) {
    return CliRun.of(argv);
  }

  static CliRun grid(Path dir, String... extra) {
    List<String> a = new ArrayList<>(List.of("experiment", "--preset", "digits-smoke", "--out",
        dir.toString(), "--threads", "1"));
    a.addAll(List.of(extra));
    return cli(a.toArray(new String[0]));
  }

  static final Experiment.Preset PRESET = Experiment.preset("digits-smoke", "test");

  static Path runDir(Path dir, Experiment.Cell c) {
    return dir.resolve("runs").resolve(c.id());
  }

  static double top1(Path run) throws IOException {
    return JsonParser.parseString(Files.readString(run.resolve("summary.json"))).getAsJsonObject()
        .get("test_top1").getAsDouble();
  }

  @Test
  void runsTheGridWritesTheReportAndNeverRecomputes(@TempDir Path tmp) throws IOException {
    Path dir = tmp.resolve("exp");
    CliRun r = grid(dir);
    assertEquals(0, r.code(), r.err());
    assertEquals(4, PRESET.cells().size());
    String md = Files.readString(dir.resolve("results.md"));
    assertTrue(md.contains("| method | architecture | K-FAC | SGD (Nesterov) |"), md);
    // One table row per method, each with two finished cells "NN.NN% / loss (time)".
    long rows = md.lines().filter(l -> l.startsWith("| TAT LReLU") || l.startsWith("| EOC ReLU")).count();
    assertEquals(2, rows, md);
    assertEquals(4, md.lines().filter(l -> l.startsWith("|") && !l.startsWith("| method"))
        .mapToLong(l -> l.chars().filter(ch -> ch == '%').count()).sum(), md);
    assertTrue(md.contains("TAT beats EOC (MLP, 24 hidden layers, K-FAC)"), md);
    assertTrue(md.contains("4 of 4 runs finished, 0 failed"), md);
    assertTrue(Files.size(dir.resolve("results-plots/mlp24.png")) > 1000);
    List<String> csv = Files.readAllLines(dir.resolve("results.csv"));
    assertEquals(5, csv.size());
    for (String line : csv.subList(1, 5)) {
      assertTrue(line.contains(",done,"), line);
    }
    // The report's numbers are the runs' own.
    Experiment.Cell first = PRESET.cells().get(0);
    assertTrue(md.contains(String.format(java.util.Locale.ROOT, "%.2f%%", 100 * top1(runDir(dir, first)))), md);
    // Evaluated twice per epoch (evals_per_epoch 2) over 2 epochs.
    long evals = Files.readAllLines(runDir(dir, first).resolve("metrics.csv")).stream()
        .filter(l -> l.startsWith("test,")).count();
    assertEquals(4, evals);

    Map<Path, FileTime> before = new java.util.HashMap<>();
    for (Experiment.Cell c : PRESET.cells()) {
      Path s = runDir(dir, c).resolve("summary.json");
      before.put(s, Files.getLastModifiedTime(s));
    }
    CliRun again = grid(dir);
    assertEquals(0, again.code(), again.err());
    assertEquals(4, again.out().lines().filter(l -> l.contains("finished, not run again")).count(), again.out());
    assertTrue(again.out().contains("4 runs, 0 run now"), again.out());
    for (Map.Entry<Path, FileTime> e : before.entrySet()) {
      assertEquals(e.getValue(), Files.getLastModifiedTime(e.getKey()), e.getKey().toString());
    }
    CliRun list = grid(dir, "--list");
    assertEquals(0, list.code(), list.err());
    assertEquals(4, list.out().lines().filter(l -> l.contains(" done ")).count(), list.out());
  }

  @Test
  void resumesAnInterruptedRunAndKeepsFailures(@TempDir Path tmp) throws IOException {
    Path dir = tmp.resolve("exp");
    Experiment.Cell kfac = PRESET.cells().get(0);
    Experiment.Cell sgd = PRESET.cells().get(2);
    assertEquals("kfac", kfac.optimizer());
    // An interrupted K-FAC run: its folder as the grid writes it, stopped at step 13 of 44.
    Path rd = runDir(dir, kfac);
    Files.createDirectories(rd);
    JsonObject cell = new JsonObject();
    cell.add("settings", Io.GSON.toJsonTree(ExperimentCommand.settings(kfac, PRESET)));
    Files.writeString(rd.resolve("cell.json"), Io.GSON.toJson(cell));
    List<String> train = new ArrayList<>(List.of("train", "--threads", "1", "--quiet", "--out",
        rd.toString(), "--stop-after", "13"));
    for (Map.Entry<String, String> e : ExperimentCommand.settings(kfac, PRESET).entrySet()) {
      train.addAll(List.of("--set", e.getKey() + "=" + e.getValue()));
    }
    CliRun stopped = cli(train.toArray(new String[0]));
    assertEquals(0, stopped.code(), stopped.err());
    assertEquals(ExperimentCommand.State.PARTIAL, ExperimentCommand.state(rd, kfac, PRESET, false));
    // A failed SGD run (as a divergence records it).
    Path sd = runDir(dir, sgd);
    Files.createDirectories(sd);
    JsonObject sc = new JsonObject();
    sc.add("settings", Io.GSON.toJsonTree(ExperimentCommand.settings(sgd, PRESET)));
    Files.writeString(sd.resolve("cell.json"), Io.GSON.toJson(sc));
    Files.writeString(sd.resolve("failed.json"), "{\"error\":\"training diverged at step 7 (epoch 1): "
        + "the loss is NaN\",\"wall_seconds\":1.5}");

    CliRun r = grid(dir);
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains(kfac.id() + ": resuming"), r.out());
    assertTrue(r.out().contains(sgd.id() + ": failed, not run again"), r.out());
    String md = Files.readString(dir.resolve("results.md"));
    assertTrue(md.contains("diverged at step 7"), md);
    assertTrue(md.contains("## Failed runs"), md);
    assertTrue(md.contains("3 of 4 runs finished, 1 failed"), md);
    assertTrue(Files.readString(dir.resolve("results.csv")).contains(",failed,"));

    // The resumed run ends where an uninterrupted grid run ends, bit for bit.
    Path fresh = tmp.resolve("fresh");
    CliRun f = grid(fresh, "--retry-failed");
    assertEquals(0, f.code(), f.err());
    assertEquals(top1(runDir(fresh, kfac)), top1(rd), 0.0);
    // Every evaluation and every training row after the one whose window the interruption cut
    // (its mean covers only the steps since step 13).
    List<String> a = trainLosses(runDir(fresh, kfac));
    List<String> b = trainLosses(rd);
    assertEquals(a.subList(3, a.size()), b.subList(3, b.size()));
    assertEquals(testRows(runDir(fresh, kfac)), testRows(rd));

    // --retry-failed runs the failed cell again.
    CliRun retry = grid(dir, "--retry-failed");
    assertEquals(0, retry.code(), retry.err());
    assertTrue(retry.out().contains(sgd.id() + ": running"), retry.out());
    assertTrue(Files.isRegularFile(sd.resolve("summary.json")));
    assertTrue(Files.readString(dir.resolve("results.md")).contains("4 of 4 runs finished"));
  }

  @Test
  void setsAsideRunsOfOutdatedSettings(@TempDir Path tmp) throws IOException {
    Path dir = tmp.resolve("exp");
    Experiment.Cell c = PRESET.cells().get(3);
    Path rd = runDir(dir, c);
    Files.createDirectories(rd);
    Files.writeString(rd.resolve("cell.json"), "{\"settings\":{\"depth\":\"3\"}}");
    Files.writeString(rd.resolve("summary.json"), "{}");
    assertEquals(ExperimentCommand.State.PENDING, ExperimentCommand.state(rd, c, PRESET, false));
    CliRun r = grid(dir);
    assertEquals(0, r.code(), r.err());
    try (Stream<Path> s = Files.list(dir.resolve("runs"))) {
      assertEquals(1, s.filter(p -> p.getFileName().toString().startsWith(c.id() + ".old-")).count());
    }
    assertEquals(ExperimentCommand.State.DONE, ExperimentCommand.state(rd, c, PRESET, false));
  }

  @Test
  void eachRunGetsOnlyItsOwnOptimizersSettingsAndTheArchitecturesOverrideTheShared() {
    // tailor train rejects another optimizer's keys, so every cell of every preset must be clean.
    for (String name : Experiment.NAMES) {
      Experiment.Preset p = Experiment.preset(name, "test");
      for (Experiment.Cell c : p.cells()) {
        for (String key : ExperimentCommand.settings(c, p).keySet()) {
          assertTrue(!key.startsWith("optimizer.") || key.startsWith("optimizer." + c.optimizer() + "."),
              name + " " + c.id() + ": " + key);
        }
      }
    }
    // cifar-quick runs depth 101 at its own learning rates, depth 50 at the shared ones.
    Experiment.Preset quick = Experiment.preset("cifar-quick", "test");
    Map<String, Experiment.Arch> archs = new java.util.HashMap<>();
    quick.archs().forEach(a -> archs.put(a.id(), a));
    Map<String, String> deepKfac = ExperimentCommand.settings(
        quick.cell(Experiment.TAT90, archs.get("vanilla101"), "kfac"), quick);
    Map<String, String> deepSgd = ExperimentCommand.settings(
        quick.cell(Experiment.EOC, archs.get("vanilla101"), "sgd"), quick);
    Map<String, String> shallowKfac = ExperimentCommand.settings(
        quick.cell(Experiment.TAT90, archs.get("vanilla50"), "kfac"), quick);
    // ... and depth 50 again at the depth-101 rates: the two differ in the depth only.
    Map<String, String> shallowSlow = new java.util.HashMap<>(ExperimentCommand.settings(
        quick.cell(Experiment.TAT90, archs.get("vanilla50-rates101"), "kfac"), quick));
    Map<String, String> deep = new java.util.HashMap<>(deepKfac);
    assertEquals("50", shallowSlow.remove("depth"));
    deep.remove("depth");
    assertEquals(deep, shallowSlow);
    assertEquals("101", deepKfac.get("depth"));
    assertEquals("0.0001", deepKfac.get("optimizer.kfac.learning_rate"));
    assertEquals("0.003", deepSgd.get("optimizer.sgd.learning_rate"));
    assertEquals("50", shallowKfac.get("depth"));
    assertEquals(quick.base().get("optimizer.kfac.learning_rate"),
        shallowKfac.get("optimizer.kfac.learning_rate"));
  }

  static final String PROBE = "optimizer.kfac.learning_rate=0.0001,0.001;optimizer.sgd.learning_rate=0.001,0.01";

  /**
   * The probe stage: every cell's probe runs (its own optimizer's rates only) are scored on
   * held-out training examples, never the test split; the cell runs at the probe with the best
   * held-out top-1, which its cell.json records; the report's probe table shows every point; a
   * second start runs nothing.
   */
  @Test
  void probesChooseEachCellsRateOnHeldOutTrainingExamples(@TempDir Path tmp) throws IOException {
    Path dir = tmp.resolve("exp");
    CliRun r = grid(dir, "--probe", PROBE, "--probe-steps", "15", "--probe-holdout", "0.2");
    assertEquals(0, r.code(), r.err());
    Experiment.Preset p = PRESET.withProbe(new Experiment.Probe(0.2,
        Map.of("steps", "15", "epochs", "0", "warmup_epochs", "0"), Map.of(
            "optimizer.sgd.learning_rate", List.of("0.001", "0.01"),
            "optimizer.kfac.learning_rate", List.of("0.0001", "0.001"))));
    for (Experiment.Cell c : PRESET.cells()) {
      String key = "optimizer." + c.optimizer() + ".learning_rate";
      String best = null;
      double bestTop1 = -1;
      double bestLoss = Double.POSITIVE_INFINITY;
      List<Path> probes;
      try (var list = Files.list(dir.resolve("probes").resolve(c.group()))) {
        probes = list.sorted().toList();
      }
      assertEquals(2, probes.size(), "two points per cell: " + probes);
      for (Path pd : probes) {
        JsonObject summary = JsonParser.parseString(Files.readString(pd.resolve("summary.json")))
            .getAsJsonObject();
        assertEquals("holdout", summary.get("evaluated_on").getAsString(), pd.toString());
        assertEquals(15, summary.get("steps").getAsInt());
        JsonObject settings = JsonParser.parseString(Files.readString(pd.resolve("cell.json")))
            .getAsJsonObject().getAsJsonObject("settings");
        assertEquals("0.2", settings.get("holdout").getAsString());
        assertFalse(settings.has(c.optimizer().equals("sgd") ? "optimizer.kfac.learning_rate"
            : "optimizer.sgd.learning_rate"), "another optimizer's rate: " + settings);
        double t1 = summary.get("test_top1").getAsDouble();
        double loss = summary.get("test_loss").getAsDouble();
        if (t1 > bestTop1 || (t1 == bestTop1 && loss < bestLoss)) { // ties: the lower loss
          bestTop1 = t1;
          bestLoss = loss;
          best = settings.get(key).getAsString();
        }
      }
      JsonObject main = JsonParser.parseString(Files.readString(runDir(dir, c).resolve("cell.json")))
          .getAsJsonObject().getAsJsonObject("settings");
      assertEquals(best, main.get(key).getAsString(), c.id());
      assertFalse(main.has("holdout"), "the cell itself is scored on the test split");
      assertEquals(Map.of(key, best), ExperimentCommand.chosen(dir, c, p));
    }
    String md = Files.readString(dir.resolve("results.md"));
    assertTrue(md.contains("## Probes"), md);
    assertEquals(8, md.lines().filter(l -> l.startsWith("| `mlp24-")
        && l.contains("learning_rate=")).count(), md);
    assertEquals(4, md.lines().filter(l -> l.contains("**chosen**")).count(), md);
    assertTrue(md.contains("--probe '" + PROBE + "' --probe-holdout 0.2 --probe-steps 15"), md);
    CliRun again = grid(dir, "--probe", PROBE, "--probe-steps", "15", "--probe-holdout", "0.2");
    assertEquals(0, again.code(), again.err());
    assertTrue(again.out().contains("4 runs, 0 run now"), again.out());
  }

  /** --probes-only runs every cell's probes and none of the cells; a later start runs the cells. */
  @Test
  void probesOnlyChoosesEveryRateAndRunsNoCell(@TempDir Path tmp) throws IOException {
    Path dir = tmp.resolve("exp");
    CliRun r = grid(dir, "--probe", PROBE, "--probe-steps", "5", "--probe-holdout", "0.2",
        "--probes-only");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("4 runs, 8 run now"), r.out());
    assertEquals(4, r.out().lines().filter(l -> l.contains("the run is left for later")).count(),
        r.out());
    for (Experiment.Cell c : PRESET.cells()) {
      assertFalse(Files.exists(runDir(dir, c).resolve("summary.json")), c.id() + " ran");
    }
    CliRun rest = grid(dir, "--probe", PROBE, "--probe-steps", "5", "--probe-holdout", "0.2");
    assertEquals(0, rest.code(), rest.err());
    assertTrue(rest.out().contains("4 runs, 4 run now"), rest.out());
  }

  /** A grid of one optimizer's keys probes its cells; the other cells run as the preset says. */
  @Test
  void cellsOutsideTheProbeGridRunUnprobed(@TempDir Path tmp) throws IOException {
    Path dir = tmp.resolve("exp");
    CliRun r = grid(dir, "--probe", "optimizer.sgd.learning_rate=0.003,0.01", "--probe-steps", "10");
    assertEquals(0, r.code(), r.err());
    for (Experiment.Cell c : PRESET.cells()) {
      assertTrue(ExperimentCommand.finished(runDir(dir, c)), c.id() + ": " + r.out());
      assertEquals(c.optimizer().equals("sgd"), Files.isDirectory(dir.resolve("probes").resolve(c.id())),
          c.id());
    }
  }

  @Test
  void badProbesAreOneLineAndExitCode2(@TempDir Path tmp) {
    String[][] cases = {
        {"--probe", "optimizer.sgd.learnin_rate=0.1", "unknown probe key 'optimizer.sgd.learnin_rate'"},
        {"--probe", "optimizer.sgd.learning_rate=", "the probe grid of optimizer.sgd.learning_rate (from --probe) has no values"},
        {"--probe", "optimizer.sgd.learning_rate=0.1", "--probe-holdout", "1.5", "--probe-holdout 1.5 is outside (0, 1)"},
        {"--probe", "optimizer.sgd.learning_rate=0.1", "--probe-holdout", "0", "--probe-holdout 0 is outside (0, 1)"},
        {"--probe-steps", "10", "need a probe grid"}};
    for (String[] c : cases) {
      Path dir = tmp.resolve("p" + c.length + c[1].length());
      CliRun r = grid(dir, java.util.Arrays.copyOf(c, c.length - 1));
      assertEquals(2, r.code(), String.join(" ", c) + ": " + r.out() + r.err());
      assertEquals(1, r.err().strip().lines().count(), r.err());
      assertTrue(r.err().contains(c[c.length - 1]), r.err());
      assertFalse(Files.exists(dir.resolve("runs")), "nothing written for " + String.join(" ", c));
    }
  }

  @Test
  void badInputIsOneLineAndExitCode2(@TempDir Path tmp) throws IOException {
    CliRun unknown = cli("experiment", "--preset", "cifar-fast");
    assertEquals(2, unknown.code());
    assertEquals(1, unknown.err().lines().count(), unknown.err());
    assertTrue(unknown.err().contains("cifar-quick"), unknown.err());
    CliRun noData = cli("experiment", "--preset", "cifar-quick", "--out", tmp.resolve("q").toString());
    assertEquals(2, noData.code());
    assertTrue(noData.err().contains("--data"), noData.err());
    assertFalse(Files.exists(tmp.resolve("q")));
    CliRun none = cli("experiment");
    assertEquals(2, none.code());
    assertTrue(none.err().contains("--preset"), none.err());
    // A grid already running in the folder is refused.
    Path dir = tmp.resolve("busy");
    Files.createDirectories(dir);
    try (FileChannel ch = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE); FileLock lock = ch.lock()) {
      CliRun busy = grid(dir);
      assertEquals(2, busy.code());
      assertTrue(busy.err().contains("another tailor experiment is running"), busy.err());
    } catch (java.nio.channels.OverlappingFileLockException e) {
      throw new AssertionError(e);
    }
  }

  /** Runs that cannot start (here: no GPU for --backend cuda) are failed cells, not a crash. */
  @Test
  void runsThatFailAreReportedAndTheGridGoesOn(@TempDir Path tmp) throws IOException {
    String why = java.util.ServiceLoader.load(tailor.api.backend.ComputeBackend.class).stream()
        .map(java.util.ServiceLoader.Provider::get).filter(b -> b.name().equals("cuda")).findFirst()
        .orElseThrow().unavailableReason();
    org.junit.jupiter.api.Assumptions.assumeTrue(why != null && why.startsWith("no NVIDIA GPU"),
        "a GPU is usable here");
    Path dir = tmp.resolve("exp");
    CliRun r = grid(dir, "--backend", "cuda");
    assertEquals(0, r.code(), r.err());
    assertEquals(4, r.out().lines().filter(l -> l.contains(": failed: backend cuda is not usable here")).count(),
        r.out());
    String md = Files.readString(dir.resolve("results.md"));
    assertTrue(md.contains("0 of 4 runs finished, 4 failed"), md);
    assertEquals(4, md.lines().filter(l -> l.startsWith("- `mlp24-") && l.contains("no NVIDIA GPU")).count(), md);
    for (String line : Files.readAllLines(dir.resolve("results.csv")).subList(1, 5)) {
      assertTrue(line.contains(",failed,"), line);
    }
  }

  static List<String> testRows(Path dir) throws IOException {
    return Files.readAllLines(dir.resolve("metrics.csv")).stream().filter(l -> l.startsWith("test,"))
        .map(l -> String.join(",", List.of(l.split(",")).subList(0, 6))).toList();
  }

  static List<String> trainLosses(Path dir) throws IOException {
    return Files.readAllLines(dir.resolve("metrics.csv")).stream().filter(l -> l.startsWith("train,"))
        .map(l -> l.split(",")[1] + ":" + l.split(",")[3]).toList();
  }
}
