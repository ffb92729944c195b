package tailor.app.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tailor.api.Names;
import tailor.api.TailorException;

/**
 * The grids {@code tailor experiment} runs: the TAT paper's comparison (methods x architectures
 * x optimizers) at a few scales. Every cell is a {@code tailor train} run given as settings.
 */
final class Experiment {
  /** A row label of the table: how the network is made trainable. */
  record Method(String id, String label, Map<String, String> settings) {}

  /** The network (depth, skips, normalization). */
  record Arch(String id, String label, Map<String, String> settings) {}

  /**
   * One training run of the grid. {@code seed} 0 runs at the preset's seed; a cell with seed k
   * &gt; 0 is the k-th repeat of the same run at seed (preset's seed + k), to measure the
   * seed-to-seed spread. Repeats share their first run's probes.
   */
  record Cell(Method method, Arch arch, String optimizer, Map<String, String> settings, int seed) {
    Cell(Method method, Arch arch, String optimizer, Map<String, String> settings) {
      this(method, arch, optimizer, settings, 0);
    }

    /** The run's folder name: the group's, with {@code -seed<k>} for a repeat. */
    String id() {
      return seed == 0 ? group() : group() + "-seed" + seed;
    }

    /** What the repeats of one run share: architecture, method and optimizer. */
    String group() {
      return arch.id() + "-" + method.id() + "-" + optimizer;
    }
  }

  /**
   * A grid. {@code cells} is in run order (the comparisons the acceptance names first), the
   * table orders rows by {@code methods} and {@code archs}.
   */
  record Preset(String name, String summary, String reductions, boolean needsData,
      List<Method> methods, List<Arch> archs, List<String> optimizers, List<Cell> cells,
      Map<String, String> base, String estimate, Probe probe) {
    Preset(String name, String summary, String reductions, boolean needsData,
        List<Method> methods, List<Arch> archs, List<String> optimizers, List<Cell> cells,
        Map<String, String> base, String estimate) {
      this(name, summary, reductions, needsData, methods, archs, optimizers, cells, base,
          estimate, null);
    }

    /** The same grid with another probe stage (null: none). */
    Preset withProbe(Probe p) {
      return new Preset(name, summary, reductions, needsData, methods, archs, optimizers, cells,
          base, estimate, p);
    }

    /** The first run (seed 0) of a method, architecture and optimizer, or null. */
    Cell cell(Method m, Arch a, String optimizer) {
      for (Cell c : cells) {
        if (c.method() == m && c.arch() == a && c.optimizer().equals(optimizer) && c.seed() == 0) {
          return c;
        }
      }
      return null;
    }

    /** Every run of a cell's group (the first run and its seed repeats), in seed order. */
    List<Cell> repeats(Cell first) {
      List<Cell> out = new ArrayList<>();
      for (Cell c : cells) {
        if (c.group().equals(first.group())) {
          out.add(c);
        }
      }
      out.sort(java.util.Comparator.comparingInt(Cell::seed));
      return out;
    }

    /** The preset's seed (every cell's, plus its repeat index). */
    int baseSeed() {
      return Integer.parseInt(base.getOrDefault("seed", "0"));
    }
  }

  /**
   * A probe stage: before a cell runs, short runs of it at every point of {@code grid} (the
   * values of each key, crossed, keys in name order; a cell takes the keys that apply to its
   * optimizer), trained on
   * all but {@code holdout} of the training split and scored on that held-out part (never the
   * test split); the cell then runs at the point with the best held-out top-1 (ties: the lower
   * held-out loss).
   *
   * @param settings what the probe runs change besides (their length: steps or epochs)
   */
  record Probe(double holdout, Map<String, String> settings, Map<String, List<String>> grid) {
    Probe {
      if (!(holdout > 0 && holdout < 1)) {
        throw TailorException.user(String.format(Locale.ROOT, "the probe's held-out fraction %s "
            + "is outside (0, 1); it is the share of the training split the probes are scored "
            + "on, e.g. 0.1", holdout));
      }
      for (Map.Entry<String, List<String>> e : grid.entrySet()) {
        if (e.getValue().isEmpty()) {
          throw TailorException.user("the probe grid of " + e.getKey() + " has no values; give "
              + "it at least one, e.g. " + e.getKey() + "=0.001,0.003,0.01");
        }
      }
      // keys in name order: the points' order (and so their folders) never depends on the map
      // the grid came in
      settings = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(settings));
      grid = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(grid));
    }

    /** The grid points that apply to a cell with this optimizer, in order. */
    List<Map<String, String>> points(String optimizer) {
      List<Map<String, String>> out = new ArrayList<>();
      out.add(new LinkedHashMap<>());
      for (Map.Entry<String, List<String>> e : grid.entrySet()) {
        if (!appliesTo(e.getKey(), optimizer)) {
          continue;
        }
        List<Map<String, String>> next = new ArrayList<>();
        for (Map<String, String> p : out) {
          for (String v : e.getValue()) {
            Map<String, String> q = new LinkedHashMap<>(p);
            q.put(e.getKey(), v);
            next.add(q);
          }
        }
        out = next;
      }
      return out.size() == 1 && out.get(0).isEmpty() ? List.of() : out;
    }
  }

  static final List<String> NAMES = List.of("cifar-study", "cifar-quick", "cifar-smoke",
      "digits-smoke", "cifar", "imagenet");

  private Experiment() {}

  // The methods of the paper's comparison.
  static final Method TAT90 = new Method("tat-lrelu-0.9", "TAT LReLU eta=0.9",
      ordered("method", "tat", "activation", "leaky_relu", "eta", "0.9"));
  static final Method TAT95 = new Method("tat-lrelu-0.95", "TAT LReLU eta=0.95",
      ordered("method", "tat", "activation", "leaky_relu", "eta", "0.95"));
  static final Method EOC = new Method("eoc-relu", "EOC ReLU (Orthogonal Delta, sigma_w^2=2)",
      ordered("method", "eoc", "activation", "relu"));
  static final Method DKS = new Method("dks-softplus", "DKS softplus",
      ordered("method", "dks", "activation", "softplus"));
  static final Method LRELU = new Method("lrelu", "LReLU untransformed",
      ordered("method", "untransformed", "activation", "leaky_relu"));
  /**
   * The standard ResNet: ReLU, batch norm (decay 0.9), plain skips, Orthogonal Delta at
   * sigma_w = sqrt(2) as the paper initializes every method.
   */
  static final Method BN_RELU = new Method("relu-bn", "ReLU + BatchNorm (standard)",
      ordered("method", "eoc", "activation", "relu"));

  private static Arch vanilla(int depth) {
    return new Arch("vanilla" + depth, "vanilla ResNet-" + depth + " (w=0)", ordered("model", "resnet",
        "depth", Integer.toString(depth), "shortcut_weight", "0", "norm", "none"));
  }

  private static Arch rescaled(int depth) {
    return new Arch("rescaled" + depth, "rescaled ResNet-" + depth + " (w=0.8)", ordered("model",
        "resnet", "depth", Integer.toString(depth), "shortcut_weight", "0.8", "norm", "none"));
  }

  private static Arch batchNorm(int depth) {
    return new Arch("bn" + depth, "ResNet-" + depth + " + BN", ordered("model", "resnet", "depth",
        Integer.toString(depth), "shortcut_weight", "none", "norm", "batch"));
  }

  static Preset preset(String name, String source) {
    return switch (name) {
      case "cifar-study" -> cifarStudy();
      case "cifar-quick" -> cifarQuick();
      case "cifar-smoke" -> cifarSmoke();
      case "digits-smoke" -> digitsSmoke();
      case "cifar" -> cifarFull();
      case "imagenet" -> imagenet();
      default -> throw TailorException.user(Names.unknown("preset", name, source, NAMES));
    };
  }

  /** The CIFAR presets' learning rates at depth 101: a third of the shared (depth-50) ones. */
  private static final String[] DEPTH_101_RATES = {"optimizer.kfac.learning_rate", "0.0001",
      "optimizer.sgd.learning_rate", "0.003"};

  /** Settings shared by the CIFAR presets: the fixed (untuned) optimizer settings. */
  private static Map<String, String> cifarBase() {
    Map<String, String> b = new LinkedHashMap<>();
    b.put("dataset", "cifar10");
    b.put("stem", "cifar");
    b.put("block", "v2");
    b.put("batch", "128");
    b.put("seed", "0");
    b.put("optimizer.kfac.learning_rate", "0.0003");
    b.put("optimizer.kfac.damping", "0.01");
    b.put("optimizer.sgd.learning_rate", "0.01");
    b.put("optimizer.lars.learning_rate", "1.0");
    return b;
  }

  /** He et al.'s CIFAR ResNet without skips or normalization. */
  private static Arch cifarVanilla(int depth) {
    return new Arch("vanilla" + depth, "vanilla CIFAR ResNet-" + depth + " (w=0)",
        ordered("model", "cifar-resnet", "depth", Integer.toString(depth), "shortcut_weight", "0",
            "norm", "none"));
  }

  /** The standard CIFAR ResNet: identity skips and batch norm. */
  private static Arch cifarBatchNorm(int depth) {
    return new Arch("bn" + depth, "CIFAR ResNet-" + depth + " + BN", ordered("model",
        "cifar-resnet", "depth", Integer.toString(depth), "shortcut_weight", "none", "norm",
        "batch"));
  }

  /**
   * The study {@code docs/results.md} publishes (issue 15): the paper's comparison sized to a
   * 2-core CPU. Vanilla TAT against EOC at a shallow depth (20) and at 56, K-FAC against SGD,
   * the BN ResNet-56, 6 epochs with label smoothing 0.1, every cell at its probed learning
   * rate, and the headline cells at two seeds. Cheap cells run first, so that a grid stopped
   * part way has its SGD comparisons.
   */
  private static Preset cifarStudy() {
    // depth 20, not less: on a shallower vanilla net TAT's eta 0.9 cannot be reached (depth 8
    // allows C_f(0) <= 0.81) or leaves leaky ReLU all but ReLU (depth 14: slope 0.024)
    Arch v20 = cifarVanilla(20);
    Arch v56 = cifarVanilla(56);
    Arch bn56 = cifarBatchNorm(56);
    Map<String, String> base = new LinkedHashMap<>();
    base.put("dataset", "cifar10");
    base.put("block", "v2");
    base.put("width", "0.5");
    base.put("batch", "128");
    base.put("epochs", "6");
    base.put("warmup_epochs", "0.5");
    base.put("label_smoothing", "0.1");
    base.put("seed", "0");
    base.put("evals_per_epoch", "1");
    base.put("log_every", "50");
    base.put("checkpoint_every", "200");
    // the paper's K-FAC: damping 1e-3, norm constraint 1e-3, momentum 0.9, factors from the
    // whole batch every step, inverses every 50 steps (the plugin's defaults, named here)
    base.put("optimizer.kfac.damping", "0.001");
    base.put("optimizer.kfac.norm_constraint", "0.001");
    base.put("optimizer.kfac.momentum", "0.9");
    base.put("optimizer.kfac.curvature_examples", "0");
    base.put("optimizer.kfac.inverse_period", "50");
    base.put("optimizer.sgd.momentum", "0.9");
    // overwritten by each cell's probed rate
    base.put("optimizer.kfac.learning_rate", "0.0003");
    base.put("optimizer.sgd.learning_rate", "0.01");
    Probe probe = new Probe(0.1, ordered("steps", "200", "epochs", "0", "warmup_epochs", "0"),
        // K-FAC reaches down to 1e-5: at depth 56 the 1e-4 probe stayed at chance and 3e-5 was the
        // best point, the edge of the grid as it was
        Map.of("optimizer.kfac.learning_rate", List.of("0.00001", "0.00003", "0.0001", "0.0003", "0.001"),
            "optimizer.sgd.learning_rate", List.of("0.0003", "0.001", "0.003", "0.01", "0.03", "0.1", "0.3")));
    List<Cell> cells = new ArrayList<>();
    add(cells, TAT90, v20, "sgd");
    add(cells, EOC, v20, "sgd");
    add(cells, TAT90, v56, "sgd");
    add(cells, EOC, v56, "sgd");
    add(cells, BN_RELU, bn56, "sgd");
    add(cells, TAT90, v56, "sgd", 1);
    add(cells, BN_RELU, bn56, "sgd", 1);
    add(cells, TAT90, v20, "kfac");
    add(cells, EOC, v20, "kfac");
    add(cells, TAT90, v56, "kfac");
    add(cells, EOC, v56, "kfac");
    add(cells, TAT90, v56, "kfac", 1);
    return new Preset("cifar-study",
        "the TAT paper's CIFAR-10 comparison sized to one 2-core CPU: vanilla TAT vs EOC at "
            + "depths 20 and 56, K-FAC vs SGD, the BN ResNet-56, probed rates, two seeds for the "
            + "headline cells",
        "He et al.'s CIFAR ResNets at width 0.5 (8/16/32 channels instead of 16/32/64), 6 epochs "
            + "of batch 128 (cosine, half an epoch of warm-up) instead of the paper's full "
            + "schedule, depths 20 and 56 only, two seeds only for TAT at depth 56 (both "
            + "optimizers) and the BN ResNet; learning rates probed "
            + "with 200-step runs, K-FAC's damping fixed at the paper's 1e-3 (not probed), no "
            + "weight decay in any arm, the BN ResNet with SGD only",
        true, List.of(TAT90, EOC, BN_RELU), List.of(v20, v56, bn56), List.of("kfac", "sgd"), cells,
        base, "about 7 hours on 2 cores (measured steps at depth 56: K-FAC 1.6-1.9 s, SGD "
            + "0.3 s; it resumes across sessions)", probe);
  }

  private static Preset cifarQuick() {
    Arch v50 = vanilla(50);
    // At the depth-50 rates both optimizers blew up the depth-101 TAT network (K-FAC's loss spiked
    // at step 80, SGD's went to NaN at step 51); a third of them trains it. The paper, too, tunes
    // the learning rate per network.
    Arch v101 = with(vanilla(101), DEPTH_101_RATES);
    // Depth 50 at the same rates, so that depth is compared at one step size.
    Arch v50slow = with(vanilla(50), "vanilla50-rates101", "vanilla ResNet-50 (w=0), depth-101 rates",
        DEPTH_101_RATES);
    Arch r50 = rescaled(50);
    Arch bn50 = batchNorm(50);
    Map<String, String> base = cifarBase();
    base.put("width", "0.125");
    base.put("epochs", "2");
    base.put("warmup_epochs", "0.1"); // the 5% of 2 epochs it always had
    base.put("evals_per_epoch", "2");
    base.put("log_every", "20");
    base.put("checkpoint_every", "100");
    List<String> opts = List.of("kfac", "sgd", "lars");
    List<Cell> cells = new ArrayList<>();
    // The acceptance's comparisons first: TAT vs EOC, K-FAC vs SGD, the BN ResNet.
    for (String o : List.of("kfac", "sgd")) {
      add(cells, TAT90, v50, o);
      add(cells, EOC, v50, o);
      add(cells, BN_RELU, bn50, o);
    }
    for (String o : List.of("kfac", "sgd")) {
      add(cells, TAT90, v101, o);
      add(cells, EOC, v101, o);
    }
    for (String o : List.of("kfac", "sgd")) {
      add(cells, TAT95, v50, o);
      add(cells, DKS, v50, o);
      add(cells, LRELU, v50, o);
      add(cells, TAT90, r50, o);
    }
    for (String o : List.of("kfac", "sgd")) {
      add(cells, DKS, v101, o);
    }
    for (Method m : List.of(TAT90, EOC, TAT95, DKS, LRELU)) {
      add(cells, m, v50, "lars");
    }
    add(cells, TAT90, r50, "lars");
    add(cells, BN_RELU, bn50, "lars");
    for (String o : List.of("kfac", "sgd")) {
      add(cells, TAT90, v50slow, o);
      add(cells, EOC, v50slow, o);
    }
    return new Preset("cifar-quick",
        "the TAT paper's CIFAR-10 comparison at a scale one 2-core CPU runs in about 4 hours",
        "width 0.125 (8 base channels instead of 64), 2 epochs instead of the paper's full "
            + "schedule, one seed, fixed untuned optimizer settings (no learning-rate or damping "
            + "search; depth 101 at a third of the depth-50 learning rates, at which it trains, "
            + "and TAT and EOC at depth 50 at those rates too), depth 101 only for TAT (eta 0.9), "
            + "EOC and DKS, LARS only at depth 50",
        true, List.of(TAT90, TAT95, EOC, DKS, LRELU, BN_RELU),
        List.of(v50, v50slow, v101, r50, bn50), opts, cells, base, "about 4 hours on 2 cores (measured: see results.md)");
  }

  private static Preset cifarSmoke() {
    Arch v18 = vanilla(18);
    Arch bn18 = batchNorm(18);
    Map<String, String> base = cifarBase();
    base.put("width", "0.0625");
    base.put("batch", "64");
    base.put("steps", "40");
    base.put("warmup_epochs", "0.005"); // 4 of the 40 steps
    base.put("log_every", "10");
    base.put("checkpoint_every", "20");
    List<Cell> cells = new ArrayList<>();
    for (String o : List.of("kfac", "sgd")) {
      add(cells, TAT90, v18, o);
      add(cells, EOC, v18, o);
    }
    add(cells, BN_RELU, bn18, "sgd");
    return new Preset("cifar-smoke",
        "the grid machinery end to end on real CIFAR-10 in a few minutes (not a result)",
        "depth 18, width 0.0625, 40 steps of batch 64, 5 runs", true, List.of(TAT90, EOC, BN_RELU),
        List.of(v18, bn18), List.of("kfac", "sgd"), cells, base, "a few minutes");
  }

  private static Preset digitsSmoke() {
    Arch mlp = new Arch("mlp24", "MLP, 24 hidden layers", ordered("model", "mlp", "depth", "24"));
    Map<String, String> base = new LinkedHashMap<>();
    base.put("dataset", "digits");
    base.put("width", "0.25");
    base.put("batch", "64");
    base.put("epochs", "2");
    base.put("warmup_epochs", "0.1");
    base.put("evals_per_epoch", "2");
    base.put("log_every", "5");
    base.put("seed", "0");
    base.put("optimizer.kfac.damping", "0.01");
    base.put("optimizer.sgd.learning_rate", "0.01");
    List<Cell> cells = new ArrayList<>();
    for (String o : List.of("kfac", "sgd")) {
      add(cells, TAT90, mlp, o);
      add(cells, EOC, mlp, o);
    }
    return new Preset("digits-smoke", "the grid machinery on the embedded digits set, in seconds",
        "a 24-layer MLP of width 64, two epochs", false, List.of(TAT90, EOC), List.of(mlp),
        List.of("kfac", "sgd"), cells, base, "under a minute");
  }

  private static Preset cifarFull() {
    Map<String, String> base = cifarBase();
    base.put("width", "1");
    base.put("epochs", "100");
    base.put("warmup_epochs", "5");
    base.put("label_smoothing", "0.1");
    base.put("dropout", "0.0");
    base.put("checkpoint_every", "1000");
    base.put("log_every", "50");
    return fullGrid("cifar", "the TAT paper's CIFAR-10 study at full width (for a GPU)",
        "nothing reduced in the grid; one seed, the fixed optimizer settings of cifar-quick, "
            + "depth 101 at its lower learning rates (tune them per cell for a faithful "
            + "comparison), 100 epochs of batch 128",
        base, DEPTH_101_RATES, "days on one GPU");
  }

  private static Preset imagenet() {
    Map<String, String> base = new LinkedHashMap<>();
    base.put("dataset", "imagenet");
    base.put("stem", "imagenet");
    base.put("block", "v2");
    base.put("width", "1");
    base.put("batch", "1024");
    base.put("epochs", "90");
    base.put("label_smoothing", "0.1");
    base.put("seed", "0");
    base.put("checkpoint_every", "1000");
    base.put("log_every", "50");
    base.put("warmup_epochs", "5");
    for (String o : List.of("kfac", "sgd", "lars")) {
      base.put("optimizer." + o + ".schedule", "cosine");
      base.put("optimizer." + o + ".momentum", "0.9");
    }
    base.put("optimizer.sgd.learning_rate", "0.1");
    base.put("optimizer.kfac.learning_rate", "0.0003");
    base.put("optimizer.kfac.damping", "0.001");
    base.put("optimizer.kfac.norm_constraint", "0.001");
    base.put("optimizer.kfac.inverse_period", "50");
    base.put("optimizer.kfac.curvature_examples", "0"); // the whole batch, every step
    base.put("optimizer.lars.trust_coefficient", "0.001");
    // eta: both of the paper's values are rows of the grid (TAT eta 0.9 and 0.95)
    Probe probe = new Probe(0.01, ordered("steps", "2000", "epochs", "0", "warmup_epochs", "0"),
        Map.of("optimizer.kfac.learning_rate", List.of("0.0001", "0.0003", "0.001"),
            "optimizer.kfac.damping", List.of("0.0001", "0.001", "0.01"),
            "optimizer.sgd.learning_rate", List.of("0.03", "0.1", "0.3"),
            "optimizer.lars.learning_rate", List.of("1", "3", "10")));
    return fullGrid("imagenet", "the TAT paper's ImageNet settings (for a GPU cluster)",
        "nothing: batch 1024, 90 epochs, cosine schedules with 5 warm-up epochs, label smoothing "
            + "0.1, momentum 0.9, K-FAC damping 1e-3 (probed with its rate), norm constraint "
            + "1e-3, factors every step from the whole batch, inverses every 50 steps, LARS "
            + "trust 0.001, BN decay 0.9; learning rates probed on 1% of the training split",
        base, new String[0], "weeks of GPU time").withProbe(probe);
  }

  /**
   * A GPU preset's whole grid at depths 50 and 101: every method on the vanilla networks, both
   * TAT targets on the rescaled ones, the standard recipe on the BN ResNets, under every optimizer.
   */
  private static Preset fullGrid(String name, String summary, String reductions,
      Map<String, String> base, String[] deepRates, String estimate) {
    List<Arch> archs = List.of(vanilla(50), with(vanilla(101), deepRates), rescaled(50),
        with(rescaled(101), deepRates), batchNorm(50), batchNorm(101));
    List<String> opts = List.of("kfac", "sgd", "lars");
    List<Method> methods = List.of(TAT90, TAT95, EOC, DKS, LRELU);
    List<Cell> cells = new ArrayList<>();
    for (String o : opts) {
      for (Arch a : archs) {
        if (a.id().startsWith("bn")) {
          add(cells, BN_RELU, a, o);
        } else if (a.id().startsWith("rescaled")) {
          add(cells, TAT90, a, o);
          add(cells, TAT95, a, o);
        } else {
          for (Method m : methods) {
            add(cells, m, a, o);
          }
        }
      }
    }
    List<Method> rows = new ArrayList<>(methods);
    rows.add(BN_RELU);
    return new Preset(name, summary, reductions, true, rows, archs, opts, cells, base, estimate);
  }

  /** Settings in the order written (the report prints them). */
  private static Map<String, String> ordered(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return java.util.Collections.unmodifiableMap(m);
  }

  /**
   * Whether a setting applies to a run with this optimizer: every setting but another
   * optimizer's {@code optimizer.<name>.<key>}.
   */
  static boolean appliesTo(String key, String optimizer) {
    return !key.startsWith("optimizer.") || key.startsWith("optimizer." + optimizer + ".");
  }

  /** The architecture with settings of its own (e.g. learning rates for its depth). */
  private static Arch with(Arch a, String... kv) {
    return with(a, a.id(), a.label(), kv);
  }

  /** The same, as a separate architecture of the grid (its own id and row label). */
  private static Arch with(Arch a, String id, String label, String... kv) {
    Map<String, String> s = new LinkedHashMap<>(a.settings());
    s.putAll(ordered(kv));
    return new Arch(id, label, java.util.Collections.unmodifiableMap(s));
  }

  private static void add(List<Cell> cells, Method m, Arch a, String optimizer) {
    add(cells, m, a, optimizer, 0);
  }

  /** The run of a method, architecture and optimizer at the preset's seed plus {@code seed}. */
  private static void add(List<Cell> cells, Method m, Arch a, String optimizer, int seed) {
    Map<String, String> s = new LinkedHashMap<>();
    a.settings().forEach((k, v) -> {
      if (appliesTo(k, optimizer)) {
        s.put(k, v);
      }
    });
    s.putAll(m.settings());
    s.put("optimizer", optimizer);
    cells.add(new Cell(m, a, optimizer, java.util.Collections.unmodifiableMap(s), seed));
  }
}
