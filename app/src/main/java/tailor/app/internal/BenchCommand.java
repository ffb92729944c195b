package tailor.app.internal;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import jakarta.inject.Inject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import tailor.api.TailorException;

/**
 * {@code tailor bench shape}: solve times per method after warm-up (median over cases and
 * rounds), optionally against the reference implementation run as a peer process in the same
 * run, and the wall time of whole {@code tailor shape} processes.
 */
public final class BenchCommand {
  static final Set<String> VALUED = Set.of("model", "rounds", "warmup", "peer", "process-runs", "depth",
      "width", "stem", "batch", "steps", "threads", "input", "backend", "python", "twin",
      "curvature-examples");
  static final Set<String> FLAGS = Set.of("help", "taps", "twin-capped");
  static final List<String> SMOOTH = List.of("tanh", "softplus", "swish", "gelu", "erf", "elu",
      "selu", "asinh");

  /** Budgets from the issue (median per solve, ms) and the reference's quoted times here. */
  static final Map<String, double[]> BUDGET_AND_QUOTED = Map.of(
      "tat-smooth", new double[] {20.0, 1600.0},
      "dks", new double[] {5.0, 200.0},
      "tat-lrelu", new double[] {0.5, 5.0});

  private final ShapeService service;
  private final PluginCatalog plugins;

  @Inject
  BenchCommand(ShapeService service, PluginCatalog plugins) {
    this.service = service;
    this.plugins = plugins;
  }

  static List<ShapeCase> cases() {
    List<ShapeCase> cases = new ArrayList<>();
    for (String a : SMOOTH) {
      cases.add(shape("tat", a, 50, 0.0));
    }
    for (String a : SMOOTH) {
      cases.add(shape("dks", a, 50, 0.0));
    }
    for (int d : new int[] {50, 101, 152, 200}) {
      cases.add(shape("tat", "leaky_relu", d, 0.0));
    }
    cases.add(shape("tat", "leaky_relu", 50, 0.8));
    return cases;
  }

  private static ShapeCase shape(String method, String act, int depth, double w) {
    return new ShapeCase(method, act, "resnet", depth, w, "v2", null, null, null, null,
        new double[0], null, null, Map.of());
  }

  int run(List<String> tokens, PrintStream out, PrintStream err) {
    Args a = Args.parse(tokens, VALUED, FLAGS, "bench");
    if (a.flag("help") || a.positional().isEmpty()) {
      out.println("usage: tailor bench shape [--rounds 20] [--warmup 5] [--process-runs 5]"
          + " [--peer 'python3 tools/golden/dks_reference.py']\n"
          + "       tailor bench train-step [--model resnet|cifar-resnet] [--depth 50] [--width 1] [--stem cifar|imagenet]"
          + " [--batch 128] [--steps 5] [--warmup 2] [--threads N] [--backend cpu] [--peer BACKEND] [--taps] [--twin-capped]\n"
          + "       tailor bench optimizer-step [--model resnet|cifar-resnet] [--depth 50] [--width 1] [--batch 128] [--steps 5]"
          + " [--warmup 1] [--threads N] [--curvature-examples 16]\n"
          + "       tailor bench kernel [--depth 50] [--width 512] [--steps 8 (initializations)]");
      return a.flag("help") ? 0 : 2;
    }
    if (a.positional().get(0).equals("train-step")) {
      return new TrainStepBench(plugins).run(a, out, err);
    }
    if (a.positional().get(0).equals("optimizer-step")) {
      return new OptimizerBench(plugins).run(a, out);
    }
    if (a.positional().get(0).equals("kernel")) {
      return new KernelBench(plugins).run(a, out);
    }
    if (!a.positional().get(0).equals("shape")) {
      throw TailorException.user(tailor.api.Names.unknown("benchmark", a.positional().get(0),
          "tailor bench", List.of("shape", "train-step", "optimizer-step", "kernel")));
    }
    int rounds = a.has("rounds") ? a.integer("rounds") : 20;
    int warmup = a.has("warmup") ? a.integer("warmup") : 5;
    int processRuns = a.has("process-runs") ? a.integer("process-runs") : 5;
    List<ShapeCase> cases = cases();
    List<ShapeService.Prepared> prepared = new ArrayList<>();
    for (ShapeCase c : cases) {
      prepared.add(service.prepare(c));
    }
    for (int r = 0; r < warmup; r++) {
      for (ShapeService.Prepared p : prepared) {
        service.solve(p);
      }
    }
    Map<String, List<Double>> times = new LinkedHashMap<>();
    Map<ShapeService.Prepared, List<Double>> perCase = new LinkedHashMap<>();
    for (int r = 0; r < rounds; r++) {
      for (ShapeService.Prepared p : prepared) {
        long t0 = System.nanoTime();
        p.transform().shape(p.base(), p.targets(), p.architecture().subnetMaxFunction());
        double ms = (System.nanoTime() - t0) / 1e6;
        times.computeIfAbsent(p.transform().name(), k -> new ArrayList<>()).add(ms);
        perCase.computeIfAbsent(p, k -> new ArrayList<>()).add(ms);
      }
    }
    Map<String, List<Double>> peer = a.has("peer") ? peer(a.string("peer", ""), prepared, err)
        : Map.of();
    out.printf(Locale.ROOT, "tailor bench shape: %d cases x %d rounds after %d warm-up rounds, "
        + "%d available processors, Java %s%n", cases.size(), rounds, warmup,
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
    out.printf(Locale.ROOT, "%-11s %6s %11s %11s %11s %11s %13s %9s%n", "method", "solves",
        "median ms", "p90 ms", "budget ms", "within", "reference ms", "speed-up");
    for (Map.Entry<String, List<Double>> e : times.entrySet()) {
      double[] v = e.getValue().stream().mapToDouble(Double::doubleValue).toArray();
      double med = quantile(v, 0.5);
      double[] bq = BUDGET_AND_QUOTED.get(e.getKey());
      List<Double> pv = peer.get(e.getKey());
      double ref = pv != null && !pv.isEmpty()
          ? quantile(pv.stream().mapToDouble(Double::doubleValue).toArray(), 0.5) : bq[1];
      out.printf(Locale.ROOT, "%-11s %6d %11.4f %11.4f %11.1f %11s %13.1f %8.0fx%s%n", e.getKey(),
          v.length, med, quantile(v, 0.9), bq[0], med <= bq[0] ? "yes" : "NO", ref, ref / med,
          pv != null && !pv.isEmpty() ? "" : " (quoted)");
    }
    out.println("slowest cases (median ms):");
    perCase.entrySet().stream()
        .sorted((x, y) -> Double.compare(median(y.getValue()), median(x.getValue())))
        .limit(4)
        .forEach(e -> out.printf(Locale.ROOT, "  %-11s %-11s %-22s %9.3f%n", e.getKey().transform().name(),
            e.getKey().base().name(), e.getKey().architecture().describe(), median(e.getValue())));
    if (peer.isEmpty()) {
      out.println("reference ms: the issue's quoted times for the dks package on this machine "
          + "(pass --peer to measure it in this run)");
    } else {
      out.println("reference ms: median of the peer process's own per-case times, measured in this run");
    }
    if (processRuns > 0) {
      processWall(processRuns, out);
    }
    return 0;
  }

  private Map<String, List<Double>> peer(String command, List<ShapeService.Prepared> prepared,
      PrintStream err) {
    Map<String, List<Double>> out = new LinkedHashMap<>();
    List<String> cmd = Arrays.asList(command.trim().split("\\s+"));
    try {
      Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      try (Writer w = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8)) {
        for (ShapeService.Prepared c : prepared) {
          ShapeCase s = c.request();
          JsonObject o = new JsonObject();
          o.addProperty("method", s.method());
          o.addProperty("activation", s.activation());
          o.addProperty("model", s.model());
          o.addProperty("depth", s.depth());
          o.addProperty("shortcut_weight", s.shortcutWeight());
          o.addProperty("block", s.block());
          w.write(o + "\n");
        }
      }
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
          StandardCharsets.UTF_8))) {
        int i = 0;
        String line;
        while ((line = r.readLine()) != null && i < prepared.size()) {
          JsonObject o = JsonParser.parseString(line).getAsJsonObject();
          if (o.has("seconds") && !o.has("error")) {
            out.computeIfAbsent(prepared.get(i).transform().name(), k -> new ArrayList<>())
                .add(o.get("seconds").getAsDouble() * 1000.0);
          }
          i++;
        }
      }
      p.waitFor();
    } catch (IOException | RuntimeException e) {
      err.println("tailor: bench: the peer '" + command + "' failed (" + e.getMessage()
          + "); using quoted reference times");
      return Map.of();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Map.of();
    }
    return out;
  }

  private static void processWall(int runs, PrintStream out) {
    String java = ProcessHandle.current().info().command().orElse("java");
    String modulePath = System.getProperty("jdk.module.path");
    if (modulePath == null) {
      out.println("process wall time: skipped (not running on the module path)");
      return;
    }
    List<List<String>> commands = List.of(
        List.of("shape", "--method", "tat", "--activation", "leaky_relu", "--model", "resnet", "--depth", "50"),
        List.of("shape", "--method", "tat", "--activation", "tanh", "--model", "resnet", "--depth", "50"),
        List.of("shape", "--method", "dks", "--activation", "softplus", "--model", "resnet", "--depth", "101"));
    for (List<String> args : commands) {
      double[] wall = new double[runs];
      for (int i = 0; i < runs; i++) {
        List<String> cmd = new ArrayList<>(List.of(java, "-Xshare:auto", "-XX:TieredStopAtLevel=1",
            "-Dai.djl.offline=true", "--module-path", modulePath, "--add-modules", "ALL-MODULE-PATH"));
        String classPath = System.getProperty("java.class.path");
        if (classPath != null && !classPath.isEmpty()) {
          cmd.add("-cp");
          cmd.add(classPath);
        }
        cmd.add("-m");
        cmd.add("tailor.app/tailor.app.Main");
        cmd.addAll(args);
        long t0 = System.nanoTime();
        try {
          Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
          int rc = p.waitFor();
          if (rc != 0) {
            out.println("process wall time: '" + String.join(" ", args) + "' exited " + rc);
            return;
          }
        } catch (IOException e) {
          out.println("process wall time: cannot start " + java + ": " + e.getMessage());
          return;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        wall[i] = (System.nanoTime() - t0) / 1e6;
      }
      double med = quantile(wall, 0.5);
      out.printf(Locale.ROOT, "process wall time, tailor %s: median %.0f ms over %d runs (budget "
          + "1500 ms: %s)%n", String.join(" ", args), med, runs, med <= 1500 ? "yes" : "NO");
    }
  }

  static double median(List<Double> v) {
    return quantile(v.stream().mapToDouble(Double::doubleValue).toArray(), 0.5);
  }

  static double quantile(double[] v, double q) {
    double[] s = v.clone();
    Arrays.sort(s);
    if (s.length == 0) {
      return Double.NaN;
    }
    double pos = q * (s.length - 1);
    int lo = (int) Math.floor(pos);
    int hi = Math.min(s.length - 1, lo + 1);
    return s[lo] + (pos - lo) * (s[hi] - s[lo]);
  }
}
