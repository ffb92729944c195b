package tailor.app.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tailor.api.activation.ShapedActivation;
import tailor.api.backend.BackendOptions;
import tailor.api.backend.BackendSession;
import tailor.api.backend.ComputeBackend;
import tailor.api.backend.DType;
import tailor.api.backend.Tensor;
import tailor.api.init.InitOptions;
import tailor.api.model.Layer;
import tailor.api.optim.Optimizer;
import tailor.api.optim.OptimizerProvider;
import tailor.kernelshaping.Activations;
import tailor.kernelshaping.init.Initializers;
import tailor.models.LayerGraph;
import tailor.models.Network;

/**
 * K-FAC's curvature as training computes it, against explicit oracles in float64 on the cpu
 * backend: {@link OptimizerStep} runs the training pass with its curvature pass (labels sampled
 * from the model with the step's seed; the oracle draws the same labels from the same logits),
 * and the optimizer's factors or steps are compared with an explicit computation from
 * per-example quantities. Tolerance 1e-10 relative: every quantity is a float64 sum of at most a
 * few hundred terms (rounding ~1e-15), computed in another order; 1e-10 leaves room for the
 * conditioning of the damped solves (condition numbers below 1e4) and still fails on any
 * mistake in a scale (a factor m or n off, a location count, a missing homogeneous coordinate).
 */
class KfacCurvatureOracleTest {
  static final long SEED = 77;
  static final ShapedActivation TANH = ShapedActivation.identity(Activations.byName("tanh"));

  static BackendSession open() {
    ComputeBackend cpu = ServiceLoader.load(ComputeBackend.class).stream()
        .map(ServiceLoader.Provider::get).filter(b -> b.name().equals("cpu")).findFirst()
        .orElseThrow();
    return cpu.open(new BackendOptions(1, DType.FLOAT64, 3));
  }

  static Optimizer kfac(Map<String, Object> overrides) {
    OptimizerProvider p = ServiceLoader.load(OptimizerProvider.class).stream()
        .map(ServiceLoader.Provider::get).filter(o -> o.name().equals("kfac")).findFirst()
        .orElseThrow();
    Map<String, Object> m = new LinkedHashMap<>(p.defaults());
    m.put("schedule", "constant");
    m.put("warmup", 0.0);
    m.putAll(overrides);
    return p.create(m);
  }

  static double rel(double[] want, double[] got) {
    assertEquals(want.length, got.length, "sizes");
    double scale = 0;
    double diff = 0;
    for (int i = 0; i < want.length; i++) {
      scale = Math.max(scale, Math.abs(want[i]));
      diff = Math.max(diff, Math.abs(want[i] - got[i]));
    }
    return scale == 0 ? diff : diff / scale;
  }

  static double[] gaussian(SplittableRandom r, int n, double scale) {
    double[] a = new double[n];
    for (int i = 0; i < n; i++) {
      a[i] = scale * r.nextGaussian();
    }
    return a;
  }

  static void addOuter(double[] m, double[] a, double w) {
    int d = a.length;
    for (int i = 0; i < d; i++) {
      for (int j = 0; j < d; j++) {
        m[i * d + j] += w * a[i] * a[j];
      }
    }
  }

  /**
   * conv(2 -> 3, 3x3, stride 2, bias) -> tanh -> dense(27 -> 5, bias), no batch norm, so each
   * example's gradient is that of a pass over the example alone. The factors of one burn-in step
   * (the whole batch, and the explicit option of its first 3 examples) equal A = mean over
   * examples (and locations) of [patch; 1][patch; 1]^T and G = mean over examples of the sum over
   * locations of g g^T, g the example's own gradient at its sampled label from a one-example
   * pass. The parameters do not move in burn-in.
   */
  @ParameterizedTest
  @ValueSource(ints = {0, 3})
  void denseAndConvFactorsEqualTheExplicitPerExampleComputation(int curvatureExamples) {
    int n = 6;
    try (BackendSession s = open()) {
      LayerGraph graph = new LayerGraph("conv net", Layer.Sequence.of(new Layer.Conv(3, 3, 2, true),
          new Layer.Activation(), new Layer.Dense(5, true)));
      Network net = Network.build(graph, List.of(2, 5, 5), s, TANH, new Initializers.Suo(),
          InitOptions.defaults(), new SplittableRandom(5));
      SplittableRandom r = new SplittableRandom(8);
      List<Network.Parameter> ps = net.parameters();
      s.assign(ps.get(1).tensor(), gaussian(r, 3, 0.2));
      s.assign(ps.get(3).tensor(), gaussian(r, 5, 0.2));
      double[] x = gaussian(r, n * 50, 1.0);
      int[] labels = {0, 1, 2, 3, 4, 0};
      Optimizer o = kfac(Map.of("burnin", 1L, "curvature_examples", (long) curvatureExamples));
      double[][] host = OptimizerStep.hostCopy(ps);
      double[][] before = OptimizerStep.hostCopy(ps);
      OptimizerStep step = new OptimizerStep(s, net, o, host, SEED);
      o.init(step.specs(), 10);
      Tensor xt = s.tensor(x, n, 2, 5, 5);
      OptimizerStep.Result res = step.run(0, xt, labels, 0.1);
      for (int i = 0; i < ps.size(); i++) {
        assertArrayEquals(before[i], host[i], "burn-in leaves " + ps.get(i).name());
      }
      int[] sampled = OptimizerStep.sampleLabels(res.logits(), n,
          OptimizerStep.curvatureRandom(SEED, 0));
      int m = curvatureExamples == 0 ? n : curvatureExamples;
      double[] aConv = new double[19 * 19];
      double[] gConv = new double[9];
      double[] aDense = new double[28 * 28];
      double[] gDense = new double[25];
      for (int e = 0; e < m; e++) {
        Tensor xe = s.tensor(Arrays.copyOfRange(x, e * 50, (e + 1) * 50), 1, 2, 5, 5);
        int label = sampled[e];
        s.backward(() -> s.softmaxCrossEntropy(net.forward(xe, true), new int[] {label}, 0.0));
        double[] gc = net.taps().get(0).outputGradient().toArray(); // [1, 3, 3, 3]
        double[] h = net.taps().get(1).input().toArray(); // [1, 27]
        double[] gd = net.taps().get(1).outputGradient().toArray(); // [1, 5]
        for (int loc = 0; loc < 9; loc++) {
          addOuter(aConv, KfacOracleTest.patch(x, e, loc / 3, loc % 3), 1.0 / (m * 9));
          addOuter(gConv, new double[] {gc[loc], gc[9 + loc], gc[18 + loc]}, 1.0 / m);
        }
        double[] hb = Arrays.copyOf(h, 28);
        hb[27] = 1;
        addOuter(aDense, hb, 1.0 / m);
        addOuter(gDense, gd, 1.0 / m);
        s.release(xe);
      }
      Map<String, double[]> st = o.state();
      assertTrue(rel(aConv, st.get("kfac/a/0")) < 1e-10, "conv A " + rel(aConv, st.get("kfac/a/0")));
      assertTrue(rel(gConv, st.get("kfac/g/0")) < 1e-10, "conv G " + rel(gConv, st.get("kfac/g/0")));
      assertTrue(rel(aDense, st.get("kfac/a/2")) < 1e-10, "dense A");
      assertTrue(rel(gDense, st.get("kfac/g/2")) < 1e-10, "dense G " + rel(gDense, st.get("kfac/g/2")));
      s.release(xt);
    }
  }

  /**
   * The explicit option curvature_pass=separate on a network whose examples do not interact:
   * the factors from the first 3 examples' pass of their own equal those of the first 3 rows of
   * the training pass (1e-10), and the next step's update is the same (1e-9: the same training
   * gradients, preconditioned by factors that agree to rounding); on a network with batch norm
   * it is refused with one line.
   */
  @Test
  void aSeparatePassOfIndependentExamplesGivesTheSameFactors() {
    int n = 6;
    double[][] factors = new double[2][];
    double[][][] grads = new double[2][][];
    for (int variant = 0; variant < 2; variant++) {
      try (BackendSession s = open()) {
        LayerGraph graph = new LayerGraph("conv net", Layer.Sequence.of(new Layer.Conv(3, 3, 2, true),
            new Layer.Activation(), new Layer.Dense(5, true)));
        Network net = Network.build(graph, List.of(2, 5, 5), s, TANH, new Initializers.Suo(),
            InitOptions.defaults(), new SplittableRandom(5));
        assertTrue(net.examplesIndependent());
        double[] x = gaussian(new SplittableRandom(8), n * 50, 1.0);
        Optimizer o = kfac(Map.of("burnin", 1L, "curvature_examples", 3L,
            "curvature_pass", variant == 0 ? "training" : "separate"));
        double[][] host = OptimizerStep.hostCopy(net.parameters());
        OptimizerStep step = new OptimizerStep(s, net, o, host, SEED);
        o.init(step.specs(), 10);
        Tensor xt = s.tensor(x, n, 2, 5, 5);
        step.run(0, xt, new int[] {0, 1, 2, 3, 4, 0}, 0.0);
        Map<String, double[]> st = o.state();
        double[] all = new double[0];
        for (String k : List.of("kfac/a/0", "kfac/g/0", "kfac/a/2", "kfac/g/2")) {
          double[] f = st.get(k);
          double[] joined = Arrays.copyOf(all, all.length + f.length);
          System.arraycopy(f, 0, joined, all.length, f.length);
          all = joined;
        }
        factors[variant] = all;
        // a step after the burn-in: the update takes the training pass's own gradients
        step.run(1, xt, new int[] {0, 1, 2, 3, 4, 0}, 0.0);
        grads[variant] = host;
        s.release(xt);
      }
    }
    assertTrue(rel(factors[0], factors[1]) < 1e-10, "separate vs training pass " + rel(factors[0], factors[1]));
    for (int i = 0; i < grads[0].length; i++) {
      assertTrue(rel(grads[0][i], grads[1][i]) < 1e-9, "leaf " + i + " after the step: "
          + rel(grads[0][i], grads[1][i]));
    }
    try (BackendSession s = open()) {
      LayerGraph graph = new LayerGraph("bn net", Layer.Sequence.of(new Layer.Dense(4, true),
          new Layer.BatchNorm(0.9), new Layer.Activation(), new Layer.Dense(3, true)));
      Network net = Network.build(graph, List.of(3), s, TANH, new Initializers.Suo(),
          InitOptions.defaults(), new SplittableRandom(5));
      Optimizer o = kfac(Map.of("curvature_examples", 2L, "curvature_pass", "separate"));
      OptimizerStep step = new OptimizerStep(s, net, o, OptimizerStep.hostCopy(net.parameters()), SEED);
      o.init(step.specs(), 10);
      Tensor xt = s.tensor(gaussian(new SplittableRandom(3), 12, 1.0), 4, 3);
      tailor.api.TailorException e = org.junit.jupiter.api.Assertions.assertThrows(
          tailor.api.TailorException.class, () -> step.run(0, xt, new int[] {0, 1, 2, 0}, 0.0));
      assertTrue(e.getMessage().contains("curvature_pass = separate needs a network whose "
          + "examples do not interact"), e.getMessage());
    }
  }

  /**
   * batch norm (2 channels) -> tanh -> global average pool -> dense(2 -> 3), computed on the host
   * from its definition: x_hat from the batch statistics (biased variance, eps 1e-5), y = scale *
   * x_hat + shift, p = mean over locations of tanh(y), z = W p + b. Each example's gradient at the
   * BN output is its own loss's (the layers after BN act per example): dy = W^T (softmax(z) -
   * onehot(sampled)) (1 - tanh(y)^2) / locations. The scale and shift blocks are the mean over
   * examples of (sum over locations of dy x_hat)^2 and (sum of dy)^2, the dense factors those of
   * [p; 1] and softmax(z) - onehot; the running statistics moved once (decay 0.9, unbiased
   * variance). Whole batch and the first 2 examples.
   */
  @ParameterizedTest
  @ValueSource(ints = {0, 2})
  void batchNormScaleAndShiftBlocksAreMeanSquaredPerExampleGradients(int curvatureExamples) {
    int n = 5;
    int c = 2;
    int loc = 9;
    int k = 3;
    try (BackendSession s = open()) {
      LayerGraph graph = new LayerGraph("bn net", Layer.Sequence.of(new Layer.BatchNorm(0.9),
          new Layer.Activation(), new Layer.GlobalAvgPool(), new Layer.Dense(k, true)));
      Network net = Network.build(graph, List.of(c, 3, 3), s, TANH, new Initializers.Suo(),
          InitOptions.defaults(), new SplittableRandom(6));
      SplittableRandom r = new SplittableRandom(9);
      List<Network.Parameter> ps = net.parameters(); // 0.scale, 0.shift, 3.weight, 3.bias
      double[] gamma = {1.3, -0.6};
      double[] beta = {0.2, -0.4};
      double[] w = gaussian(r, k * c, 0.8);
      double[] b = gaussian(r, k, 0.3);
      s.assign(ps.get(0).tensor(), gamma);
      s.assign(ps.get(1).tensor(), beta);
      s.assign(ps.get(2).tensor(), w);
      s.assign(ps.get(3).tensor(), b);
      double[] x = gaussian(r, n * c * loc, 1.5);
      for (int i = 0; i < x.length; i++) {
        x[i] += 0.5; // a mean for the running statistics to move towards
      }
      int[] labels = {0, 1, 2, 1, 0};
      Optimizer o = kfac(Map.of("burnin", 1L, "curvature_examples", (long) curvatureExamples));
      double[][] host = OptimizerStep.hostCopy(ps);
      OptimizerStep step = new OptimizerStep(s, net, o, host, SEED);
      o.init(step.specs(), 10);
      Tensor xt = s.tensor(x, n, c, 3, 3);
      OptimizerStep.Result res = step.run(0, xt, labels, 0.0);
      int[] sampled = OptimizerStep.sampleLabels(res.logits(), n,
          OptimizerStep.curvatureRandom(SEED, 0));
      int m = curvatureExamples == 0 ? n : curvatureExamples;
      // the host forward
      double[] mean = new double[c];
      double[] var = new double[c];
      for (int ch = 0; ch < c; ch++) {
        for (int e = 0; e < n; e++) {
          for (int l = 0; l < loc; l++) {
            mean[ch] += x[(e * c + ch) * loc + l] / (n * loc);
          }
        }
        for (int e = 0; e < n; e++) {
          for (int l = 0; l < loc; l++) {
            double d = x[(e * c + ch) * loc + l] - mean[ch];
            var[ch] += d * d / (n * loc);
          }
        }
      }
      double[] diagScale = new double[c];
      double[] diagShift = new double[c];
      double[] aDense = new double[(c + 1) * (c + 1)];
      double[] gDense = new double[k * k];
      for (int e = 0; e < n; e++) {
        double[] xhat = new double[c * loc];
        double[] t = new double[c * loc];
        double[] p = new double[c + 1];
        p[c] = 1;
        for (int ch = 0; ch < c; ch++) {
          for (int l = 0; l < loc; l++) {
            int i = ch * loc + l;
            xhat[i] = (x[e * c * loc + i] - mean[ch]) / Math.sqrt(var[ch] + 1e-5);
            t[i] = Math.tanh(gamma[ch] * xhat[i] + beta[ch]);
            p[ch] += t[i] / loc;
          }
        }
        double[] z = new double[k];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < k; j++) {
          z[j] = b[j];
          for (int ch = 0; ch < c; ch++) {
            z[j] += w[j * c + ch] * p[ch];
          }
          max = Math.max(max, z[j]);
        }
        assertEquals(z[0], res.logits()[e * k], 1e-12, "the host forward is the network's");
        if (e >= m) {
          continue;
        }
        double sum = 0;
        for (int j = 0; j < k; j++) {
          sum += Math.exp(z[j] - max);
        }
        double[] g = new double[k];
        for (int j = 0; j < k; j++) {
          g[j] = Math.exp(z[j] - max) / sum - (j == sampled[e] ? 1 : 0);
        }
        addOuter(aDense, p, 1.0 / m);
        addOuter(gDense, g, 1.0 / m);
        for (int ch = 0; ch < c; ch++) {
          double dp = 0;
          for (int j = 0; j < k; j++) {
            dp += w[j * c + ch] * g[j];
          }
          double gs = 0;
          double gb = 0;
          for (int l = 0; l < loc; l++) {
            int i = ch * loc + l;
            double dy = dp / loc * (1 - t[i] * t[i]);
            gs += dy * xhat[i];
            gb += dy;
          }
          diagScale[ch] += gs * gs / m;
          diagShift[ch] += gb * gb / m;
        }
      }
      Map<String, double[]> st = o.state();
      assertTrue(rel(diagScale, st.get("kfac/diag/0.scale")) < 1e-10,
          "scale block " + Arrays.toString(diagScale) + " vs " + Arrays.toString(st.get("kfac/diag/0.scale")));
      assertTrue(rel(diagShift, st.get("kfac/diag/0.shift")) < 1e-10,
          "shift block " + Arrays.toString(diagShift) + " vs " + Arrays.toString(st.get("kfac/diag/0.shift")));
      assertTrue(rel(aDense, st.get("kfac/a/3")) < 1e-10, "dense A");
      assertTrue(rel(gDense, st.get("kfac/g/3")) < 1e-10, "dense G");
      double[] rm = net.buffers().get(0).tensor().toArray();
      double[] rv = net.buffers().get(1).tensor().toArray();
      // the cpu backend hands the decay to libtorch as a float32 (DJL's batch-norm signature)
      double decay = (float) 0.9;
      for (int ch = 0; ch < c; ch++) {
        double unbiased = var[ch] * n * loc / (n * loc - 1);
        assertEquals((1 - decay) * mean[ch], rm[ch], 1e-12, "running mean, one update");
        assertEquals(decay + (1 - decay) * unbiased, rv[ch], 1e-12, "running variance, one update");
      }
      s.release(xt);
    }
  }

  /**
   * Four steps of K-FAC on dense(4 -> 3) -> tanh -> dense(3 -> 3), as training runs it (labels
   * sampled from the model, momentum 0.9, the norm constraint binding, the factor average with
   * decay min(0.8, k / (k + 1)), inverses every 2 steps, one burn-in step), against an explicit
   * host computation of each step: the forward and per-example gradients from the definitions,
   * the factors, pi-adjusted damping, and each layer's preconditioned gradient by solving
   * ((G + sqrt(l)/pi I) (x) (A + pi sqrt(l) I)) vec(V) = vec([dW | db]) with the Kronecker
   * product built out; then v = mu v - lr c V with c = min(1, sqrt(C / (lr^2 g.V))).
   */
  @Test
  void optimizerStepsEqualTheirExplicitComputation() {
    int n = 8;
    int d = 4;
    int hdim = 3;
    int k = 3;
    double lr = 0.3;
    double mu = 0.9;
    double lambda = 0.02;
    double constraint = 2e-3;
    double ema = 0.8;
    int period = 2;
    try (BackendSession s = open()) {
      LayerGraph graph = new LayerGraph("mlp", Layer.Sequence.of(new Layer.Dense(hdim, true),
          new Layer.Activation(), new Layer.Dense(k, true)));
      Network net = Network.build(graph, List.of(d), s, TANH, new Initializers.Suo(),
          InitOptions.defaults(), new SplittableRandom(4));
      SplittableRandom r = new SplittableRandom(10);
      double[] x = gaussian(r, n * d, 1.0);
      int[] labels = new int[n];
      for (int i = 0; i < n; i++) {
        labels[i] = r.nextInt(k);
      }
      Optimizer o = kfac(Map.of("burnin", 1L, "learning_rate", lr, "momentum", mu,
          "damping", lambda, "norm_constraint", constraint, "ema", ema,
          "inverse_period", (long) period));
      double[][] host = OptimizerStep.hostCopy(net.parameters());
      OptimizerStep step = new OptimizerStep(s, net, o, host, SEED);
      o.init(step.specs(), 20);
      Tensor xt = s.tensor(x, n, d);
      // the oracle's state
      double[][] theta = OptimizerStep.hostCopy(net.parameters()); // w1, b1, w2, b2
      double[][] vel = {new double[hdim * d], new double[hdim], new double[k * hdim], new double[k]};
      double[][] fa = new double[2][];
      double[][] fg = new double[2][];
      double[][][] invAt = new double[2][][]; // the damped factors at the last inversion
      double[][][] invGt = new double[2][][];
      int binding = 0;
      for (int t = 0; t < 5; t++) {
        OptimizerStep.Result res = step.run(t, xt, labels, 0.0);
        int[] sampled = OptimizerStep.sampleLabels(res.logits(), n,
            OptimizerStep.curvatureRandom(SEED, t));
        // host forward and gradients
        double[] a0 = new double[(d + 1) * (d + 1)];
        double[] a1 = new double[(hdim + 1) * (hdim + 1)];
        double[] g1 = new double[hdim * hdim];
        double[] g2 = new double[k * k];
        double[][] grad = {new double[hdim * d], new double[hdim], new double[k * hdim], new double[k]};
        for (int e = 0; e < n; e++) {
          double[] xe = Arrays.copyOfRange(x, e * d, (e + 1) * d);
          double[] h = new double[hdim];
          for (int j = 0; j < hdim; j++) {
            double v = theta[1][j];
            for (int i = 0; i < d; i++) {
              v += theta[0][j * d + i] * xe[i];
            }
            h[j] = Math.tanh(v);
          }
          double[] z = new double[k];
          for (int j = 0; j < k; j++) {
            z[j] = theta[3][j];
            for (int i = 0; i < hdim; i++) {
              z[j] += theta[2][j * hdim + i] * h[i];
            }
          }
          assertEquals(z[1], res.logits()[e * k + 1], 1e-12, "step " + t + ": the host forward");
          double[] pr = softmax(z);
          double[] dzTrain = pr.clone();
          dzTrain[labels[e]] -= 1;
          double[] dzCurv = pr.clone();
          dzCurv[sampled[e]] -= 1;
          double[] dsTrain = backToHidden(theta[2], dzTrain, h);
          double[] dsCurv = backToHidden(theta[2], dzCurv, h);
          for (int j = 0; j < hdim; j++) {
            for (int i = 0; i < d; i++) {
              grad[0][j * d + i] += dsTrain[j] * xe[i] / n;
            }
            grad[1][j] += dsTrain[j] / n;
          }
          for (int j = 0; j < k; j++) {
            for (int i = 0; i < hdim; i++) {
              grad[2][j * hdim + i] += dzTrain[j] * h[i] / n;
            }
            grad[3][j] += dzTrain[j] / n;
          }
          addOuter(a0, append1(xe), 1.0 / n);
          addOuter(a1, append1(h), 1.0 / n);
          addOuter(g1, dsCurv, 1.0 / n);
          addOuter(g2, dzCurv, 1.0 / n);
        }
        double decay = Math.min(ema, t / (t + 1.0));
        double[][] freshA = {a0, a1};
        double[][] freshG = {g1, g2};
        for (int l = 0; l < 2; l++) {
          fa[l] = fa[l] == null ? freshA[l] : mix(fa[l], freshA[l], decay);
          fg[l] = fg[l] == null ? freshG[l] : mix(fg[l], freshG[l], decay);
        }
        if (t >= 1) {
          if ((t - 1) % period == 0) {
            for (int l = 0; l < 2; l++) {
              int da = (int) Math.round(Math.sqrt(fa[l].length));
              int dg = (int) Math.round(Math.sqrt(fg[l].length));
              double pi = Math.sqrt((trace(fa[l], da) / da) / (trace(fg[l], dg) / dg));
              invAt[l] = damped(fa[l], da, pi * Math.sqrt(lambda));
              invGt[l] = damped(fg[l], dg, Math.sqrt(lambda) / pi);
            }
          }
          double[][] pre = new double[4][];
          int[][] dims = {{hdim, d}, {k, hdim}};
          for (int l = 0; l < 2; l++) {
            int out = dims[l][0];
            int in = dims[l][1];
            int da = in + 1;
            double[] rhs = new double[out * da];
            for (int o2 = 0; o2 < out; o2++) {
              for (int i = 0; i < in; i++) {
                rhs[o2 * da + i] = grad[2 * l][o2 * in + i];
              }
              rhs[o2 * da + in] = grad[2 * l + 1][o2];
            }
            double[][] kron = new double[out * da][out * da];
            for (int p1 = 0; p1 < out; p1++) {
              for (int q1 = 0; q1 < da; q1++) {
                for (int p2 = 0; p2 < out; p2++) {
                  for (int q2 = 0; q2 < da; q2++) {
                    kron[p1 * da + q1][p2 * da + q2] = invGt[l][p1][p2] * invAt[l][q1][q2];
                  }
                }
              }
            }
            double[] v = KfacOracleTest.solve(kron, rhs);
            pre[2 * l] = new double[out * in];
            pre[2 * l + 1] = new double[out];
            for (int o2 = 0; o2 < out; o2++) {
              System.arraycopy(v, o2 * da, pre[2 * l], o2 * in, in);
              pre[2 * l + 1][o2] = v[o2 * da + in];
            }
          }
          double dot = 0;
          for (int i = 0; i < 4; i++) {
            for (int j = 0; j < pre[i].length; j++) {
              dot += grad[i][j] * pre[i][j];
            }
          }
          double coeff = Math.min(1.0, Math.sqrt(constraint / (lr * lr * dot)));
          if (coeff < 1) {
            binding++;
          }
          for (int i = 0; i < 4; i++) {
            for (int j = 0; j < pre[i].length; j++) {
              vel[i][j] = mu * vel[i][j] - lr * coeff * pre[i][j];
              theta[i][j] += vel[i][j];
            }
          }
        }
        for (int i = 0; i < 4; i++) {
          double err = rel(theta[i], host[i]);
          assertTrue(err < 1e-10, "step " + t + ", leaf " + i + ": relative error " + err);
        }
      }
      assertTrue(binding >= 2, "the norm constraint bound at " + binding + " of 4 steps");
      double[] st = o.state().get("kfac/a/0");
      assertTrue(rel(fa[0], st) < 1e-10, "the first layer's A after five estimates");
      s.release(xt);
    }
  }

  static double[] softmax(double[] z) {
    double max = Arrays.stream(z).max().orElseThrow();
    double sum = 0;
    double[] p = new double[z.length];
    for (int j = 0; j < z.length; j++) {
      p[j] = Math.exp(z[j] - max);
      sum += p[j];
    }
    for (int j = 0; j < z.length; j++) {
      p[j] /= sum;
    }
    return p;
  }

  /** d loss / d hidden pre-activation from d loss / d logits, through W2 and tanh. */
  static double[] backToHidden(double[] w2, double[] dz, double[] h) {
    double[] ds = new double[h.length];
    for (int i = 0; i < h.length; i++) {
      double v = 0;
      for (int j = 0; j < dz.length; j++) {
        v += w2[j * h.length + i] * dz[j];
      }
      ds[i] = v * (1 - h[i] * h[i]);
    }
    return ds;
  }

  static double[] append1(double[] v) {
    double[] out = Arrays.copyOf(v, v.length + 1);
    out[v.length] = 1;
    return out;
  }

  static double[] mix(double[] old, double[] fresh, double decay) {
    double[] out = new double[old.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = decay * old[i] + (1 - decay) * fresh[i];
    }
    return out;
  }

  static double trace(double[] m, int dim) {
    double t = 0;
    for (int i = 0; i < dim; i++) {
      t += m[i * dim + i];
    }
    return t;
  }

  static double[][] damped(double[] m, int dim, double shift) {
    double[][] out = KfacOracleTest.square(m, dim);
    for (int i = 0; i < dim; i++) {
      out[i][i] += shift;
    }
    return out;
  }
}
