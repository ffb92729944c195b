package tailor.app.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tailor.api.activation.ShapedActivation;
import tailor.api.backend.BackendOptions;
import tailor.api.backend.BackendSession;
import tailor.api.backend.ComputeBackend;
import tailor.api.backend.DType;
import tailor.api.backend.LayerTap;
import tailor.api.backend.Tensor;
import tailor.api.optim.LayerStatistics;
import tailor.api.optim.Optimizer;
import tailor.api.optim.OptimizerProvider;
import tailor.api.optim.ParamKind;
import tailor.api.optim.ParamSpec;
import tailor.api.optim.StepContext;
import tailor.kernelshaping.Activations;

/**
 * K-FAC against explicit oracles in float64 on the cpu backend: the Kronecker factors against
 * sums over per-example quantities, the preconditioned step against an explicit Kronecker
 * product solve, one step of a linear least-squares problem against the normal equations, and
 * the block-diagonal approximation of a two-layer network against its explicit Fisher.
 */
class KfacOracleTest {
  static BackendSession s;
  static final ShapedActivation TANH = ShapedActivation.identity(Activations.byName("tanh"));

  @BeforeAll
  static void open() {
    ComputeBackend cpu = ServiceLoader.load(ComputeBackend.class).stream().map(ServiceLoader.Provider::get)
        .filter(b -> b.name().equals("cpu")).findFirst().orElseThrow();
    s = cpu.open(new BackendOptions(1, DType.FLOAT64, 3));
  }

  @AfterAll
  static void close() {
    s.close();
  }

  static double[] gaussian(int n, SplittableRandom r, double scale) {
    double[] a = new double[n];
    for (int i = 0; i < n; i++) {
      a[i] = scale * r.nextGaussian();
    }
    return a;
  }

  static Optimizer kfac(Map<String, Object> overrides) {
    OptimizerProvider p = ServiceLoader.load(OptimizerProvider.class).stream()
        .map(ServiceLoader.Provider::get).filter(o -> o.name().equals("kfac")).findFirst().orElseThrow();
    Map<String, Object> m = new LinkedHashMap<>(p.defaults());
    m.put("schedule", "constant");
    m.put("warmup", 0.0);
    m.putAll(overrides);
    return p.create(m);
  }

  /** As {@link Ctx}, also offering the gradients as backend tensors. */
  record TensorCtx(Ctx c, Tensor[] gradientTensors) implements StepContext {
    public long step() {
      return c.step();
    }

    public List<ParamSpec> specs() {
      return c.specs();
    }

    public double[][] gradients() {
      return c.gradients();
    }

    public double[][] parameters() {
      return c.parameters();
    }

    public List<LayerStatistics> layers() {
      return c.layers();
    }

    public double[][] curvatureGradients() {
      return c.curvatureGradients();
    }

    public BackendSession session() {
      return c.session();
    }

    public Tensor gradientTensor(int leaf) {
      return gradientTensors[leaf];
    }
  }

  /**
   * Preconditioning from the backend's gradient tensors (the training loop's path: no host round
   * trip) gives the same step as from the host arrays, over three steps with momentum.
   */
  @Test
  void backendGradientTensorsGiveTheSameStepsAsHostGradients() {
    int n = 5;
    ConvNet net = new ConvNet(n, 13);
    Map<String, Object> cfg = Map.of("burnin", 0L, "learning_rate", 0.1, "damping", 0.03,
        "inverse_period", 2L);
    Optimizer host = kfac(cfg);
    Optimizer device = kfac(cfg);
    host.init(net.specs, 10);
    device.init(net.specs, 10);
    double[][] ph = {net.values[0].clone(), net.values[1].clone(), net.values[2].clone(), net.values[3].clone()};
    double[][] pd = {net.values[0].clone(), net.values[1].clone(), net.values[2].clone(), net.values[3].clone()};
    for (int step = 0; step < 3; step++) {
      net.backward(0, n);
      host.update(new Ctx(step, net.specs, net.gradients(), ph, net.statistics(n), net.gradients(), s));
      Tensor[] gt = new Tensor[4];
      for (int i = 0; i < 4; i++) {
        gt[i] = s.gradientCopy(net.params[i]);
      }
      device.update(new TensorCtx(new Ctx(step, net.specs, net.gradients(), pd, net.statistics(n),
          net.gradients(), s), gt));
      for (Tensor t : gt) {
        s.release(t);
      }
      for (int i = 0; i < 4; i++) {
        assertTrue(maxRelDiff(ph[i], pd[i]) < 1e-14, "step " + step + ", leaf " + i);
        assertTrue(maxAbsDiff(ph[i], net.values[i]) > 0, "the step moved leaf " + i);
      }
    }
  }

  /** A step context with explicit statistics. */
  record Ctx(long step, List<ParamSpec> specs, double[][] gradients, double[][] parameters,
      List<LayerStatistics> layers, double[][] curvatureGradients, BackendSession session)
      implements StepContext {}

  /** conv(2->3, 3x3, stride 2, bias) -> tanh -> dense(27->5, bias) -> softmax cross-entropy. */
  static final class ConvNet {
    final int n;
    final double[] x;
    final int[] labels;
    final double[][] values;
    final Tensor[] params;
    final List<ParamSpec> specs = List.of(
        new ParamSpec("conv.weight", new int[] {3, 2, 3, 3}, ParamKind.WEIGHT),
        new ParamSpec("conv.bias", new int[] {3}, ParamKind.BIAS),
        new ParamSpec("dense.weight", new int[] {5, 27}, ParamKind.WEIGHT),
        new ParamSpec("dense.bias", new int[] {5}, ParamKind.BIAS));
    final LayerTap convTap = new LayerTap("conv");
    final LayerTap denseTap = new LayerTap("dense");

    ConvNet(int n, long seed) {
      SplittableRandom r = new SplittableRandom(seed);
      this.n = n;
      x = gaussian(n * 2 * 25, r, 1.0);
      labels = new int[n];
      for (int i = 0; i < n; i++) {
        labels[i] = r.nextInt(5);
      }
      values = new double[][] {gaussian(54, r, 0.4), gaussian(3, r, 0.1), gaussian(135, r, 0.3),
          gaussian(5, r, 0.1)};
      params = new Tensor[4];
      for (int i = 0; i < 4; i++) {
        params[i] = s.parameter(values[i], specs.get(i).shape());
      }
    }

    /** Backward on examples [from, from + count); the taps hold that pass's tensors. */
    double backward(int from, int count) {
      double[] xs = java.util.Arrays.copyOfRange(x, from * 50, (from + count) * 50);
      int[] ls = java.util.Arrays.copyOfRange(labels, from, from + count);
      Tensor xt = s.tensor(xs, count, 2, 5, 5);
      return s.backward(() -> {
        Tensor y = s.conv2d(xt, params[0], params[1], 2, convTap);
        Tensor h = s.flatten(s.activation(y, TANH));
        Tensor z = s.dense(h, params[2], params[3], denseTap);
        return s.softmaxCrossEntropy(z, ls, 0.0);
      });
    }

    List<LayerStatistics> statistics(int count) {
      return List.of(
          new LayerStatistics("conv", 0, 1, 3, 2, convTap.input(), convTap.outputGradient(), count),
          new LayerStatistics("dense", 2, 3, 0, 1, denseTap.input(), denseTap.outputGradient(), count));
    }

    double[][] gradients() {
      double[][] g = new double[4][];
      for (int i = 0; i < 4; i++) {
        g[i] = s.gradientArray(params[i]);
      }
      return g;
    }
  }

  /** Patches of the conv (pad 1, stride 2) of example i at output (oy, ox), with the bias 1. */
  static double[] patch(double[] x, int i, int oy, int ox) {
    double[] p = new double[2 * 9 + 1];
    for (int c = 0; c < 2; c++) {
      for (int ky = 0; ky < 3; ky++) {
        for (int kx = 0; kx < 3; kx++) {
          int iy = oy * 2 - 1 + ky;
          int ix = ox * 2 - 1 + kx;
          boolean inside = iy >= 0 && iy < 5 && ix >= 0 && ix < 5;
          p[c * 9 + ky * 3 + kx] = inside ? x[i * 50 + c * 25 + iy * 5 + ix] : 0.0;
        }
      }
    }
    p[18] = 1.0;
    return p;
  }

  static void addOuter(double[][] m, double[] a, double[] b, double w) {
    for (int i = 0; i < a.length; i++) {
      for (int j = 0; j < b.length; j++) {
        m[i][j] += w * a[i] * b[j];
      }
    }
  }

  static double maxRelDiff(double[] expected, double[] actual) {
    double scale = 0;
    double diff = 0;
    for (int i = 0; i < expected.length; i++) {
      scale = Math.max(scale, Math.abs(expected[i]));
      diff = Math.max(diff, Math.abs(expected[i] - actual[i]));
    }
    return diff / scale;
  }

  static double maxRelDiff(double[][] expected, double[] actual) {
    double scale = 0;
    double diff = 0;
    int d = expected[0].length;
    for (int i = 0; i < expected.length; i++) {
      for (int j = 0; j < d; j++) {
        scale = Math.max(scale, Math.abs(expected[i][j]));
        diff = Math.max(diff, Math.abs(expected[i][j] - actual[i * d + j]));
      }
    }
    return diff / scale;
  }

  /**
   * A = mean over examples and locations of [patch; 1][patch; 1]^T and G = sum over locations,
   * mean over examples, of g g^T with g each example's own gradient (from single-example passes):
   * the factors K-FAC builds from one batched pass agree to 1e-12 (float64 rounding of sums of
   * a few hundred terms).
   */
  /**
   * The factors after two burn-in steps (an exact average of two estimates: the in-place moving
   * average) equal their explicit computation from per-example quantities (1e-12 relative).
   */
  @Test
  void factorsEqualTheirExplicitPerExampleComputation() {
    int n = 4;
    ConvNet net = new ConvNet(n, 11);
    Optimizer o = kfac(Map.of("burnin", 2L));
    o.init(net.specs, 10);
    double[][] p = {net.values[0].clone(), net.values[1].clone(), net.values[2].clone(), net.values[3].clone()};
    net.backward(0, n);
    o.update(new Ctx(0, net.specs, net.gradients(), p, net.statistics(n), net.gradients(), s));
    double[][] first = explicitFactors(net, 0, n);
    Map<String, double[]> st = o.state();
    assertTrue(maxRelDiff(first[0], st.get("kfac/a/conv")) < 1e-12, "conv A");
    assertTrue(maxRelDiff(first[1], st.get("kfac/g/conv")) < 1e-12, "conv G");
    assertTrue(maxRelDiff(first[2], st.get("kfac/a/dense")) < 1e-12, "dense A");
    assertTrue(maxRelDiff(first[3], st.get("kfac/g/dense")) < 1e-12, "dense G");

    net.backward(1, n - 1);
    o.update(new Ctx(1, net.specs, net.gradients(), p, net.statistics(n - 1), net.gradients(), s));
    for (int i = 0; i < 4; i++) {
      assertEquals(0.0, maxAbsDiff(p[i], net.values[i]), "burn-in steps do not move parameters");
    }
    double[][] second = explicitFactors(net, 1, n - 1);
    st = o.state();
    String[] keys = {"kfac/a/conv", "kfac/g/conv", "kfac/a/dense", "kfac/g/dense"};
    for (int f = 0; f < 4; f++) {
      double[] mean = new double[first[f].length];
      for (int i = 0; i < mean.length; i++) {
        mean[i] = 0.5 * first[f][i] + 0.5 * second[f][i];
      }
      assertTrue(maxRelDiff(mean, st.get(keys[f])) < 1e-12, keys[f] + " after two estimates");
    }
  }

  /** A and G of both layers, flattened, from per-example passes over [from, from + count). */
  static double[][] explicitFactors(ConvNet net, int from, int count) {
    double[][] a1 = new double[19][19];
    double[][] g1 = new double[3][3];
    double[][] a2 = new double[28][28];
    double[][] g2 = new double[5][5];
    for (int i = from; i < from + count; i++) {
      net.backward(i, 1);
      double[] gc = net.convTap.outputGradient().toArray(); // [1, 3, 3, 3]
      double[] h = net.denseTap.input().toArray();
      double[] gd = net.denseTap.outputGradient().toArray();
      for (int oy = 0; oy < 3; oy++) {
        for (int ox = 0; ox < 3; ox++) {
          double[] pt = patch(net.x, i, oy, ox);
          addOuter(a1, pt, pt, 1.0 / (count * 9));
          double[] g = {gc[oy * 3 + ox], gc[9 + oy * 3 + ox], gc[18 + oy * 3 + ox]};
          addOuter(g1, g, g, 1.0 / count);
        }
      }
      double[] hb = java.util.Arrays.copyOf(h, 28);
      hb[27] = 1.0;
      addOuter(a2, hb, hb, 1.0 / count);
      addOuter(g2, gd, gd, 1.0 / count);
    }
    return new double[][] {flat(a1), flat(g1), flat(a2), flat(g2)};
  }

  static double[] flat(double[][] m) {
    double[] out = new double[m.length * m[0].length];
    for (int i = 0; i < m.length; i++) {
      System.arraycopy(m[i], 0, out, i * m[0].length, m[0].length);
    }
    return out;
  }

  /**
   * The layout K-FAC relies on, end to end: the backend's conv weight gradient (OIHW) equals the
   * sum over examples and locations of outer(output gradient, patch) with the patches from
   * {@code BackendSession.patches}, and the bias gradient the sum of the output gradients (1e-12).
   */
  @Test
  void convWeightGradientIsTheSumOfOuterProductsOfPatches() {
    int n = 3;
    ConvNet net = new ConvNet(n, 14);
    net.backward(0, n);
    double[] dw = s.gradientArray(net.params[0]); // [3, 18]
    double[] db = s.gradientArray(net.params[1]);
    Tensor rows = s.patches(net.convTap.input(), 3, 2); // [n*9, 18]
    Tensor gRows = s.channelRows(net.convTap.outputGradient()); // [n*9, 3]
    assertEquals(List.of(n * 9, 18), java.util.Arrays.stream(rows.shape()).boxed().toList());
    double[] pr = rows.toArray();
    double[] gr = gRows.toArray();
    double[] expectW = new double[54];
    double[] expectB = new double[3];
    for (int r = 0; r < n * 9; r++) {
      for (int o = 0; o < 3; o++) {
        expectB[o] += gr[r * 3 + o];
        for (int j = 0; j < 18; j++) {
          expectW[o * 18 + j] += gr[r * 3 + o] * pr[r * 18 + j];
        }
      }
    }
    assertTrue(maxAbsDiff(expectW, dw) < 1e-12, "weight " + maxAbsDiff(expectW, dw));
    assertTrue(maxAbsDiff(expectB, db) < 1e-12, "bias " + maxAbsDiff(expectB, db));
    // and the hand-built patches of the oracle agree with the backend's
    for (int i = 0; i < n; i++) {
      for (int t = 0; t < 9; t++) {
        double[] hp = patch(net.x, i, t / 3, t % 3);
        for (int j = 0; j < 18; j++) {
          assertEquals(hp[j], pr[(i * 9 + t) * 18 + j], 0.0);
        }
      }
    }
    s.release(rows);
    s.release(gRows);
  }

  /** A non-finite factor stops the step with a message that names the layer. */
  @Test
  void nonFiniteStatisticsNameTheLayer() {
    ConvNet net = new ConvNet(2, 13);
    net.backward(0, 2);
    Optimizer o = kfac(Map.of());
    o.init(net.specs, 10);
    double[] bad = new double[2 * 27];
    bad[5] = Double.POSITIVE_INFINITY;
    Tensor in = s.tensor(bad, 2, 27);
    List<LayerStatistics> ls = List.of(net.statistics(2).get(0),
        new LayerStatistics("dense", 2, 3, 0, 1, in, net.denseTap.outputGradient(), 2));
    double[][] p = {net.values[0].clone(), net.values[1].clone(), net.values[2].clone(), net.values[3].clone()};
    tailor.api.TailorException e = org.junit.jupiter.api.Assertions.assertThrows(
        tailor.api.TailorException.class,
        () -> o.update(new Ctx(0, net.specs, net.gradients(), p, ls, null, s)));
    assertTrue(e.getMessage().contains("the input (A) factor of layer dense is not finite at step 1"),
        e.getMessage());
  }

  static double maxAbsDiff(double[] a, double[] b) {
    double d = 0;
    for (int i = 0; i < a.length; i++) {
      d = Math.max(d, Math.abs(a[i] - b[i]));
    }
    return d;
  }

  /** Solves m x = b by Gaussian elimination with partial pivoting (m is copied). */
  static double[] solve(double[][] m, double[] b) {
    int n = b.length;
    double[][] a = new double[n][];
    for (int i = 0; i < n; i++) {
      a[i] = java.util.Arrays.copyOf(m[i], n + 1);
      a[i][n] = b[i];
    }
    for (int c = 0; c < n; c++) {
      int piv = c;
      for (int r = c + 1; r < n; r++) {
        if (Math.abs(a[r][c]) > Math.abs(a[piv][c])) {
          piv = r;
        }
      }
      double[] t = a[c];
      a[c] = a[piv];
      a[piv] = t;
      for (int r = c + 1; r < n; r++) {
        double f = a[r][c] / a[c][c];
        for (int k = c; k <= n; k++) {
          a[r][k] -= f * a[c][k];
        }
      }
    }
    double[] x = new double[n];
    for (int r = n - 1; r >= 0; r--) {
      double v = a[r][n];
      for (int k = r + 1; k < n; k++) {
        v -= a[r][k] * x[k];
      }
      x[r] = v / a[r][r];
    }
    return x;
  }

  static double[][] square(double[] flat, int d) {
    double[][] m = new double[d][d];
    for (int i = 0; i < d; i++) {
      System.arraycopy(flat, i * d, m[i], 0, d);
    }
    return m;
  }

  /**
   * With lr 1, no momentum and no norm constraint, the step of each layer solves
   * ((G + sqrt(l)/pi I) (x) (A + pi sqrt(l) I)) vec_row(d) = vec_row([dW | db]) (the issue's
   * (A + pi sqrt(l) I)^-1 (x) (G + sqrt(l)/pi I)^-1 in column-major vec), built and solved
   * explicitly here; agreement to 1e-9 relative.
   */
  @Test
  void preconditionedStepEqualsTheExplicitKroneckerSolve() {
    int n = 6;
    ConvNet net = new ConvNet(n, 12);
    net.backward(0, n);
    double lambda = 0.05;
    Optimizer o = kfac(Map.of("burnin", 0L, "learning_rate", 1.0, "momentum", 0.0,
        "norm_constraint", 0.0, "damping", lambda, "inverse_period", 1L));
    o.init(net.specs, 10);
    double[][] g = net.gradients();
    double[][] g0 = {g[0].clone(), g[1].clone(), g[2].clone(), g[3].clone()};
    double[][] p = {net.values[0].clone(), net.values[1].clone(), net.values[2].clone(), net.values[3].clone()};
    o.update(new Ctx(0, net.specs, g, p, net.statistics(n), net.gradients(), s));
    Map<String, double[]> st = o.state();
    int[][] layers = {{0, 1, 19, 3}, {2, 3, 28, 5}}; // weight, bias, dim A, dim G
    String[] names = {"conv", "dense"};
    for (int l = 0; l < 2; l++) {
      int w = layers[l][0];
      int b = layers[l][1];
      int da = layers[l][2];
      int dg = layers[l][3];
      double[][] a = square(st.get("kfac/a/" + names[l]), da);
      double[][] gm = square(st.get("kfac/g/" + names[l]), dg);
      double ta = 0;
      double tg = 0;
      for (int i = 0; i < da; i++) {
        ta += a[i][i];
      }
      for (int i = 0; i < dg; i++) {
        tg += gm[i][i];
      }
      double pi = Math.sqrt((ta / da) / (tg / dg));
      double sq = Math.sqrt(lambda);
      double[][] k = new double[da * dg][da * dg];
      for (int o1 = 0; o1 < dg; o1++) {
        for (int o2 = 0; o2 < dg; o2++) {
          for (int j1 = 0; j1 < da; j1++) {
            for (int j2 = 0; j2 < da; j2++) {
              double gv = gm[o1][o2] + (o1 == o2 ? sq / pi : 0);
              double av = a[j1][j2] + (j1 == j2 ? pi * sq : 0);
              k[o1 * da + j1][o2 * da + j2] = gv * av;
            }
          }
        }
      }
      double[] rhs = new double[da * dg];
      int in = da - 1;
      for (int oo = 0; oo < dg; oo++) {
        for (int j = 0; j < in; j++) {
          rhs[oo * da + j] = g0[w][oo * in + j];
        }
        rhs[oo * da + in] = g0[b][oo];
      }
      double[] d = solve(k, rhs);
      double scale = 0;
      double diff = 0;
      for (int oo = 0; oo < dg; oo++) {
        for (int j = 0; j < in; j++) {
          double step = net.values[w][oo * in + j] - p[w][oo * in + j];
          scale = Math.max(scale, Math.abs(d[oo * da + j]));
          diff = Math.max(diff, Math.abs(step - d[oo * da + j]));
        }
        double stepB = net.values[b][oo] - p[b][oo];
        diff = Math.max(diff, Math.abs(stepB - d[oo * da + in]));
      }
      assertTrue(diff / scale < 1e-9, names[l] + ": relative difference " + diff / scale);
    }
  }

  /**
   * One linear layer, squared loss 1/2 mean (x.w + b - t)^2, curvature statistics whose output
   * gradients have unit second moment (the Fisher of a unit-variance Gaussian: G = 1), damping
   * 1e-20 (sqrt 1e-10 per factor), lr 1, no momentum or norm constraint: one K-FAC step is Newton's step and lands on the
   * least-squares solution of the normal equations (to 1e-8).
   */
  @Test
  void oneStepOnLinearLeastSquaresLandsOnTheSolution() {
    int n = 40;
    int d = 4;
    SplittableRandom r = new SplittableRandom(5);
    double[] x = gaussian(n * d, r, 1.0);
    double[] t = gaussian(n, r, 1.0);
    double[] w0 = gaussian(d, r, 0.5);
    double[] b0 = {0.3};
    Tensor xt = s.tensor(x, n, d);
    Tensor tt = s.tensor(t, n, 1);
    Tensor w = s.parameter(w0, 1, d);
    Tensor b = s.parameter(b0, 1);
    LayerTap tap = new LayerTap("ls");
    List<ParamSpec> specs = List.of(new ParamSpec("ls.weight", new int[] {1, d}, ParamKind.WEIGHT),
        new ParamSpec("ls.bias", new int[] {1}, ParamKind.BIAS));
    double h = Math.sqrt(0.5);
    s.backward(() -> s.meanSquare(s.axpby(h, s.dense(xt, w, b, null), -h, tt)));
    double[][] grads = {s.gradientArray(w), s.gradientArray(b)};
    // Curvature pass: loss mean_i(sign_i * y_i), so each example's output gradient is +-1.
    double[] signs = new double[n];
    for (int i = 0; i < n; i++) {
      signs[i] = i % 2 == 0 ? 1 : -1;
    }
    Tensor st = s.tensor(signs, n, 1);
    s.backward(() -> {
      Tensor y = s.dense(xt, w, b, tap);
      Tensor dot = s.matmul(s.transpose(st), y);
      return s.axpby(1.0 / n, dot, 0.0, dot);
    });
    Optimizer o = kfac(Map.of("burnin", 0L, "learning_rate", 1.0, "momentum", 0.0,
        "norm_constraint", 0.0, "damping", 1e-20, "inverse_period", 1L));
    o.init(specs, 1);
    double[][] p = {w0.clone(), b0.clone()};
    List<LayerStatistics> ls = List.of(new LayerStatistics("ls", 0, 1, 0, 1, tap.input(),
        tap.outputGradient(), n));
    o.update(new Ctx(0, specs, grads, p, ls, null, s));
    // normal equations on [x | 1]
    double[][] m = new double[d + 1][d + 1];
    double[] rhs = new double[d + 1];
    for (int i = 0; i < n; i++) {
      double[] xi = new double[d + 1];
      System.arraycopy(x, i * d, xi, 0, d);
      xi[d] = 1;
      addOuter(m, xi, xi, 1.0);
      for (int j = 0; j <= d; j++) {
        rhs[j] += xi[j] * t[i];
      }
    }
    double[] sol = solve(m, rhs);
    for (int j = 0; j < d; j++) {
      assertEquals(sol[j], p[0][j], 1e-8, "weight " + j);
    }
    assertEquals(sol[d], p[1][0], 1e-8, "bias");
  }

  /**
   * A two-layer tanh network (3 -> 4 -> 3 classes): its exact Fisher E_x sum_y p(y|x) grad
   * grad^T against K-FAC's block-diagonal A (x) G built from the same exact expectations (K-FAC's
   * definition; the optimizer samples y, so its own factors are checked against these
   * definitions by the tests above). With
   * one example the Kronecker blocks are exact (the input is then constant), which checks the
   * layout and scaling end to end; with 8 examples the relative differences of the diagonal
   * blocks and the share of the Fisher's mass off the diagonal blocks are reported.
   */
  @Test
  void blockDiagonalApproximationAgainstTheExplicitFisher() {
    double[] one = fisherComparison(1);
    assertTrue(one[0] < 1e-10 && one[1] < 1e-10, "with one example the blocks are exact: "
        + java.util.Arrays.toString(one));
    double[] eight = fisherComparison(8);
    System.out.printf(Locale.ROOT, "K-FAC vs explicit Fisher, 2-layer tanh net, 8 examples: "
        + "diagonal-block relative Frobenius error layer 1 %.4f, layer 2 %.4f; off-block-diagonal "
        + "share of ||F||_F^2 %.4f%n", eight[0], eight[1], eight[2]);
    assertTrue(eight[0] > 1e-6 && eight[0] < 1 && eight[1] < 1,
        "the approximation differs, but by less than the blocks: " + java.util.Arrays.toString(eight));
  }

  /** [rel error block 1, rel error block 2, off-block share]. */
  static double[] fisherComparison(int n) {
    SplittableRandom r = new SplittableRandom(21);
    double[] x = gaussian(n * 3, r, 1.0);
    double[][] v = {gaussian(12, r, 0.8), gaussian(4, r, 0.2), gaussian(12, r, 0.8), gaussian(3, r, 0.2)};
    Tensor[] ps = new Tensor[4];
    int[][] shapes = {{4, 3}, {4}, {3, 4}, {3}};
    for (int i = 0; i < 4; i++) {
      ps[i] = s.parameter(v[i], shapes[i]);
    }
    LayerTap t1 = new LayerTap("l1");
    LayerTap t2 = new LayerTap("l2");
    int total = 12 + 4 + 12 + 3;
    int[] offsets = {0, 12, 16, 28};
    double[][] f = new double[total][total];
    double[][] a1 = new double[4][4];
    double[][] a2 = new double[5][5];
    double[][] g1 = new double[4][4];
    double[][] g2 = new double[3][3];
    for (int i = 0; i < n; i++) {
      Tensor xi = s.tensor(java.util.Arrays.copyOfRange(x, i * 3, i * 3 + 3), 1, 3);
      Function<Integer, Tensor> forward = label -> {
        Tensor hh = s.activation(s.dense(xi, ps[0], ps[1], t1), TANH);
        return s.dense(hh, ps[2], ps[3], t2);
      };
      double[] z = s.evaluate(() -> forward.apply(0));
      double max = Math.max(z[0], Math.max(z[1], z[2]));
      double sum = 0;
      double[] prob = new double[3];
      for (int k = 0; k < 3; k++) {
        prob[k] = Math.exp(z[k] - max);
        sum += prob[k];
      }
      for (int y = 0; y < 3; y++) {
        prob[y] /= sum;
        int label = y;
        s.backward(() -> s.softmaxCrossEntropy(forward.apply(label), new int[] {label}, 0.0));
        double[] grad = new double[total];
        for (int q = 0; q < 4; q++) {
          System.arraycopy(s.gradientArray(ps[q]), 0, grad, offsets[q], shapes[q].length == 2
              ? shapes[q][0] * shapes[q][1] : shapes[q][0]);
        }
        addOuter(f, grad, grad, prob[y] / n);
        double[] go1 = t1.outputGradient().toArray();
        double[] go2 = t2.outputGradient().toArray();
        addOuter(g1, go1, go1, prob[y] / n);
        addOuter(g2, go2, go2, prob[y] / n);
        if (y == 0) {
          double[] in1 = java.util.Arrays.copyOf(t1.input().toArray(), 4);
          in1[3] = 1;
          double[] in2 = java.util.Arrays.copyOf(t2.input().toArray(), 5);
          in2[4] = 1;
          addOuter(a1, in1, in1, 1.0 / n);
          addOuter(a2, in2, in2, 1.0 / n);
        }
      }
      s.release(xi);
    }
    double[] e1 = blockError(f, a1, g1, 0, 12, 4, 3);
    double[] e2 = blockError(f, a2, g2, 16, 28, 3, 4);
    double all = 0;
    for (double[] row : f) {
      for (double val : row) {
        all += val * val;
      }
    }
    for (int i = 0; i < 4; i++) {
      s.release(ps[i]);
    }
    return new double[] {e1[0], e2[0], (all - e1[1] - e2[1]) / all};
  }

  /**
   * ||F_block - A (x) G|| / ||F_block|| for a layer whose weight [out, in] starts at wOff and
   * bias at bOff, and ||F_block||^2.
   */
  static double[] blockError(double[][] f, double[][] a, double[][] g, int wOff, int bOff, int out, int in) {
    int[] index = new int[out * (in + 1)];
    for (int o = 0; o < out; o++) {
      for (int j = 0; j < in; j++) {
        index[o * (in + 1) + j] = wOff + o * in + j;
      }
      index[o * (in + 1) + in] = bOff + o;
    }
    double num = 0;
    double den = 0;
    for (int p = 0; p < index.length; p++) {
      for (int q = 0; q < index.length; q++) {
        double approx = g[p / (in + 1)][q / (in + 1)] * a[p % (in + 1)][q % (in + 1)];
        double exact = f[index[p]][index[q]];
        num += (exact - approx) * (exact - approx);
        den += exact * exact;
      }
    }
    return new double[] {Math.sqrt(num / den), den};
  }
}
