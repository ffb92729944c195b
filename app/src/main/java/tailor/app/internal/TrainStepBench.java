package tailor.app.internal;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import tailor.api.TailorException;
import tailor.api.activation.ShapeParam;
import tailor.api.activation.ShapedActivation;
import tailor.api.backend.BackendOptions;
import tailor.api.backend.BackendSession;
import tailor.api.backend.ComputeBackend;
import tailor.api.backend.DType;
import tailor.api.backend.Tensor;
import tailor.api.init.InitOptions;
import tailor.api.model.ModelSpec;
import tailor.api.shaping.ShapingTargets;
import tailor.kernelshaping.Activations;
import tailor.kernelshaping.Shaper;
import tailor.kernelshaping.init.Initializers;
import tailor.models.LayerGraph;
import tailor.models.LayerJson;
import tailor.models.ModelSummary;
import tailor.models.Network;

/**
 * {@code tailor bench train-step}: forward + backward images/s of a vanilla TAT network on a
 * backend against the identical network in PyTorch (benchmarks/pytorch_twin.py, built from the
 * same layer-graph JSON) in the same run, with achieved GFLOP/s and peak memory.
 */
final class TrainStepBench {
  private final PluginCatalog plugins;

  TrainStepBench(PluginCatalog plugins) {
    this.plugins = plugins;
  }

  int run(Args a, PrintStream out, PrintStream err) {
    String stem = a.string("stem", "cifar");
    int depth = a.has("depth") ? a.integer("depth") : 50;
    double width = a.has("width") ? a.number("width") : 1.0;
    int batch = a.has("batch") ? a.integer("batch") : (stem.equals("cifar") ? 128 : 32);
    int steps = a.has("steps") ? a.integer("steps") : 5;
    int warmup = a.has("warmup") ? a.integer("warmup") : 2;
    int threads = a.has("threads") ? a.integer("threads") : Runtime.getRuntime().availableProcessors();
    List<Integer> input = a.has("input") ? ModelCommand.parseShape(a.string("input", ""))
        : stem.equals("cifar") ? List.of(3, 32, 32) : List.of(3, 224, 224);
    int classes = stem.equals("cifar") ? 10 : 1000;
    VanillaNet net0 = VanillaNet.of(plugins, a.string("model", "resnet"), depth, stem, width,
        classes, input);
    LayerGraph graph = net0.graph();
    ShapedActivation act = net0.activation();
    ModelSummary summary = net0.summary();
    ComputeBackend backend = usableBackend(plugins, a.string("backend", "cpu"));
    out.printf(Locale.ROOT, "tailor bench train-step: %s, input %s, batch %d, %d threads, %d steps after %d warm-up%n",
        graph.describe(), input, batch, threads, steps, warmup);
    out.printf(Locale.ROOT, "  %,d parameters, %.3f GFLOP forward per image (fwd+bwd ~3x)%n",
        summary.params(), summary.flops() / 1e9);
    double[] measured = measure(backend, graph, input, act, batch, steps, warmup, threads, classes,
        a.flag("taps"));
    double javaStep = measured[0];
    double matmulPeak = measured[1];
    double gflop = 3.0 * summary.flops() * batch / 1e9;
    out.printf(Locale.ROOT, "  %-26s %9.1f images/s  %7.3f s/step  %6.1f GFLOP/s  peak RSS %,d MB%n",
        backend.name() + " (tailor)", batch / javaStep, javaStep, gflop / javaStep, peakRssMb());
    out.printf(Locale.ROOT, "  %-26s %6.1f GFLOP/s (2048x2048 float32 matmul on the backend, best of 5); "
        + "the step reaches %.0f%% of it%n", "matmul peak", matmulPeak, 100 * gflop / javaStep / matmulPeak);
    if (a.has("peer")) {
      // Another tailor backend as the peer, same network, weights, batch, threads, same run.
      ComputeBackend peer = usableBackend(plugins, a.string("peer", "cpu"));
      double[] pm = measure(peer, graph, input, act, batch, steps, warmup, threads, classes, a.flag("taps"));
      out.printf(Locale.ROOT, "  %-26s %9.1f images/s  %7.3f s/step  %6.1f GFLOP/s%n",
          peer.name() + " (tailor, peer)", batch / pm[0], pm[0], gflop / pm[0]);
      out.printf(Locale.ROOT, "  %-26s %6.1f GFLOP/s%n", peer.name() + " matmul peak", pm[1]);
      out.printf(Locale.ROOT, "  ratio %s/%s: %.3fx images/s%n", backend.name(), peer.name(), pm[0] / javaStep);
      return 0;
    }
    JsonObject twin = runTwin(a, graph, act, input, batch, steps, warmup, threads, classes, err);
    if (twin != null) {
      double t = twin.get("median_step_s").getAsDouble();
      out.printf(Locale.ROOT, "  %-26s %9.1f images/s  %7.3f s/step  %6.1f GFLOP/s  peak RSS %,d MB%n",
          "pytorch " + twin.get("torch").getAsString() + (a.flag("twin-capped") ? " (twin, AVX2)"
              : " (twin)"), batch / t, t, gflop / t,
          (long) twin.get("peak_rss_mb").getAsDouble());
      out.printf(Locale.ROOT, "  ratio tailor/pytorch: %.2fx (target >= 1.0x)%n", t / javaStep);
    } else {
      out.println("  pytorch twin: not run (python3 with torch not found; apt-get install python3-torch)");
    }
    return 0;
  }

  /** Median seconds per training step of the network on {@code backend}, and its matmul peak. */
  static double[] measure(ComputeBackend backend, LayerGraph graph, List<Integer> input,
      ShapedActivation act, int batch, int steps, int warmup, int threads, int classes, boolean taps) {
    try (BackendSession s = backend.open(new BackendOptions(threads, DType.FLOAT32, 0))) {
      Network net = Network.build(graph, input, s, act, new Initializers.Suo(), InitOptions.defaults(),
          new SplittableRandom(0)).withTaps(taps);
      int n = batch;
      for (int v : input) {
        n *= v;
      }
      double[] xs = new double[n];
      SplittableRandom r = new SplittableRandom(1);
      for (int i = 0; i < n; i++) {
        xs[i] = r.nextGaussian();
      }
      int[] shape = new int[input.size() + 1];
      shape[0] = batch;
      for (int i = 0; i < input.size(); i++) {
        shape[i + 1] = input.get(i);
      }
      Tensor x = s.tensor(xs, shape);
      int[] labels = new int[batch];
      for (int i = 0; i < batch; i++) {
        labels[i] = r.nextInt(classes);
      }
      List<Double> times = new ArrayList<>();
      for (int i = 0; i < warmup + steps; i++) {
        long t0 = System.nanoTime();
        s.backward(() -> s.softmaxCrossEntropy(net.forward(x, true), labels, 0.0));
        double t = (System.nanoTime() - t0) / 1e9;
        if (i >= warmup) {
          times.add(t);
        }
      }
      return new double[] {BenchCommand.median(times), matmulPeak(s)};
    }
  }

  /** The benchmarks' network: a vanilla (w = 0) ResNet with the TAT-shaped leaky ReLU (eta 0.9). */
  record VanillaNet(LayerGraph graph, ShapedActivation activation, ModelSummary summary) {
    static VanillaNet of(PluginCatalog plugins, int depth, String stem, double width, int classes,
        List<Integer> input) {
      return of(plugins, "resnet", depth, stem, width, classes, input);
    }

    /** The vanilla network of a ResNet family ({@code resnet}, {@code cifar-resnet}). */
    static VanillaNet of(PluginCatalog plugins, String model, int depth, String stem, double width,
        int classes, List<Integer> input) {
      ModelSpec spec = ModelSpec.of(depth).withStem(stem).withWidth(width).withClasses(classes)
          .withInput(input);
      LayerGraph graph = LayerGraph.of(plugins.model(model, "--model").describe(spec));
      ShapedActivation act = Shaper.transform("tat-lrelu").shape(Activations.byName("leaky_relu"),
          ShapingTargets.defaults(), graph);
      return new VanillaNet(graph, act, ModelSummary.of(graph, input));
    }
  }

  /** The named backend, or the user error saying why it cannot run here. */
  static ComputeBackend usableBackend(PluginCatalog plugins, String name) {
    ComputeBackend backend = plugins.backend(name, "--backend");
    String why = backend.unavailableReason();
    if (why != null) {
      throw TailorException.user("backend " + backend.name() + " is not usable here: " + why);
    }
    return backend;
  }

  private JsonObject runTwin(Args a, LayerGraph graph, ShapedActivation act, List<Integer> input,
      int batch, int steps, int warmup, int threads, int classes, PrintStream err) {
    String python = a.string("python", "/usr/bin/python3");
    Path script = Path.of(a.string("twin", "benchmarks/pytorch_twin.py"));
    if (!Files.isRegularFile(script)) {
      err.println("tailor: bench: " + script + " not found; run from the project root or pass --twin");
      return null;
    }
    try {
      Path arch = Files.createTempFile("tailor-arch", ".json");
      Files.writeString(arch, LayerJson.of(graph.root()), StandardCharsets.UTF_8);
      StringBuilder in = new StringBuilder();
      for (int v : input) {
        in.append(in.length() == 0 ? "" : "x").append(v);
      }
      List<String> cmd = new ArrayList<>(Arrays.asList(python, script.toString(), "--arch",
          arch.toString(), "--input", in.toString(), "--batch", String.valueOf(batch), "--steps",
          String.valueOf(steps), "--warmup", String.valueOf(warmup), "--threads",
          String.valueOf(threads), "--classes", String.valueOf(classes), "--slope",
          String.valueOf(act.get(ShapeParam.NEGATIVE_SLOPE)), "--scale",
          String.valueOf(act.outputScale())));
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
      if (!a.flag("twin-capped")) {
        // The peer at its best correct setting: torch 1.13's oneDNN 2.6.3 AVX-512 kernels give
        // float32 gradients equal to float64 here (like our libtorch 2.0.1; libtorch 2.7.1's
        // oneDNN 3.7.1 did not), so an inherited ISA cap is removed.
        pb.environment().remove("DNNL_MAX_CPU_ISA");
        pb.environment().remove("ONEDNN_MAX_CPU_ISA");
      }
      Process p = pb.start();
      String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      int rc = p.waitFor();
      Files.deleteIfExists(arch);
      if (rc != 0 || text.isEmpty()) {
        return null;
      }
      String last = text.substring(text.lastIndexOf('\n') + 1);
      return JsonParser.parseString(last).getAsJsonObject();
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** The backend's float32 matrix-multiply rate on 2048 x 2048 operands, best of 5, in GFLOP/s. */
  static double matmulPeak(BackendSession s) {
    int n = 2048;
    double[] v = new double[n * n];
    SplittableRandom r = new SplittableRandom(7);
    for (int i = 0; i < v.length; i++) {
      v[i] = r.nextDouble() - 0.5;
    }
    Tensor a = s.tensor(v, n, n);
    Tensor b = s.tensor(v, n, n);
    double best = Double.MAX_VALUE;
    for (int i = 0; i < 6; i++) {
      long t0 = System.nanoTime();
      s.evaluate(() -> s.meanSquare(s.matmul(a, b)));
      double t = (System.nanoTime() - t0) / 1e9;
      if (i > 0) {
        best = Math.min(best, t);
      }
    }
    s.release(a);
    s.release(b);
    return 2.0 * n * n * n / best / 1e9;
  }

  /** Peak resident memory of this process (VmHWM), in MB. */
  static long peakRssMb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }
}
