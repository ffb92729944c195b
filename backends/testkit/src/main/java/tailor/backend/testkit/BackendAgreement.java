package tailor.backend.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import tailor.api.activation.ShapedActivation;
import tailor.api.backend.BackendOptions;
import tailor.api.backend.BackendSession;
import tailor.api.backend.ComputeBackend;
import tailor.api.backend.DType;
import tailor.api.backend.LayerTap;
import tailor.api.backend.Tensor;
import tailor.kernelshaping.Activations;

/**
 * Cross-backend agreement. A backend module's test extends this class and names its backend;
 * the test runs a small network (two convolutions, one with stride 2 and odd input size,
 * tanh and leaky ReLU, max and global average pooling, a dense head, softmax cross-entropy
 * with label smoothing) in float32 on it and in float64 on the reference {@code cpu} backend,
 * and compares the loss, every parameter gradient, every tap (layer input, d loss / d layer
 * output) and the K-FAC factors built from the taps by each backend's own patches, channel
 * rows and second moments.
 *
 * <p>Tolerance: |got - want| &lt;= 1e-4 * max|want| per array. Float32 rounding (6e-8 relative
 * per operation) compounded over a few dozen operations and reductions of up to 147 terms: the
 * cpu backend's float32 path is within 1e-6 of the scale on every array (measured; the worst,
 * 2.2e-7, in conv1's weight gradient), so 1e-4 leaves a 100x margin for other float32 kernels,
 * while a wrong index, transpose, padding or scale is off by order 1. GPUs must compute in true
 * float32: TF32 convolutions (10-bit mantissa) would miss it, which is why the launcher sets
 * NVIDIA_TF32_OVERRIDE=0.
 */
public abstract class BackendAgreement {
  /** Relative tolerance per array; see the class comment. */
  public static final double TOLERANCE = 1e-4;

  /** The backend under test. */
  protected abstract ComputeBackend backend();

  /** The float64 reference: the cpu backend, found like any plugin. */
  protected ComputeBackend reference() {
    return ServiceLoader.load(ComputeBackend.class).stream().map(ServiceLoader.Provider::get)
        .filter(b -> b.name().equals("cpu")).findFirst()
        .orElseThrow(() -> new AssertionError("the reference backend cpu is not on the test path"));
  }

  /** Everything one pass produces, by name, as float64 host arrays. */
  public static Map<String, double[]> probe(BackendSession s) {
    return probe(s, new ArrayList<>());
  }

  /**
   * One pass of the probe network; {@code params} is filled with its parameters on the first
   * call (empty list) and reused by later calls.
   */
  public static Map<String, double[]> probe(BackendSession s, List<Tensor> params) {
    SplittableRandom r = new SplittableRandom(20261130L);
    int[][] shapes = {{4, 2, 3, 3}, {4}, {5, 4, 3, 3}, {5}, {6, 5}, {6}};
    boolean fresh = params.isEmpty();
    for (int[] shape : shapes) {
      int n = 1;
      for (int d : shape) {
        n *= d;
      }
      double fanIn = shape.length == 1 ? 1 : n / (double) shape[0];
      double[] v = new double[n];
      for (int i = 0; i < n; i++) {
        v[i] = (2 * r.nextDouble() - 1) * Math.sqrt(3 / fanIn) * (shape.length == 1 ? 0.1 : 1.5);
      }
      if (fresh) {
        params.add(s.parameter(v, shape));
      }
    }
    double[] xs = new double[3 * 2 * 7 * 7];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = r.nextGaussian();
    }
    Tensor x = s.tensor(xs, 3, 2, 7, 7);
    int[] labels = {0, 3, 5};
    LayerTap[] taps = {new LayerTap("conv1"), new LayerTap("conv2"), new LayerTap("dense")};
    ShapedActivation tanh = ShapedActivation.identity(Activations.byName("tanh"));
    ShapedActivation lrelu = ShapedActivation.identity(Activations.byName("leaky_relu"));
    double loss = s.backward(() -> {
      Tensor h = s.activation(s.conv2d(x, params.get(0), params.get(1), 1, taps[0]), tanh);
      h = s.activation(s.conv2d(h, params.get(2), params.get(3), 2, taps[1]), lrelu);
      h = s.globalAvgPool(s.maxPool(h, 2, 1));
      Tensor z = s.dense(s.flatten(h), params.get(4), params.get(5), taps[2]);
      return s.softmaxCrossEntropy(z, labels, 0.1);
    });
    Map<String, double[]> out = new LinkedHashMap<>();
    out.put("loss", new double[] {loss});
    String[] names = {"conv1.w", "conv1.b", "conv2.w", "conv2.b", "dense.w", "dense.b"};
    for (int i = 0; i < params.size(); i++) {
      out.put("grad " + names[i], s.gradientArray(params.get(i)));
    }
    int[] kernel = {3, 3, 0};
    int[] stride = {1, 2, 0};
    for (int t = 0; t < taps.length; t++) {
      LayerTap tap = taps[t];
      out.put(tap.name() + " input", tap.input().toArray());
      out.put(tap.name() + " output gradient", tap.outputGradient().toArray());
      Tensor rows = kernel[t] == 0 ? tap.input() : s.patches(tap.input(), kernel[t], stride[t]);
      Tensor grows = kernel[t] == 0 ? tap.outputGradient() : s.channelRows(tap.outputGradient());
      out.put(tap.name() + " K-FAC A", s.secondMoment(rows, true).toArray());
      out.put(tap.name() + " K-FAC G", s.secondMoment(grows, false).toArray());
      out.put(tap.name() + " output gradient shape", toDoubles(tap.outputGradient().shape()));
    }
    return out;
  }

  private static double[] toDoubles(int[] v) {
    double[] d = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      d[i] = v[i];
    }
    return d;
  }

  /** Whether the backend under test can run here (GPU backends skip where there is none). */
  protected void assumeUsable() {
    String why = backend().unavailableReason();
    assumeTrue(why == null, () -> backend().name() + " is not usable here: " + why);
  }

  @Test
  public void lossGradientsAndKfacStatisticsAgreeWithTheFloat64Reference() {
    assumeUsable();
    Map<String, double[]> want;
    try (BackendSession ref = reference().open(new BackendOptions(1, DType.FLOAT64, 0))) {
      want = probe(ref);
    }
    Map<String, double[]> got;
    try (BackendSession s = backend().open(new BackendOptions(1, DType.FLOAT32, 0))) {
      got = probe(s);
    }
    assertEquals(want.keySet(), got.keySet());
    for (Map.Entry<String, double[]> e : want.entrySet()) {
      String k = e.getKey();
      double[] w = e.getValue();
      double[] g = got.get(k);
      assertEquals(w.length, g.length, k + ": length");
      if (k.endsWith("shape")) {
        assertArrayEquals(w, g, k);
        continue;
      }
      double scale = 0;
      for (double v : w) {
        scale = Math.max(scale, Math.abs(v));
      }
      assertTrue(scale > 0, k + " is all zeros in the reference: the probe network is degenerate");
      double worst = 0;
      int at = -1;
      for (int i = 0; i < w.length; i++) {
        double d = Math.abs(g[i] - w[i]);
        if (!(d <= worst)) {
          worst = d;
          at = i;
        }
      }
      double rel = worst / scale;
      assertTrue(rel <= TOLERANCE, String.format(Locale.ROOT,
          "%s on %s: element %d is %.9g, the float64 reference has %.9g (%.3g of the array's scale "
              + "%.3g; allowed %.1g)", k, backend().name(), at, at < 0 ? Double.NaN : g[at],
          at < 0 ? Double.NaN : w[at], rel, scale, TOLERANCE));
    }
  }

  /**
   * Twelve steps of plain gradient descent on the probe network in float64, on the backend and
   * on the reference: the losses and final parameters agree within 1e-9 relative. Float64
   * sums in another order differ by ~1e-16 per operation; twelve steps at this learning rate do
   * not amplify that past 1e-12, so 1e-9 separates two correct implementations from a wrong one
   * (a gradient off by a few percent moves the parameters by ~1e-3).
   */
  @Test
  public void trainingStepsAgreeInFloat64WithTheReference() {
    assumeUsable();
    double[][] want = descend(reference());
    double[][] got = descend(backend());
    // the steps do something: the reference's loss falls from 2.57 to 0.56
    assertTrue(want[0][11] < want[0][0] - 1.0, java.util.Arrays.toString(want[0]));
    assertEquals(want.length, got.length);
    for (int i = 0; i < want.length; i++) {
      double scale = 0;
      double worst = 0;
      for (int j = 0; j < want[i].length; j++) {
        scale = Math.max(scale, Math.abs(want[i][j]));
        worst = Math.max(worst, Math.abs(want[i][j] - got[i][j]));
      }
      assertTrue(worst <= 1e-9 * scale, String.format(Locale.ROOT,
          "%s on %s after 12 float64 descent steps: off by %.3g of scale %.3g",
          i == 0 ? "the losses" : "parameter " + (i - 1), backend().name(), worst, scale));
    }
  }

  /** The losses of 12 descent steps (row 0), then the final parameters. */
  private static double[][] descend(ComputeBackend b) {
    try (BackendSession s = b.open(new BackendOptions(1, DType.FLOAT64, 0))) {
      List<Tensor> params = new ArrayList<>();
      Map<String, double[]> first = probe(s, params);
      double[] losses = new double[12];
      losses[0] = first.get("loss")[0];
      for (int step = 1; step < losses.length; step++) {
        for (Tensor p : params) {
          double[] v = p.toArray();
          double[] g = s.gradientArray(p);
          for (int i = 0; i < v.length; i++) {
            v[i] -= 0.5 * g[i];
          }
          s.assign(p, v);
        }
        losses[step] = probe(s, params).get("loss")[0];
      }
      double[][] out = new double[1 + params.size()][];
      out[0] = losses;
      for (int i = 0; i < params.size(); i++) {
        out[i + 1] = params.get(i).toArray();
      }
      return out;
    }
  }

  @Test
  public void repeatedPassesGiveTheSameResults() {
    assumeUsable();
    try (BackendSession s = backend().open(new BackendOptions(1, DType.FLOAT32, 0))) {
      Map<String, double[]> a = probe(s);
      Map<String, double[]> b = probe(s);
      for (String k : a.keySet()) {
        assertArrayEquals(a.get(k), b.get(k), k + ": gradients must not accumulate across passes");
      }
    }
  }
}
