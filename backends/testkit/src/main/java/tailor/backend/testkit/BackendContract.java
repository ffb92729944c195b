package tailor.backend.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tailor.api.activation.BaseActivation;
import tailor.api.activation.ShapeParam;
import tailor.api.activation.ShapedActivation;
import tailor.api.backend.BackendOptions;
import tailor.api.backend.BackendSession;
import tailor.api.backend.ComputeBackend;
import tailor.api.backend.DType;
import tailor.api.backend.LayerTap;
import tailor.api.backend.Tensor;
import tailor.kernelshaping.Activations;

/**
 * The backend contract every backend module's tests extend (naming their backend): the backend
 * in float64 against finite differences and the double-precision definitions, its float32
 * sessions, K-FAC's linear algebra, host transfers and the SPI's default methods.
 * Tolerances: central differences with h = 1e-6 have truncation error ~h^2 |f'''| ~ 1e-12 and
 * rounding ~eps |f| / h ~ 1e-10 relative, so 1e-6 relative (the bar) is a wide margin.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class BackendContract {
  protected BackendSession session;

  /** The backend under test. */
  protected abstract ComputeBackend backend();

  /**
   * erf (computed by Newton's method on erfinv, with an asymptotic tail, as DJL 0.25 has no erf)
   * over -7..7 in both types: float64 within 1e-15 (a few ulps) of the double-precision definition (and its
   * gradient within 1e-15), float32 within 3e-7 (float32 rounding near +-1).
   */
  @Test
  public void erfMatchesItsDefinitionInBothTypes() {
    BaseActivation erf = Activations.byName("erf");
    double[] xs = new double[141];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = -7 + 0.1 * i + 1e-3;
    }
    ComputeBackend cpu = backend();
    for (DType t : DType.values()) {
      try (BackendSession s = cpu.open(new BackendOptions(1, t, 1))) {
        Tensor x = s.parameter(xs, xs.length);
        Tensor[] y = new Tensor[1];
        s.backward(() -> {
          y[0] = s.keep(s.activation(x, ShapedActivation.identity(erf)));
          return s.meanSquare(y[0]);
        });
        double[] got = y[0].toArray();
        double[] grad = s.gradientArray(x);
        double tol = t == DType.FLOAT64 ? 1e-15 : 3e-7;
        for (int i = 0; i < xs.length; i++) {
          double v = erf.value(xs[i]);
          assertEquals(v, got[i], tol, t + " erf at " + xs[i]);
          if (t == DType.FLOAT64) {
            double d = 2 * v * erf.derivative(xs[i]) / xs.length;
            assertEquals(d, grad[i], 1e-15 + 1e-12 * Math.abs(d), "erf' at " + xs[i]);
          }
        }
      }
    }
  }

  /** Whether the backend can run here; GPU backends skip where there is none. */
  protected boolean usable() {
    return backend().unavailableReason() == null;
  }

  @BeforeAll
  void open() {
    org.junit.jupiter.api.Assumptions.assumeTrue(usable(), () -> backend().name() + " is not usable here: "
        + backend().unavailableReason());
    session = backend().open(new BackendOptions(1, DType.FLOAT64, 7));
  }

  @AfterAll
  void close() {
    if (session != null) {
      session.close();
    }
  }

  static double[] random(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double[] a = new double[n];
    for (int i = 0; i < n; i++) {
      a[i] = r.nextGaussian() * 0.7;
    }
    return a;
  }

  static void assertClose(double want, double got, String what) {
    assertEquals(want, got, 1e-6 * Math.max(1e-3, Math.abs(want)), what);
  }

  /** A small network of every layer type: conv -> act -> conv/2 -> act -> pool -> gap -> dense -> CE. */
  record Net(Tensor w1, Tensor b1, Tensor w2, Tensor b2, Tensor wd, Tensor bd) {}

  Tensor forward(Net n, Tensor x, int[] labels, LayerTap[] taps, Tensor perturb) {
    ShapedActivation tanh = ShapedActivation.of(Activations.byName("tanh"),
        Map.of(ShapeParam.INPUT_SCALE, 0.8, ShapeParam.INPUT_SHIFT, 0.1, ShapeParam.OUTPUT_SHIFT, -0.05,
            ShapeParam.OUTPUT_SCALE, 1.3));
    ShapedActivation lrelu = ShapedActivation.identity(Activations.byName("leaky_relu"))
        .with(ShapeParam.NEGATIVE_SLOPE, 0.3).with(ShapeParam.OUTPUT_SCALE, 1.3);
    Tensor h = session.conv2d(x, n.w1(), n.b1(), 1, taps[0]);
    if (perturb != null) {
      h = session.axpby(1.0, h, 1.0, perturb);
    }
    h = session.activation(h, tanh);
    h = session.conv2d(h, n.w2(), n.b2(), 2, taps[1]);
    h = session.activation(h, lrelu);
    h = session.maxPool(h, 3, 2);
    h = session.globalAvgPool(h);
    h = session.dense(h, n.wd(), n.bd(), taps[2]);
    return session.softmaxCrossEntropy(h, labels, 0.1);
  }

  @Test
  public void gradientsOfEveryLayerMatchFiniteDifferences() {
    double[][] values = {random(3 * 2 * 9, 1), random(3, 2), random(4 * 3 * 9, 3), random(4, 4),
        random(5 * 4, 5), random(5, 6)};
    int[][] shapes = {{3, 2, 3, 3}, {3}, {4, 3, 3, 3}, {4}, {5, 4}, {5}};
    List<Tensor> params = new ArrayList<>();
    for (int i = 0; i < values.length; i++) {
      params.add(session.parameter(values[i], shapes[i]));
    }
    Net net = new Net(params.get(0), params.get(1), params.get(2), params.get(3), params.get(4),
        params.get(5));
    Tensor x = session.tensor(random(2 * 2 * 6 * 6, 9), 2, 2, 6, 6);
    int[] labels = {1, 4};
    LayerTap[] taps = {new LayerTap("conv1"), new LayerTap("conv2"), new LayerTap("dense")};
    session.backward(() -> forward(net, x, labels, taps, null));
    double h = 1e-6;
    for (int p = 0; p < params.size(); p++) {
      double[] grad = params.get(p).gradient().toArray();
      double[] base = values[p].clone();
      for (int k = 0; k < base.length; k += Math.max(1, base.length / 7)) {
        double[] up = base.clone();
        up[k] += h;
        double[] down = base.clone();
        down[k] -= h;
        session.assign(params.get(p), up);
        double lu = forward(net, x, labels, new LayerTap[3], null).scalar();
        session.assign(params.get(p), down);
        double ld = forward(net, x, labels, new LayerTap[3], null).scalar();
        session.assign(params.get(p), base);
        assertClose((lu - ld) / (2 * h), grad[k], "parameter " + p + " element " + k);
      }
    }
    // Per-layer output gradients: the gradient of the loss w.r.t. conv1's output, by adding a
    // perturbation tensor right after it.
    double[] g = taps[0].outputGradient().toArray();
    int[] shape = taps[0].outputGradient().shape();
    assertArrayEquals(new int[] {2, 3, 6, 6}, shape);
    for (int k = 0; k < g.length; k += 23) {
      double[] e = new double[g.length];
      e[k] = h;
      double lu = forward(net, x, labels, new LayerTap[3], session.tensor(e, shape)).scalar();
      e[k] = -h;
      double ld = forward(net, x, labels, new LayerTap[3], session.tensor(e, shape)).scalar();
      assertClose((lu - ld) / (2 * h), g[k], "conv1 output gradient " + k);
    }
    // Exact relations K-FAC relies on: dL/db = sum of output gradients; dense dL/dW = g^T a.
    double[] gd = taps[2].outputGradient().toArray();
    double[] a = taps[2].input().toArray();
    double[] dw = net.wd().gradient().toArray();
    for (int o = 0; o < 5; o++) {
      for (int i = 0; i < 4; i++) {
        assertEquals(gd[o] * a[i] + gd[5 + o] * a[4 + i], dw[o * 4 + i], 1e-14);
      }
    }
    double[] g2 = taps[1].outputGradient().toArray();
    double[] db2 = net.b2().gradient().toArray();
    int per = g2.length / (2 * 4);
    for (int c = 0; c < 4; c++) {
      double s = 0;
      for (int n = 0; n < 2; n++) {
        for (int l = 0; l < per; l++) {
          s += g2[(n * 4 + c) * per + l];
        }
      }
      assertEquals(s, db2[c], 1e-13);
    }
  }

  @Test
  public void gradientsDoNotAccumulateAcrossPasses() {
    Tensor w = session.parameter(new double[] {1.0, 2.0}, 1, 2);
    Tensor x = session.tensor(new double[] {3.0, 4.0}, 1, 2);
    session.backward(() -> session.meanSquare(session.dense(x, w, null, null)));
    double first = w.gradient().toArray()[0];
    session.backward(() -> session.meanSquare(session.dense(x, w, null, null)));
    assertEquals(first, w.gradient().toArray()[0], 0.0);
    assertEquals(2 * 11 * 3, first, 1e-12);
  }

  /** A pass whose gradients overflowed leaves nothing behind: the next pass starts from zero. */
  @Test
  public void aNonFiniteGradientDoesNotPoisonTheNextPass() {
    Tensor w = session.parameter(new double[] {1.0, 2.0}, 1, 2);
    Tensor bad = session.tensor(new double[] {Double.POSITIVE_INFINITY, 4.0}, 1, 2);
    Tensor x = session.tensor(new double[] {3.0, 4.0}, 1, 2);
    session.backward(() -> session.meanSquare(session.dense(bad, w, null, null)));
    assertTrue(!Double.isFinite(w.gradient().toArray()[0]), "the first pass should overflow");
    session.backward(() -> session.meanSquare(session.dense(x, w, null, null)));
    assertEquals(2 * 11 * 3, w.gradient().toArray()[0], 1e-12);
    session.release(w);
    session.release(bad);
    session.release(x);
  }

  /**
   * Gradients survive a garbage collection between the forward and the backward pass: every
   * number the forward pass scales by must stay alive until backward reads it. (DJL's
   * NDArray.mul(Number) kept it in a direct buffer that nothing referenced after the product;
   * once collected, backward read what free() had written there.)
   */
  @Test
  public void gradientsSurviveACollectionBetweenForwardAndBackward() throws InterruptedException {
    ShapedActivation phi = ShapedActivation.of(Activations.byName("leaky_relu"),
        Map.of(ShapeParam.INPUT_SCALE, 1.1, ShapeParam.OUTPUT_SCALE, 1.3756))
        .with(ShapeParam.NEGATIVE_SLOPE, 0.25);
    double[] xs = {-1.5, -0.2, 0.3, 2.0};
    Tensor x = session.parameter(xs, xs.length);
    session.backward(() -> {
      Tensor loss = session.meanSquare(session.axpby(0.8, session.activation(x, phi), 0.6, x));
      for (int i = 0; i < 3; i++) {
        System.gc();
        try {
          Thread.sleep(100); // the collector's cleaner thread frees unreachable direct buffers
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return loss;
    });
    double[] grad = x.gradient().toArray();
    for (int i = 0; i < xs.length; i++) {
      double y = 0.8 * phi.value(xs[i]) + 0.6 * xs[i];
      double d = 2 * y * (0.8 * phi.derivative(xs[i]) + 0.6) / xs.length;
      assertEquals(d, grad[i], 1e-12 * Math.max(1, Math.abs(d)), "gradient at " + xs[i]);
    }
    session.release(x);
  }

  /** Every base activation: values and derivatives equal the double-precision definitions. */
  @ParameterizedTest
  @ValueSource(strings = {"tanh", "softplus", "leaky_relu", "relu", "selu", "elu", "swish",
      "sigmoid", "erf", "bentid", "atan", "asinh", "square", "softsign", "gelu", "gelu_exact"})
  public void activationsMatchTheirDefinitions(String name) {
    checkActivation(Activations.byName(name), name);
  }

  /**
   * An activation the backend does not know by name (a third-party plugin's) is computed from
   * what the SPI gives it: through its {@link BaseActivation#apply} in the SPI's elementwise
   * operations, or, where it does not write one, from its value and derivative on the host.
   * Each built-in, renamed, both ways: the same values and gradients as the definitions.
   */
  @ParameterizedTest
  @ValueSource(strings = {"tanh", "softplus", "leaky_relu", "relu", "selu", "elu", "swish",
      "sigmoid", "erf", "bentid", "atan", "asinh", "square", "softsign", "gelu", "gelu_exact"})
  public void unknownActivationsAreComputedThroughTheSpi(String name) {
    BaseActivation builtIn = Activations.byName(name);
    checkActivation(new Renamed(builtIn, true), "ops " + name);
    checkActivation(new Renamed(builtIn, false), "host " + name);
  }

  /** A built-in activation under another name, with or without its elementwise form. */
  private static final class Renamed implements BaseActivation {
    private final BaseActivation inner;
    private final boolean withOps;

    Renamed(BaseActivation inner, boolean withOps) {
      this.inner = inner;
      this.withOps = withOps;
    }

    @Override
    public String name() {
      return "third-party-" + inner.name();
    }

    @Override
    public String version() {
      return "1.0";
    }

    @Override
    public String description() {
      return "a renamed " + inner.name();
    }

    @Override
    public double value(double x) {
      return inner.value(x);
    }

    @Override
    public double derivative(double x) {
      return inner.derivative(x);
    }

    @Override
    public double secondDerivative(double x) {
      return inner.secondDerivative(x);
    }

    @Override
    public double[] kinks() {
      return inner.kinks();
    }

    @Override
    public boolean derivativeJumps() {
      return inner.derivativeJumps();
    }

    @Override
    public boolean hasNegativeSlope() {
      return inner.hasNegativeSlope();
    }

    @Override
    public double negativeSlope() {
      return inner.negativeSlope();
    }

    @Override
    public BaseActivation withNegativeSlope(double slope) {
      return new Renamed(inner.withNegativeSlope(slope), withOps);
    }

    @Override
    public <T> T apply(T u, tailor.api.activation.ElementwiseOps<T> ops) {
      if (!withOps) {
        return null;
      }
      T v = inner.apply(u, ops);
      if (v == null) {
        throw new AssertionError(inner.name() + " has no elementwise form");
      }
      return v;
    }
  }

  private void checkActivation(BaseActivation base, String name) {
    ShapedActivation phi = ShapedActivation.of(base, Map.of(ShapeParam.INPUT_SCALE, 1.1,
        ShapeParam.INPUT_SHIFT, 0.2, ShapeParam.OUTPUT_SHIFT, -0.1, ShapeParam.OUTPUT_SCALE, 0.9));
    if (base.hasNegativeSlope()) {
      // 0.3 is not a float32 value: a slope cast to float in a float64 session is off by 1e-8
      phi = phi.with(ShapeParam.NEGATIVE_SLOPE, 0.3);
    }
    double[] xs = {-3.3, -1.4, -0.7, -0.31, 0.05, 0.42, 1.1, 2.6};
    Tensor x = session.parameter(xs, xs.length);
    ShapedActivation f = phi;
    Tensor[] y = new Tensor[1];
    session.backward(() -> {
      y[0] = session.keep(session.activation(x, f));
      return session.axpby(1.0, session.meanSquare(y[0]), 0.0, session.meanSquare(y[0]));
    });
    double[] got = y[0].toArray();
    double[] grad = x.gradient().toArray();
    for (int i = 0; i < xs.length; i++) {
      double v = phi.value(xs[i]);
      assertEquals(v, got[i], 1e-12 * Math.max(1, Math.abs(v)), name + " at " + xs[i]);
      // d mean(y^2) / dx_i = 2 y_i phi'(x_i) / n
      double d = 2 * v * phi.derivative(xs[i]) / xs.length;
      assertEquals(d, grad[i], 1e-12 * Math.max(1, Math.abs(d)), name + "' at " + xs[i]);
    }
  }

  /** Batch norm: normalized output, gradients by finite differences, running statistics. */
  @Test
  public void batchNormNormalizesAndUpdatesRunningStatistics() {
    double[] xv = random(4 * 2 * 3 * 3, 21);
    Tensor gamma = session.parameter(new double[] {1.5, 0.7}, 2);
    Tensor beta = session.parameter(new double[] {0.1, -0.2}, 2);
    Tensor mean = session.tensor(new double[2], 2);
    Tensor var = session.tensor(new double[] {1, 1}, 2);
    Tensor x = session.tensor(xv, 4, 2, 3, 3);
    Tensor[] y = new Tensor[1];
    session.backward(() -> {
      y[0] = session.keep(session.batchNorm(x, gamma, beta, mean, var, 0.9, 1e-5, true));
      return session.meanSquare(session.axpby(1.0, y[0], 0.0, y[0]));
    });
    double[] out = y[0].toArray();
    for (int c = 0; c < 2; c++) {
      double m = 0;
      double bm = 0;
      for (int n = 0; n < 4; n++) {
        for (int l = 0; l < 9; l++) {
          m += out[(n * 2 + c) * 9 + l] / 36;
          bm += xv[(n * 2 + c) * 9 + l] / 36;
        }
      }
      assertEquals(c == 0 ? 0.1 : -0.2, m, 1e-12);
      // running mean = 0.9 * 0 + 0.1 * batch mean; DJL takes the decay as a float (0.9f), hence
      // 2.4e-7 relative.
      assertEquals(0.1 * bm, mean.toArray()[c], 1e-6 * Math.abs(0.1 * bm));
    }
    double h = 1e-6;
    double[] g = gamma.gradient().toArray();
    double[] base = {1.5, 0.7};
    for (int c = 0; c < 2; c++) {
      double[] up = base.clone();
      up[c] += h;
      double[] dn = base.clone();
      dn[c] -= h;
      Tensor m2 = session.tensor(new double[2], 2);
      Tensor v2 = session.tensor(new double[] {1, 1}, 2);
      session.assign(gamma, up);
      double lu = session.meanSquare(session.batchNorm(x, gamma, beta, m2, v2, 0.9, 1e-5, true)).scalar();
      session.assign(gamma, dn);
      double ld = session.meanSquare(session.batchNorm(x, gamma, beta, m2, v2, 0.9, 1e-5, true)).scalar();
      session.assign(gamma, base);
      assertClose((lu - ld) / (2 * h), g[c], "gamma " + c);
    }
  }

  @Test
  public void linearAlgebraForKfac() {
    double[] r = random(16, 11);
    Tensor a = session.tensor(r, 4, 4);
    Tensor spd = session.axpby(1.0, session.matmul(a, session.transpose(a)), 1.0,
        session.tensor(new double[] {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}, 4, 4));
    double[] prod = session.matmul(spd, session.inverseSpd(spd)).toArray();
    for (int i = 0; i < 4; i++) {
      for (int j = 0; j < 4; j++) {
        assertEquals(i == j ? 1.0 : 0.0, prod[i * 4 + j], 1e-12);
      }
    }
  }

  /**
   * The blocked SPD inverse (orders from 1024 up; here 2100: two levels, the odd split on the
   * way) against the definition, A A^-1 = I, in float64, on a damped Gram matrix like K-FAC's
   * factors (condition number ~1e3): entries within 1e-11 (rounding of ~1e3 * n * eps).
   */
  @Test
  public void blockedInverseOfLargeSpdMatricesIsTheInverse() {
    int n = 2100;
    int rows = 300;
    double[] x = random(rows * n, 17);
    Tensor xt = session.tensor(x, rows, n);
    Tensor gram = session.secondMoment(xt, false); // rank 300: damping makes it definite
    Tensor spd = session.scaleAddIdentity(gram, 1.0, 0.05);
    Tensor inv = session.inverseSpd(spd);
    double[] prod = session.matmul(spd, inv).toArray();
    double err = 0;
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        err = Math.max(err, Math.abs(prod[i * n + j] - (i == j ? 1.0 : 0.0)));
      }
    }
    assertTrue(err < 1e-11, "max |A A^-1 - I| = " + err);
    double[] v = inv.toArray();
    double asym = 0;
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < i; j++) {
        asym = Math.max(asym, Math.abs(v[i * n + j] - v[j * n + i]));
      }
    }
    assertTrue(asym < 1e-11, "asymmetry " + asym);
    for (Tensor t : new Tensor[] {xt, gram, spd, inv}) {
      session.release(t);
    }
  }

  @Test
  public void poolingAndShapesFollowSamePadding() {
    Tensor x = session.tensor(random(1 * 2 * 7 * 7, 3), 1, 2, 7, 7);
    assertArrayEquals(new int[] {1, 2, 4, 4}, session.maxPool(x, 3, 2).shape());
    Tensor w = session.tensor(random(5 * 2 * 7 * 7, 4), 5, 2, 7, 7);
    assertArrayEquals(new int[] {1, 5, 4, 4}, session.conv2d(x, w, null, 2, null).shape());
    assertArrayEquals(new int[] {1, 2}, session.globalAvgPool(x).shape());
    assertTrue(session.dropout(x, 0.5, false) == x);
  }

  @Test
  public void float32SessionsWork() {
    ComputeBackend cpu = backend();
    try (BackendSession s = cpu.open(BackendOptions.defaults().withThreads(1))) {
      Tensor t = s.tensor(new double[] {0.1, 0.2}, 2);
      // stored as float32: what comes back is 0.1's float32 rounding, not 0.1 (1.5e-9 away)
      assertEquals((double) 0.1f, t.toArray()[0], 0.0);
      assertEquals((double) 0.2f, t.toArray()[1], 0.0);
      Tensor y = s.activation(t, ShapedActivation.of(Activations.byName("tanh"), Map.of()));
      assertEquals((double) (float) Math.tanh(0.1f), y.toArray()[0], 2e-8);
    }
  }

  /**
   * K-FAC's factor ops against their definition in float64, at widths below and above the
   * blocked product's threshold (40: one block; 700: two column blocks, the transposed block
   * mirrored): secondMoment, then accumulateSecondMoment's in-place moving average, with and
   * without the bias coordinate (1e-12 relative: sums of ~100 products in double precision).
   */
  @ParameterizedTest
  @ValueSource(ints = {40, 700})
  public void secondMomentsAndTheirInPlaceAverageMatchTheDefinition(int d) {
    SplittableRandom r = new SplittableRandom(d);
    int rows = 90;
    for (boolean homogeneous : new boolean[] {false, true}) {
      double[] x1 = new double[rows * d];
      double[] x2 = new double[rows * d];
      for (int i = 0; i < x1.length; i++) {
        x1[i] = r.nextGaussian();
        x2[i] = r.nextGaussian() + 0.3;
      }
      Tensor t1 = session.tensor(x1, rows, d);
      Tensor t2 = session.tensor(x2, rows, d);
      Tensor target = session.secondMoment(t1, homogeneous);
      int dt = homogeneous ? d + 1 : d;
      double[] want1 = explicitMoment(x1, rows, d, homogeneous);
      assertTrue(maxRel(want1, target.toArray()) < 1e-12, "secondMoment d=" + d);
      session.accumulateSecondMoment(target, t2, homogeneous, 0.7, 0.45);
      double[] want2 = explicitMoment(x2, rows, d, homogeneous);
      double[] want = new double[dt * dt];
      for (int i = 0; i < want.length; i++) {
        want[i] = 0.7 * want1[i] + 0.45 * want2[i];
      }
      double[] got = target.toArray();
      assertTrue(maxRel(want, got) < 1e-12, "accumulateSecondMoment d=" + d + " homogeneous=" + homogeneous);
      for (Tensor t : new Tensor[] {t1, t2, target}) {
        session.release(t);
      }
    }
  }

  /** (1 / r) X^T X of rows X [r, d], with a column of ones appended when homogeneous. */
  static double[] explicitMoment(double[] x, int rows, int d, boolean homogeneous) {
    int dt = homogeneous ? d + 1 : d;
    double[] m = new double[dt * dt];
    double[] row = new double[dt];
    for (int k = 0; k < rows; k++) {
      System.arraycopy(x, k * d, row, 0, d);
      if (homogeneous) {
        row[d] = 1.0;
      }
      for (int i = 0; i < dt; i++) {
        for (int j = 0; j < dt; j++) {
          m[i * dt + j] += row[i] * row[j] / rows;
        }
      }
    }
    return m;
  }

  static double maxRel(double[] want, double[] got) {
    assertEquals(want.length, got.length);
    double scale = 0;
    for (double w : want) {
      scale = Math.max(scale, Math.abs(w));
    }
    double err = 0;
    for (int i = 0; i < want.length; i++) {
      err = Math.max(err, Math.abs(want[i] - got[i]));
    }
    return err / scale;
  }

  /**
   * Host transfers go through reused staging buffers: parameters assigned one after another,
   * with host copies of other tensors in between, keep their own values (nothing aliases the
   * staging memory after a call returns), in float32 too.
   */
  @Test
  public void assignedParametersKeepTheirValuesAcrossTransfers() {
    ComputeBackend cpu = backend();
    for (DType t : DType.values()) {
      try (BackendSession s = cpu.open(new BackendOptions(1, t, 1))) {
        SplittableRandom r = new SplittableRandom(3);
        int[] sizes = {7, 300, 5, 1200};
        Tensor[] params = new Tensor[sizes.length];
        double[][] want = new double[sizes.length][];
        for (int i = 0; i < sizes.length; i++) {
          params[i] = s.parameter(new double[sizes[i]], sizes[i]);
        }
        Tensor other = s.tensor(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
        for (int round = 0; round < 3; round++) {
          for (int i = 0; i < sizes.length; i++) {
            want[i] = new double[sizes[i]];
            for (int j = 0; j < sizes[i]; j++) {
              want[i][j] = Math.rint(r.nextGaussian() * 64) / 64; // exact in float32
            }
            s.assign(params[i], want[i]);
            assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6}, other.toArray());
          }
          double[] into = new double[1200];
          for (int i = 0; i < sizes.length; i++) {
            params[i].copyTo(into);
            assertArrayEquals(want[i], java.util.Arrays.copyOf(into, sizes[i]), t + " param " + i);
            assertArrayEquals(want[i], params[i].toArray(), t + " param " + i);
          }
        }
      }
    }
  }

  /**
   * The SPI's default methods (what a backend without its own versions gets: host round trips)
   * agree with the cpu backend's overrides: a proxy forwards every call to the session except
   * those, which run the interface's defaults over the session's primitives (float64: exact).
   */
  @Test
  public void defaultMethodsOfTheSpiAgreeWithTheOverrides() throws Exception {
    java.util.Set<String> defaults = java.util.Set.of("reshape", "concat", "gradientCopy",
        "accumulateSecondMoment", "rows", "scaleShiftExampleGradients");
    BackendSession plain = (BackendSession) java.lang.reflect.Proxy.newProxyInstance(
        BackendSession.class.getClassLoader(), new Class<?>[] {BackendSession.class},
        (proxy, m, args) -> {
          boolean useDefault = m.isDefault() && defaults.contains(m.getName());
          try {
            return useDefault ? java.lang.reflect.InvocationHandler.invokeDefault(proxy, m, args)
                : m.invoke(session, args);
          } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
          }
        });
    SplittableRandom r = new SplittableRandom(5);
    double[] a = new double[24];
    double[] b = new double[12];
    for (int i = 0; i < a.length; i++) {
      a[i] = r.nextGaussian();
    }
    for (int i = 0; i < b.length; i++) {
      b[i] = r.nextGaussian();
    }
    Tensor ta = session.tensor(a, 2, 3, 4);
    Tensor tb = session.tensor(b, 2, 1, 6);
    Tensor ra = session.reshape(ta, 2, 3, 4 / 2, 2);
    assertArrayEquals(ra.toArray(), plain.reshape(ta, 2, 3, 2, 2).toArray());
    assertArrayEquals(new int[] {2, 3, 2, 2}, plain.reshape(ta, 2, 3, 2, 2).shape());
    Tensor a2 = session.reshape(ta, 2, 12);
    Tensor b2 = session.reshape(tb, 2, 6);
    for (int axis = 0; axis < 2; axis++) {
      Tensor want = axis == 0 ? session.concat(0, a2, session.reshape(tb, 1, 12))
          : session.concat(1, a2, b2);
      Tensor got = axis == 0 ? plain.concat(0, a2, session.reshape(tb, 1, 12))
          : plain.concat(1, a2, b2);
      assertArrayEquals(want.shape(), got.shape());
      assertArrayEquals(want.toArray(), got.toArray(), "concat axis " + axis);
    }
    // gradients: one pass, then both copies
    Tensor w = session.parameter(a, 4, 6);
    Tensor x = session.tensor(b, 2, 6);
    session.backward(() -> session.meanSquare(session.matmul(x, session.transpose(w))));
    assertArrayEquals(session.gradientCopy(w).toArray(), plain.gradientCopy(w).toArray());
    // the moving average of a second moment
    Tensor rows = session.tensor(a, 8, 3);
    Tensor t1 = session.secondMoment(rows, true);
    Tensor t2 = session.secondMoment(rows, true);
    Tensor fresh = session.tensor(b, 4, 3);
    session.accumulateSecondMoment(t1, fresh, true, 0.6, 0.25);
    plain.accumulateSecondMoment(t2, fresh, true, 0.6, 0.25);
    assertTrue(maxRel(t1.toArray(), t2.toArray()) < 1e-15, "accumulateSecondMoment default");
    // examples of a batch, and per-example scale-and-shift gradients
    Tensor r3 = session.rows(ta, 1, 2);
    assertArrayEquals(new int[] {1, 3, 4}, r3.shape());
    assertArrayEquals(r3.toArray(), plain.rows(ta, 1, 2).toArray());
    assertArrayEquals(java.util.Arrays.copyOfRange(a, 12, 24), r3.toArray());
    Tensor dy = session.tensor(java.util.Arrays.copyOf(b, 24), 2, 3, 4);
    for (Tensor in : new Tensor[] {ta, session.reshape(ta, 4, 6)}) {
      Tensor g = in.shape().length == 3 ? dy : session.reshape(dy, 4, 6);
      Tensor want = session.scaleShiftExampleGradients(in, g);
      Tensor got = plain.scaleShiftExampleGradients(in, g);
      assertArrayEquals(got.shape(), want.shape());
      assertTrue(maxRel(got.toArray(), want.toArray()) < 1e-15, "scaleShiftExampleGradients "
          + java.util.Arrays.toString(in.shape()));
    }
  }

  /**
   * A small net of every tapped kind (conv, batch norm, dropout, dense) in one training pass with
   * a curvature pass (float64): the parameter gradients and the running statistics are exactly
   * those of a plain training pass, and the taps' output gradients are, within 1e-12 relative,
   * those of a plain pass of the curvature loss alone with the same dropout seed and running
   * statistics (the same batch statistics and masks: one forward pass serves both).
   */
  @Test
  public void curvaturePassThroughTheTrainingGraphLeavesTheTrainingPassAsItWas() {
    SplittableRandom r = new SplittableRandom(21);
    int n = 4;
    double[] xs = new double[n * 2 * 5 * 5];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = r.nextGaussian();
    }
    double[] wc = new double[3 * 2 * 3 * 3];
    for (int i = 0; i < wc.length; i++) {
      wc[i] = 0.4 * r.nextGaussian();
    }
    double[] wd = new double[4 * 27];
    for (int i = 0; i < wd.length; i++) {
      wd[i] = 0.3 * r.nextGaussian();
    }
    Tensor x = session.tensor(xs, n, 2, 5, 5);
    Tensor convW = session.parameter(wc, 3, 2, 3, 3);
    Tensor convB = session.parameter(new double[] {0.1, -0.2, 0.05}, 3);
    Tensor gamma = session.parameter(new double[] {1.2, 0.7, -0.9}, 3);
    Tensor beta = session.parameter(new double[] {0.3, -0.1, 0.2}, 3);
    Tensor mean = session.tensor(new double[] {0.1, 0.0, -0.1}, 3);
    Tensor var = session.tensor(new double[] {1.0, 1.5, 0.8}, 3);
    Tensor denseW = session.parameter(wd, 4, 27);
    Tensor denseB = session.parameter(new double[] {0.0, 0.1, -0.1, 0.2}, 4);
    Tensor[] params = {convW, convB, gamma, beta, denseW, denseB};
    LayerTap conv = new LayerTap("conv");
    LayerTap bn = new LayerTap("bn");
    LayerTap dense = new LayerTap("dense");
    int[] labels = {0, 3, 1, 2};
    int[] sampled = {2, 2, 0, 1};
    Tensor[] logits = new Tensor[1];
    ShapedActivation tanh = ShapedActivation.identity(Activations.byName("tanh"));
    java.util.function.Function<int[], java.util.function.Supplier<Tensor>> net = ls -> () -> {
      Tensor h = session.conv2d(x, convW, convB, 2, conv);
      h = session.batchNorm(h, gamma, beta, mean, var, 0.9, 1e-5, true, bn);
      h = session.dropout(session.activation(h, tanh), 0.25, true);
      Tensor z = session.dense(session.flatten(h), denseW, denseB, dense);
      logits[0] = session.keep(z);
      return session.softmaxCrossEntropy(z, ls, 0.1);
    };
    double[] mean0 = mean.toArray();
    double[] var0 = var.toArray();
    // the plain training pass
    session.reseed(5);
    session.backward(net.apply(labels));
    double[][] trainGrads = new double[params.length][];
    for (int i = 0; i < params.length; i++) {
      trainGrads[i] = session.gradientArray(params[i]);
    }
    double[] trainTapGrad = dense.outputGradient().toArray();
    double[] meanAfter = mean.toArray();
    double[] varAfter = var.toArray();
    // the curvature loss alone, from the same running statistics and dropout seed
    session.assign(mean, mean0);
    session.assign(var, var0);
    session.reseed(5);
    session.backward(() -> {
      net.apply(labels).get();
      return session.softmaxCrossEntropy(logits[0], sampled, 0.0);
    });
    double[][] curvatureTaps = {conv.outputGradient().toArray(), bn.outputGradient().toArray(),
        dense.outputGradient().toArray()};
    double[] xhat = bn.input().toArray();
    // both in one pass
    session.assign(mean, mean0);
    session.assign(var, var0);
    session.reseed(5);
    session.backwardWithCurvature(net.apply(labels),
        () -> session.softmaxCrossEntropy(logits[0], sampled, 0.0));
    for (int i = 0; i < params.length; i++) {
      assertArrayEquals(trainGrads[i], session.gradientArray(params[i]), "parameter " + i);
    }
    assertArrayEquals(meanAfter, mean.toArray(), "running mean moved once");
    assertArrayEquals(varAfter, var.toArray(), "running variance moved once");
    LayerTap[] taps = {conv, bn, dense};
    for (int t = 0; t < taps.length; t++) {
      assertTrue(maxRel(curvatureTaps[t], taps[t].outputGradient().toArray()) < 1e-12,
          taps[t].name() + " output gradient");
    }
    assertTrue(maxRel(trainTapGrad, dense.outputGradient().toArray()) > 1e-3,
        "the taps hold the curvature loss's gradients, not the training loss's");
    assertTrue(maxRel(xhat, bn.input().toArray()) < 1e-15, "batch norm's tap holds x_hat");
    // x_hat is the input normalized by the batch statistics
    double[] pre = session.evaluate(() -> session.conv2d(x, convW, convB, 2, null));
    int loc = 9;
    for (int c = 0; c < 3; c++) {
      double m = 0;
      for (int e = 0; e < n; e++) {
        for (int l = 0; l < loc; l++) {
          m += pre[(e * 3 + c) * loc + l] / (n * loc);
        }
      }
      double v = 0;
      for (int e = 0; e < n; e++) {
        for (int l = 0; l < loc; l++) {
          double d = pre[(e * 3 + c) * loc + l] - m;
          v += d * d / (n * loc);
        }
      }
      for (int e = 0; e < n; e++) {
        for (int l = 0; l < loc; l++) {
          int i = (e * 3 + c) * loc + l;
          assertEquals((pre[i] - m) / Math.sqrt(v + 1e-5), xhat[i], 1e-12, "x_hat " + i);
        }
      }
    }
    for (Tensor p : params) {
      session.release(p);
    }
  }
}
