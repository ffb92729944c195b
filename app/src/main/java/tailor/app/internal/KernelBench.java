package tailor.app.internal;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import tailor.api.activation.ShapedActivation;
import tailor.api.backend.BackendOptions;
import tailor.api.backend.BackendSession;
import tailor.api.backend.ComputeBackend;
import tailor.api.backend.DType;
import tailor.api.backend.Tensor;
import tailor.api.init.InitOptions;
import tailor.api.shaping.ShapingTargets;
import tailor.kernelshaping.Activations;
import tailor.kernelshaping.CMap;
import tailor.kernelshaping.Shaper;
import tailor.kernelshaping.init.Initializers;
import tailor.models.LayerGraph;
import tailor.models.Mlps;
import tailor.models.Network;

/**
 * {@code tailor bench kernel}: the kernel at initialization of a deep vanilla MLP on a backend,
 * against the theory from kernel-shaping: per-layer mean squared activation on random unit-q
 * inputs, and the features' correlation after the last layer against C_f(c), for TAT (leaky
 * ReLU, SUO) and EOC (ReLU, He), averaged over initializations.
 */
public final class KernelBench {
  private final PluginCatalog plugins;

  KernelBench(PluginCatalog plugins) {
    this.plugins = plugins;
  }

  int run(Args a, PrintStream out) {
    int depth = a.has("depth") ? a.integer("depth") : 50;
    int width = a.has("width") ? (int) Math.round(a.number("width")) : 512;
    int inits = a.has("steps") ? a.integer("steps") : 8;
    int pairs = 8;
    ComputeBackend backend = plugins.backend(a.string("backend", "cpu"), "--backend");
    LayerGraph g = Mlps.build(depth, width, 10);
    ShapedActivation trelu = Shaper.transform("tat-lrelu").shape(Activations.byName("leaky_relu"),
        ShapingTargets.defaults(), g);
    CMap local = CMap.of(trelu);
    ShapedActivation relu = ShapedActivation.identity(Activations.byName("relu"));
    double[] cs = {0.0, 0.5, 0.9};
    double[] tat = new double[cs.length];
    double[] eoc = new double[cs.length];
    double[] qMean = new double[depth];
    double qMin = Double.POSITIVE_INFINITY;
    double qMax = 0;
    out.printf(Locale.ROOT, "tailor bench kernel: mlp depth %d width %d, %d initializations, TAT %s%n",
        depth, width, inits, trelu);
    try (BackendSession s = backend.open(new BackendOptions(
        Runtime.getRuntime().availableProcessors(), DType.FLOAT64, 0))) {
      for (int init = 0; init < inits; init++) {
        Network net = Network.build(g, List.of(width), s, trelu, new Initializers.Suo(),
            InitOptions.defaults(), new SplittableRandom(init)).withTaps(false);
        // the EOC baseline as training builds it: Orthogonal Delta at sigma_w^2 = 2
        Network eocNet = Network.build(g, List.of(width), s, relu, new Initializers.Suo(),
            new InitOptions(Math.sqrt(2.0), 0.0, false), new SplittableRandom(init)).withTaps(false);
        int n = 64;
        double[] z = unitQ(n, width, 500 + init);
        List<Tensor> acts = new ArrayList<>();
        net.forward(s.tensor(z, n, width), false, acts);
        for (int l = 0; l < depth; l++) {
          double q = meanSquare(acts.get(l).toArray());
          qMean[l] += q / inits;
          qMin = Math.min(qMin, q);
          qMax = Math.max(qMax, q);
        }
        for (int k = 0; k < cs.length; k++) {
          Tensor x = s.tensor(pairs(width, cs[k], pairs, 100 + init), 2 * pairs, width);
          List<Tensor> ta = new ArrayList<>();
          net.forward(x, false, ta);
          tat[k] += meanCorrelation(ta.get(depth - 1).toArray(), width, pairs) / inits;
          List<Tensor> ea = new ArrayList<>();
          eocNet.forward(x, false, ea);
          eoc[k] += meanCorrelation(ea.get(depth - 1).toArray(), width, pairs) / inits;
        }
      }
    }
    double worst = 0;
    for (double q : qMean) {
      worst = Math.max(worst, Math.abs(q - 1));
    }
    out.printf(Locale.ROOT, "  mean squared activation, averaged over inits: worst layer off by %.1f%%;"
        + " single networks ranged %.3f .. %.3f%n", 100 * worst, qMin, qMax);
    for (int k = 0; k < cs.length; k++) {
      double want = g.full(cs[k], local::value);
      out.printf(Locale.ROOT, "  c = %.1f: TAT correlation %.4f vs C_f(c) %.4f (diff %+.4f, bound 0.05)"
          + "; EOC/ReLU %.4f (network C_f(c) %.4f)%n", cs[k], tat[k], want, tat[k] - want, eoc[k],
          g.full(cs[k], c -> tailor.kernelshaping.LeakyReluCMap.value(c, 0.0)));
    }
    return 0;
  }

  /** n inputs of dimension d, each with mean square exactly 1. */
  public static double[] unitQ(int n, int d, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double[] z = new double[n * d];
    for (int e = 0; e < n; e++) {
      double q = 0;
      for (int i = 0; i < d; i++) {
        z[e * d + i] = r.nextGaussian();
        q += z[e * d + i] * z[e * d + i] / d;
      }
      for (int i = 0; i < d; i++) {
        z[e * d + i] /= Math.sqrt(q);
      }
    }
    return z;
  }

  /** Mean of the squares. */
  public static double meanSquare(double[] v) {
    double s = 0;
    for (double e : v) {
      s += e * e;
    }
    return s / v.length;
  }

  /** {@code pairs} pairs of unit-q inputs with correlation exactly c: a [2 * pairs, d] batch. */
  public static double[] pairs(int d, double c, int pairs, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double[] x = new double[2 * pairs * d];
    for (int p = 0; p < pairs; p++) {
      double[] u = new double[d];
      double[] v = new double[d];
      double uu = 0;
      double uv = 0;
      for (int i = 0; i < d; i++) {
        u[i] = r.nextGaussian();
        v[i] = r.nextGaussian();
      }
      for (int i = 0; i < d; i++) {
        uu += u[i] * u[i];
        uv += u[i] * v[i];
      }
      double vv = 0;
      for (int i = 0; i < d; i++) {
        v[i] -= uv / uu * u[i];
        vv += v[i] * v[i];
      }
      for (int i = 0; i < d; i++) {
        double ui = u[i] * Math.sqrt(d / uu);
        double vi = v[i] * Math.sqrt(d / vv);
        x[(2 * p) * d + i] = ui;
        x[(2 * p + 1) * d + i] = c * ui + Math.sqrt(1 - c * c) * vi;
      }
    }
    return x;
  }

  /** Mean over pairs of the correlation of rows 2p and 2p + 1. */
  public static double meanCorrelation(double[] f, int d, int pairs) {
    double sum = 0;
    for (int p = 0; p < pairs; p++) {
      double q1 = 0;
      double q2 = 0;
      double q12 = 0;
      for (int i = 0; i < d; i++) {
        double a = f[(2 * p) * d + i];
        double b = f[(2 * p + 1) * d + i];
        q1 += a * a;
        q2 += b * b;
        q12 += a * b;
      }
      sum += q12 / Math.sqrt(q1 * q2);
    }
    return sum / pairs;
  }
}
