package tailor.app.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import tailor.api.Names;
import tailor.api.TailorException;
import tailor.api.activation.BaseActivation;
import tailor.api.activation.ShapedActivation;
import tailor.api.backend.BackendOptions;
import tailor.api.backend.BackendSession;
import tailor.api.backend.ComputeBackend;
import tailor.api.backend.DType;
import tailor.api.data.DataOptions;
import tailor.api.data.Dataset;
import tailor.api.init.InitOptions;
import tailor.api.init.Initializer;
import tailor.api.model.ModelFamily;
import tailor.api.model.ModelSpec;
import tailor.api.shaping.ActivationTransform;
import tailor.api.shaping.ShapingTargets;
import tailor.kernelshaping.PerLocationNormalization;
import tailor.kernelshaping.Shaper;
import tailor.models.LayerGraph;
import tailor.models.ModelSummary;
import tailor.models.Network;

/**
 * Everything a run builds from its configuration, checked at the boundary: the dataset, the
 * architecture, the (shaped) activation, the initializer and the network on a backend session.
 * Training and {@code tailor eval} build through here, so a checkpoint's configuration rebuilds
 * the same network.
 */
final class ModelBuild implements AutoCloseable {
  static final List<String> METHODS = List.of("tat", "dks", "untransformed", "eoc");

  final RunConfig config;
  final Dataset data;
  /** What evaluations read: "test" (the test split) or "holdout" (held-out training examples). */
  final String evaluatedOn;
  /** The permutation seed of held-out examples. */
  static final long HOLDOUT_SEED = 0x5eed_401dL;
  final PerLocationNormalization.Homogeneous pln;
  final List<Integer> input;
  final LayerGraph graph;
  final ShapedActivation activation;
  final String transformName;
  final Initializer initializer;
  /** The initializer's weight multiplier (NaN: the initializer's own). */
  final double sigmaW;
  final BackendSession session;
  final Network network;
  final ModelSummary summary;
  final int threads;

  ModelBuild(PluginCatalog plugins, RunConfig c) {
    this.config = c;
    String method = c.string("method");
    if (!METHODS.contains(method)) {
      throw TailorException.user(Names.unknown("method", method, c.source("method"), METHODS));
    }
    String actName = c.string("activation");
    if (method.equals("eoc")) {
      if (!c.isDefault("activation") && !actName.equals("relu")) {
        throw TailorException.user("--method eoc is ReLU at the edge of chaos (Orthogonal Delta, sigma_w^2 = 2); "
            + "it takes no --activation " + actName + "; drop --activation or use --method tat");
      }
      actName = "relu";
    }
    BaseActivation base = plugins.activation(actName, c.source("activation"));
    String norm = c.string("norm");
    if (!List.of("none", "batch").contains(norm)) {
      throw TailorException.user(Names.unknown("normalization", norm, c.source("norm"), List.of("none", "batch")));
    }
    if (norm.equals("batch") && (method.equals("tat") || method.equals("dks"))) {
      throw TailorException.user(String.format(Locale.ROOT,
          "--norm batch cannot be combined with --method %s: DKS and TAT shape networks without "
              + "normalization layers (batch norm breaks their Q/C-map theory); use --norm none, or "
              + "--method untransformed (or eoc) for the batch-norm ResNet baseline", method));
    }

    // Data first: its shape and classes size the model.
    String dsName = c.string("dataset");
    var provider = plugins.dataset(dsName, c.source("dataset"));
    String dir = c.string("data"); // a provider that needs files says so, naming its layout
    long loaderThreads = c.integer("loader_threads");
    if (loaderThreads < 1 || loaderThreads > 64) {
      throw TailorException.user("--loader-threads " + loaderThreads + " must be from 1 to 64");
    }
    long imageSize = c.integer("image_size");
    if (imageSize < 0 || imageSize > 4096) {
      throw TailorException.user("--image-size " + imageSize + " must be from 0 (default) to 4096");
    }
    Dataset opened = provider.open(new DataOptions(dir.isEmpty() ? null
        : Path.of(dir), (int) imageSize, (int) loaderThreads, c.string("augment"),
        c.pluginSettings("dataset")));
    double holdout = c.number("holdout");
    if (holdout != 0 && !(holdout > 0 && holdout < 1)) {
      throw TailorException.user(String.format(Locale.ROOT, "--holdout %s (from %s) is outside "
          + "(0, 1); it is the share of the training split evaluated on instead of the test "
          + "split, e.g. 0.1, or 0 for the test split", holdout, c.source("holdout")));
    }
    // The held-out examples are the same for every seed: runs that differ in their settings
    // (a learning-rate probe) are scored on one set.
    this.data = holdout > 0 ? new tailor.datasets.Holdout(opened, holdout, HOLDOUT_SEED) : opened;
    this.evaluatedOn = holdout > 0 ? "holdout" : "test";
    String plnName = c.string("pln");
    switch (plnName) {
      case "off":
        pln = null;
        break;
      case "on":
        pln = PerLocationNormalization.Homogeneous.ONE;
        break;
      case "avg_q":
        pln = PerLocationNormalization.Homogeneous.AVG_Q;
        break;
      default:
        throw TailorException.user(Names.unknown("per-location normalization", plnName, c.source("pln"),
            List.of("off", "on", "avg_q")));
    }
    List<Integer> shape = new ArrayList<>(data.exampleShape());
    if (pln != null) {
      if (shape.size() != 3) {
        throw TailorException.user("--pln applies to image data [C, H, W]; " + dsName + " gives " + shape);
      }
      shape.set(0, PerLocationNormalization.outputChannels(shape.get(0), pln));
    }
    this.input = List.copyOf(shape);

    // The architecture: a user's graph file, or a model family.
    String graphFile = c.string("graph");
    LayerGraph fromFile = null;
    if (!graphFile.isEmpty()) {
      GraphFile.Read g = GraphFile.read(Path.of(graphFile));
      if (g.input() != null && !g.input().equals(input)) {
        throw TailorException.user("--graph " + graphFile + " is for inputs " + g.input() + " but "
            + dsName + " gives " + input + (pln != null ? " (with --pln)" : "")
            + "; export the graph for this input or use matching data");
      }
      fromFile = g.graph();
    }
    if (fromFile != null) {
      for (String k : List.of("model", "depth", "width", "stem", "block", "shortcut_weight",
          "norm", "dropout")) {
        if (!c.isDefault(k)) {
          throw TailorException.user("--" + k.replace('_', '-') + " (from " + c.source(k)
              + ") does not apply with --graph: the graph file states the architecture");
        }
      }
      this.graph = fromFile;
    } else {
      this.graph = familyGraph(plugins, c, norm, input);
    }
    this.summary = ModelSummary.of(graph, input);
    if (!summary.output().equals(List.of(data.classNames().size()))) {
      throw TailorException.user(String.format(Locale.ROOT, "%s gives outputs %s for inputs %s; "
          + "the data has %d classes, so the last layer needs %d outputs", graph.describe(),
          summary.output(), input, data.classNames().size(), data.classNames().size()));
    }

    // The activation.
    if (method.equals("eoc")) {
      this.transformName = "untransformed";
      this.activation = ShapedActivation.identity(base);
    } else {
      this.transformName = Shaper.transformFor(method, base);
      if (method.equals("tat") && base.name().equals("relu")) {
        throw TailorException.user("relu cannot be shaped by TAT; use leaky_relu (TAT-LReLU) or a "
            + "smooth activation, or --method eoc for the ReLU baseline");
      }
      ActivationTransform t = plugins.transform(transformName, c.source("method"));
      String rejected = t.rejects(base);
      if (rejected != null) {
        throw TailorException.user(rejected);
      }
      if (!transformName.equals("untransformed")) {
        String why = graph.shapingIncompatibility();
        if (why != null) {
          throw TailorException.user("--method " + method + " cannot shape this network: " + why);
        }
      }
      ShapingTargets targets = ShapingTargets.defaults().withEta(c.number("eta"))
          .withTau(c.number("tau")).withZeta(c.number("zeta"));
      this.activation = t.shape(base, targets, graph.subnetMaxFunction());
    }

    // The initializer.
    // Every method starts from the Orthogonal Delta initialization with a multiplier sigma_w,
    // as the TAT paper runs all of them; the EOC baseline (and the batch-norm ResNet, which uses
    // it) at sigma_w^2 = 2, the ReLU edge of chaos. Gaussian He only when asked for.
    String init = c.string("init");
    if (init.equals("auto")) {
      init = "suo";
    }
    this.initializer = plugins.initializer(init, c.source("init"));
    String sw0 = c.string("sigma_w");
    boolean autoSigma = sw0.equals("auto");
    double sigmaW;
    if (autoSigma) {
      sigmaW = method.equals("eoc") ? Math.sqrt(2.0) : 1.0;
    } else {
      try {
        sigmaW = Double.parseDouble(sw0);
      } catch (NumberFormatException e) {
        sigmaW = Double.NaN;
      }
      if (!(sigmaW > 0) || Double.isInfinite(sigmaW)) {
        throw TailorException.user("--sigma-w '" + sw0 + "' (from " + c.source("sigma_w")
            + ") must be a number > 0 or auto (sqrt(2) for eoc, 1 otherwise)");
      }
    }
    this.sigmaW = init.equals("suo") || !autoSigma ? sigmaW : Double.NaN;
    InitOptions io = new InitOptions(this.sigmaW, 0.0, false);

    // The backend.
    long t = c.integer("threads");
    if (t < 0 || t > 1024) {
      throw TailorException.user("--threads " + t + " must be from 0 (all cores) to 1024");
    }
    this.threads = t == 0 ? Runtime.getRuntime().availableProcessors() : (int) t;
    ComputeBackend backend = plugins.backend(c.string("backend"), c.source("backend"));
    String why = backend.unavailableReason();
    if (why != null) {
      throw TailorException.user("backend " + backend.name() + " is not usable here: " + why);
    }
    this.session = backend.open(new BackendOptions(threads, DType.FLOAT32, c.integer("seed"),
        c.pluginSettings("backend")));
    try {
      this.network = Network.build(graph, input, session, activation, initializer, io,
          new SplittableRandom(c.integer("seed"))).withTaps(false);
    } catch (RuntimeException e) {
      session.close();
      throw e;
    }
  }

  /** The architecture of a model family from the run's settings. */
  private LayerGraph familyGraph(PluginCatalog plugins, RunConfig c, String norm, List<Integer> input) {
    String model = c.string("model");
    ModelFamily family = plugins.model(model, c.source("model"));
    long depth = c.integer("depth");
    if (depth < 1 || depth > 100_000) {
      throw TailorException.user(String.format(Locale.ROOT, "depth %d (from %s) must be from 1 to 100000",
          depth, c.source("depth")));
    }
    ShapeService.requireDepth(family, model, (int) depth, c.source("depth"));
    boolean resnet = !family.depths().isEmpty();
    String sw = c.string("shortcut_weight");
    Double w;
    if (sw.equals("none")) {
      w = null;
    } else {
      try {
        w = Double.parseDouble(sw);
      } catch (NumberFormatException e) {
        throw TailorException.user("--shortcut-weight '" + sw + "' is not a number in [0, 1] or none");
      }
      if (!(w >= 0 && w <= 1)) {
        throw TailorException.user("--shortcut-weight " + sw + " is outside [0, 1]; 0 means no skips");
      }
    }
    ModelSpec spec = ModelSpec.of((int) depth).withWidth(c.number("width"))
        .withClasses(data.classNames().size()).withInput(input).withDropout(c.number("dropout"))
        .withSettings(c.pluginSettings("model"));
    if (resnet) {
      spec = spec.withStem(c.string("stem")).withBlock(c.string("block")).withNorm(norm)
          .withShortcutWeight(w);
    } else {
      if (norm.equals("batch")) {
        throw TailorException.user("mlp has no normalization layers; --norm batch applies to resnet only");
      }
      if (w == null || w != 0.0) {
        throw TailorException.user("mlp has no shortcuts; --shortcut-weight applies to resnet only");
      }
    }
    tailor.api.model.Architecture arch = family.describe(spec);
    LayerGraph g = LayerGraph.of(arch);
    if (g == null) {
      throw TailorException.user("model " + model + " (" + arch.describe() + ") does not describe "
          + "its layers (Architecture.layers()), so it can be shaped but not trained");
    }
    return g;
  }

  /** A loaded batch as an input tensor on the session (free it with release). */
  tailor.api.backend.Tensor input(tailor.datasets.BatchStream.Batch bt) {
    float[] xf = prepare(bt.x(), bt.size());
    double[] xd = new double[xf.length];
    for (int i = 0; i < xf.length; i++) {
      xd[i] = xf[i];
    }
    return session.tensor(xd, batchShape(bt.size()));
  }

  /** The input batch as the network sees it (per-location normalized when --pln is on). */
  float[] prepare(float[] x, int n) {
    if (pln == null) {
      return x;
    }
    List<Integer> s = data.exampleShape();
    return PerLocationNormalization.apply(x, n, s.get(0), s.get(1) * s.get(2), pln, 1.0);
  }

  /** The batch shape [n, input...]. */
  int[] batchShape(int n) {
    int[] shape = new int[input.size() + 1];
    shape[0] = n;
    for (int i = 0; i < input.size(); i++) {
      shape[i + 1] = input.get(i);
    }
    return shape;
  }

  @Override
  public void close() {
    session.close();
  }
}
