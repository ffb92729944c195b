package tailor.app.internal;

import jakarta.inject.Inject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tailor.api.TailorException;
import tailor.api.activation.BaseActivation;
import tailor.api.activation.ShapeParam;
import tailor.api.activation.ShapedActivation;
import tailor.api.model.Architecture;
import tailor.api.model.ModelFamily;
import tailor.api.model.ModelSpec;
import tailor.api.shaping.ActivationTransform;
import tailor.api.shaping.Quadrature;
import tailor.api.shaping.ShapingTargets;
import tailor.kernelshaping.LocalMaps;
import tailor.kernelshaping.NetworkMaps;
import tailor.kernelshaping.Shaper;
import tailor.kernelshaping.TargetChecks;
import tailor.models.LayerGraph;

/** Runs one shape case: validate at the boundary, solve, measure the result. */
public final class ShapeService {
  private final PluginCatalog plugins;

  @Inject
  ShapeService(PluginCatalog plugins) {
    this.plugins = plugins;
  }

  /** The outcome of one case. */
  record Outcome(ShapeCase request, String transformName, Architecture architecture,
      ShapingTargets targets, Map<String, Double> targetsUsed, ShapedActivation shaped,
      LocalMaps local, NetworkMaps network, double solveMs) {}

  /** Validated inputs, ready to solve (the solve is timed separately). */
  record Prepared(ShapeCase request, BaseActivation base, ActivationTransform transform,
      Architecture architecture, ShapingTargets targets) {}

  Prepared prepare(ShapeCase c) {
    BaseActivation base = plugins.activation(c.activation(), c.source("activation"));
    String transformName = resolveMethod(c, base);
    ActivationTransform transform = plugins.transform(transformName, c.source("method"));
    String rejected = transform.rejects(base);
    if (rejected != null) {
      throw TailorException.user(rejected);
    }
    if (c.graph() != null) {
      return prepareGraph(c, base, transform, targets(c));
    }
    ModelFamily family = plugins.model(c.model(), c.source("model"));
    boolean resnet = !family.depths().isEmpty();
    if (!resnet && c.block() != null) {
      throw TailorException.user(c.source("block") + " applies to resnet only, not " + c.model());
    }
    Double w = c.shortcutWeight();
    if (w != null && !(w >= 0.0 && w <= 1.0)) {
      throw TailorException.user(String.format(Locale.ROOT,
          "shortcut weight w = %s (from %s) is outside [0, 1]; w weights the shortcut in "
              + "sqrt(1 - w^2) * residual + w * shortcut (0 = no shortcuts)",
          TargetChecks.num(w), c.source("shortcut_weight")));
    }
    requireDepth(family, c.model(), c.depth(), c.source("depth"));
    ShapingTargets t = targets(c);
    ModelSpec spec = ModelSpec.of(c.depth()).withShortcutWeight(w == null ? 0.0 : w)
        .withBlock(c.block() == null ? "v2" : c.block())
        .withStem(family.stems().isEmpty() ? "imagenet" : family.stems().get(0));
    Architecture described = family.describe(spec);
    // a family's layer graph: M_{f,r} and the rest derived here from its layers
    Architecture arch = described.layers() != null ? LayerGraph.of(described) : described;
    if (!transform.name().equals("untransformed") && arch.shapingIncompatibility() != null) {
      throw TailorException.user(arch.describe() + " cannot be shaped: " + arch.shapingIncompatibility());
    }
    return new Prepared(c, base, transform, arch, t);
  }

  private static ShapingTargets targets(ShapeCase c) {
    ShapingTargets defaults = ShapingTargets.defaults();
    return new ShapingTargets(
        c.eta() != null ? TargetChecks.eta(c.eta(), c.source("eta")) : defaults.eta(),
        c.tau() != null ? TargetChecks.tau(c.tau(), c.source("tau")) : defaults.tau(),
        c.zeta() != null ? TargetChecks.zeta(c.zeta(), c.source("zeta")) : defaults.zeta(),
        c.qSlope() != null ? TargetChecks.qSlope(c.qSlope(), c.source("q_slope")) : defaults.qSlope(),
        quadrature(c));
  }

  /** A user's own architecture from a layer-graph file: it replaces --model, --depth and the ResNet options. */
  private static Prepared prepareGraph(ShapeCase c, BaseActivation base, ActivationTransform transform,
      ShapingTargets t) {
    for (String k : new String[] {"shortcut_weight", "block"}) {
      Object v = k.equals("block") ? c.block() : c.shortcutWeight();
      if (v != null) {
        throw TailorException.user(c.source(k) + " does not apply with " + c.source("graph")
            + ": the graph file states its shortcuts and blocks");
      }
    }
    Architecture arch = GraphFile.read(java.nio.file.Path.of(c.graph())).graph();
    if (!transform.name().equals("untransformed") && arch.shapingIncompatibility() != null) {
      throw TailorException.user(arch.describe() + " cannot be shaped: " + arch.shapingIncompatibility());
    }
    return new Prepared(c, base, transform, arch, t);
  }

  private static Quadrature quadrature(ShapeCase c) {
    if (c.quadrature() == null) {
      return Quadrature.DKS;
    }
    switch (c.quadrature()) {
      case "dks":
        return Quadrature.DKS;
      case "exact":
        return Quadrature.EXACT;
      default:
        throw TailorException.user(tailor.api.Names.unknown("quadrature", c.quadrature(),
            c.source("quadrature"), List.of("dks", "exact")));
    }
  }

  /** A family with a fixed set of depths accepts only those; the message names the source. */
  static void requireDepth(ModelFamily family, String model, int depth, String source) {
    if (!family.depths().isEmpty() && !family.depths().contains(depth)) {
      throw TailorException.user(String.format(Locale.ROOT, "%s has no depth %d (from %s); known depths: %s",
          model, depth, source, join(family.depths())));
    }
  }

  /** "tat" is TAT-LReLU for leaky ReLU and TAT-smooth otherwise; other names are transforms. */
  private String resolveMethod(ShapeCase c, BaseActivation base) {
    if (c.method().equals("tat") && base.name().equals("relu")) {
      throw TailorException.user(
          "relu cannot be shaped by TAT; use leaky_relu (TAT-LReLU) or a smooth activation");
    }
    List<String> names = new java.util.ArrayList<>(plugins.transformNames());
    names.add("tat");
    if (!names.contains(c.method())) {
      throw TailorException.user(tailor.api.Names.unknown("method", c.method(), c.source("method"), names));
    }
    return Shaper.transformFor(c.method(), base);
  }

  /** Solves a prepared case. */
  Outcome solve(Prepared p) {
    long t0 = System.nanoTime();
    ShapedActivation shaped = p.transform().shape(p.base(), p.targets(), p.architecture().subnetMaxFunction());
    double ms = (System.nanoTime() - t0) / 1e6;
    LocalMaps local = LocalMaps.of(shaped, p.targets().quadrature());
    NetworkMaps network = NetworkMaps.of(shaped, p.architecture().subnetMaxFunction(),
        p.targets().quadrature());
    return new Outcome(p.request(), p.transform().name(), p.architecture(), p.targets(),
        p.transform().targetsUsed(p.targets()), shaped, local, network, ms);
  }

  Outcome run(ShapeCase c) {
    return solve(prepare(c));
  }

  /** The JSON object of an outcome, with exactly the documented keys. */
  static Map<String, Object> toJson(Outcome o) {
    ShapeCase c = o.request();
    String d = o.architecture().describe();
    boolean resnet = d.startsWith("resnet") || d.startsWith("cifar-resnet");
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("method", c.method());
    m.put("activation", c.activation());
    if (c.graph() != null) {
      m.put("graph", c.graph());
      m.put("model", d);
      m.put("depth", null);
    } else {
      m.put("model", c.model());
      m.put("depth", c.depth());
    }
    m.put("shortcut_weight", resnet ? (c.shortcutWeight() == null ? 0.0 : c.shortcutWeight()) : null);
    m.put("block", resnet ? (c.block() == null ? "v2" : c.block()) : null);
    m.put("targets", o.targetsUsed());
    Map<String, Double> params = new LinkedHashMap<>();
    for (Map.Entry<ShapeParam, Double> e : o.shaped().params().entrySet()) {
      params.put(e.getKey().key(), e.getValue());
    }
    m.put("params", params);
    Map<String, Double> local = new LinkedHashMap<>();
    local.put("q_slope_1", o.local().qSlope1());
    local.put("c_0", o.local().c0());
    local.put("c_slope_1", o.local().cSlope1());
    local.put("c_curv_1", o.local().cCurv1());
    m.put("local", local);
    Map<String, Double> net = new LinkedHashMap<>();
    net.put("c_0", o.network().c0());
    net.put("c_slope_1", o.network().cSlope1());
    net.put("c_curv_1", o.network().cCurv1());
    m.put("network", net);
    List<Map<String, Double>> values = new java.util.ArrayList<>();
    for (double x : c.at()) {
      Map<String, Double> v = new LinkedHashMap<>();
      v.put("x", x);
      v.put("y", o.shaped().value(x));
      values.add(v);
    }
    m.put("values", values);
    m.put("solve_ms", Math.round(o.solveMs() * 1000.0) / 1000.0);
    return m;
  }

  private static String join(List<Integer> xs) {
    StringBuilder sb = new StringBuilder();
    for (Integer x : xs) {
      sb.append(sb.length() == 0 ? "" : ", ").append(x);
    }
    return sb.toString();
  }
}
