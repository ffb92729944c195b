package tailor.backend.nd4j.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import tailor.api.TailorException;
import tailor.api.activation.ShapedActivation;
import tailor.api.backend.BackendOptions;
import tailor.api.backend.BackendSession;
import tailor.api.backend.DType;
import tailor.api.backend.LayerTap;
import tailor.api.backend.Tensor;

/**
 * A session of the nd4j backend. Matrix products (dense layers, convolutions as im2col
 * products, K-FAC's second moments and preconditioning) run through the cblas gemm of the
 * OpenBLAS in ND4J's native stack, in the session's type (see {@link #ND4J_GEMM}); the SPD inverse is LAPACK's Cholesky (potrf, potri) from the bundled
 * OpenBLAS, since ND4J's own inverse and Cholesky fail on K-FAC's factors (dependency-facts
 * section 4). Gradients come from a tape recorded during the pass: each op that a gradient can
 * flow through appends its backward step, run in reverse after the forward. Element-wise ops,
 * im2col, pooling and normalization are host loops; in float32 sessions every stored value is
 * rounded to float32, as in a float32 engine.
 */
final class NdSession implements BackendSession {
  private final DType dtype;
  private final boolean f32;
  private final List<NdTensor> parameters = new ArrayList<>();
  private SplittableRandom random;
  /** Backward steps of the current pass, in forward order; null outside a recorded pass. */
  private List<Runnable> tape;
  /** A tapped layer's output, whose gradient goes to the tap after the backward pass. */
  private record TappedOutput(LayerTap tap, NdTensor y) {}

  private final List<TappedOutput> pendingTaps = new ArrayList<>();
  /** Every tensor gradients flow to in the current pass (reset between its reverse passes). */
  private final List<NdTensor> onTape = new ArrayList<>();
  private boolean trackParameters = true;

  static {
    // ND4J finds its native backend with ServiceLoader through its own class-loader setting,
    // which defaults to the thread's context loader (the app's). From a plugin folder ND4J lives
    // in the plugin's class-path loader: point ND4J at it, and keep the context loader on it
    // while ND4J initializes.
    ClassLoader nd4jLoader = org.nd4j.common.config.ND4JClassLoading.class.getClassLoader();
    org.nd4j.common.config.ND4JClassLoading.setNd4jClassloader(nd4jLoader);
    Thread t = Thread.currentThread();
    ClassLoader previous = t.getContextClassLoader();
    t.setContextClassLoader(nd4jLoader);
    try {
      Nd4j.getBackend();
    } finally {
      t.setContextClassLoader(previous);
    }
  }

  NdSession(BackendOptions options) {
    this.dtype = options.dtype();
    this.f32 = dtype == DType.FLOAT32;
    this.random = new SplittableRandom(options.seed());
    Nd4j.getEnvironment().setMaxThreads(options.threads());
    Nd4j.getEnvironment().setMaxMasterThreads(options.threads());
    // ND4J sets OpenBLAS to all cores when it starts; the session's thread count rules (with
    // spare cores busy, OpenBLAS's extra threads spin: 100x slower products measured here)
    Nd4j.factory().blas().setMaxThreads(options.threads());
  }

  @Override
  public DType dtype() {
    return dtype;
  }

  static NdTensor nd(Tensor t) {
    if (!(t instanceof NdTensor n)) {
      throw new IllegalArgumentException("not an nd4j-backend tensor: " + t);
    }
    return n;
  }

  /** Rounds in place to the session's type. */
  private double[] round(double[] v) {
    if (f32) {
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) v[i];
      }
    }
    return v;
  }

  private static int count(int... shape) {
    long n = 1;
    for (int d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
      }
      n *= d;
    }
    return Math.toIntExact(n);
  }

  private NdTensor fresh(double[] data, int... shape) {
    return new NdTensor(round(data), shape, false);
  }

  /** A rounded copy of {@code data}, which must fill {@code shape}. */
  private double[] filling(double[] data, int... shape) {
    if (count(shape) != data.length) {
      throw new IllegalArgumentException(String.format(Locale.ROOT, "%d values do not fill shape %s",
          data.length, Arrays.toString(shape)));
    }
    return round(data.clone());
  }

  @Override
  public Tensor tensor(double[] data, int... shape) {
    return new NdTensor(filling(data, shape), shape, false);
  }

  @Override
  public Tensor parameter(double[] data, int... shape) {
    NdTensor p = new NdTensor(filling(data, shape), shape, true);
    parameters.add(p);
    return p;
  }

  @Override
  public void assign(Tensor parameter, double[] data) {
    NdTensor p = nd(parameter);
    if (data.length != p.data.length) {
      throw new IllegalArgumentException(data.length + " values for a parameter of " + p.data.length);
    }
    System.arraycopy(data, 0, p.data, 0, data.length);
    round(p.data);
  }

  // ---------------------------------------------------------------- passes and the tape

  @Override
  public double backward(Supplier<Tensor> forward) {
    return backward(forward, true);
  }

  @Override
  public double backward(Supplier<Tensor> forward, boolean parameterGradients) {
    return pass(forward, parameterGradients, null);
  }

  /**
   * The tape is run in reverse from the training loss, then every gradient on it but the
   * parameters' is cleared and the tape, now ending in the curvature loss's ops, runs in reverse
   * again with the parameters left out.
   */
  @Override
  public double backwardWithCurvature(Supplier<Tensor> forward, Supplier<Tensor> curvatureLoss) {
    if (curvatureLoss == null) {
      throw new IllegalArgumentException("backwardWithCurvature needs a curvature loss");
    }
    return pass(forward, true, curvatureLoss);
  }

  /** One recorded pass; with a curvature loss, its second reverse pass fills the taps. */
  private double pass(Supplier<Tensor> forward, boolean parameterGradients,
      Supplier<Tensor> curvatureLoss) {
    for (NdTensor p : parameters) {
      p.grad = null;
    }
    trackParameters = parameterGradients;
    tape = new ArrayList<>();
    pendingTaps.clear();
    onTape.clear();
    try {
      NdTensor loss = scalar(forward.get(), "backward needs a scalar loss");
      reverseTape(loss);
      for (NdTensor p : parameters) {
        if (p.grad != null) {
          round(p.grad);
        }
      }
      if (curvatureLoss != null) {
        for (NdTensor t : onTape) {
          if (!t.parameter) {
            t.grad = null;
          }
        }
        trackParameters = false;
        reverseTape(scalar(curvatureLoss.get(), "the curvature loss must be a scalar"));
      }
      for (TappedOutput t : pendingTaps) {
        NdTensor y = t.y();
        double[] g = y.grad == null ? new double[y.size()] : round(y.grad.clone());
        t.tap().recordGradient(new NdTensor(g, y.shape, false));
      }
      return loss.data[0];
    } finally {
      tape = null;
      pendingTaps.clear();
      onTape.clear();
      trackParameters = true;
    }
  }

  private NdTensor scalar(Tensor t, String what) {
    NdTensor x = nd(t);
    if (x.size() != 1) {
      throw new IllegalArgumentException(what + ", got " + Arrays.toString(x.shape));
    }
    return x;
  }

  private void reverseTape(NdTensor loss) {
    if (loss.tracked) {
      loss.grad = new double[] {1.0};
      for (int i = tape.size() - 1; i >= 0; i--) {
        tape.get(i).run();
      }
    }
  }

  @Override
  public double[] evaluate(Supplier<Tensor> forward) {
    List<Runnable> saved = tape;
    tape = null;
    try {
      return nd(forward.get()).data.clone();
    } finally {
      tape = saved;
    }
  }

  /** Whether gradients flow through an op with these inputs in the current pass. */
  private boolean tracked(NdTensor... inputs) {
    if (tape == null) {
      return false;
    }
    for (NdTensor t : inputs) {
      if (wants(t)) {
        return true;
      }
    }
    return false;
  }

  /** Adds {@code g} into {@code t}'s gradient. */
  private static void acc(NdTensor t, double[] g) {
    if (t.grad == null) {
      t.grad = g;
      return;
    }
    double[] a = t.grad;
    for (int i = 0; i < a.length; i++) {
      a[i] += g[i];
    }
  }

  /** Marks {@code out} as on the tape (if any input is) and records its backward step. */
  private NdTensor record(NdTensor out, Runnable step, NdTensor... inputs) {
    if (tracked(inputs)) {
      out.tracked = true;
      onTape.add(out);
      tape.add(() -> {
        if (out.grad != null) {
          step.run();
        }
      });
    }
    return out;
  }

  @Override
  public double[] gradientArray(Tensor parameter) {
    NdTensor p = nd(parameter);
    return p.grad == null ? new double[p.size()] : p.grad.clone();
  }

  @Override
  public void reseed(long seed) {
    random = new SplittableRandom(seed);
  }

  @Override
  public Tensor keep(Tensor t) {
    return t; // host arrays live as long as they are referenced
  }

  // ---------------------------------------------------------------- matrix products

  private INDArray matrix(double[] v, int rows, int cols) {
    if (f32) {
      return Nd4j.create(floats(v), new long[] {rows, cols}, DataType.FLOAT);
    }
    return Nd4j.create(v, new long[] {rows, cols}, DataType.DOUBLE);
  }

  /**
   * Which gemm: OpenBLAS's cblas from ND4J's native stack (default), or ND4J's own matmul op
   * ({@code -Dtailor.nd4j.gemm=nd4j}). Measured here, one thread: cblas 66-91 GFLOP/s from 64 x
   * 256 x 256 to 2048^3, ND4J's op 1.5-31 GFLOP/s on the same products (its per-op cost
   * dominates the small ones).
   */
  static final boolean ND4J_GEMM = "nd4j".equals(System.getProperty("tailor.nd4j.gemm"));

  private static final int ROW_MAJOR = 101;
  private static final int NO_TRANS = 111;
  private static final int TRANS = 112;

  /** op(A) op(B) with A [ra, ca], B [rb, cb] row-major, in the session's type. */
  double[] gemm(double[] a, int ra, int ca, boolean ta, double[] b, int rb, int cb, boolean tb) {
    int k = ta ? ra : ca;
    int k2 = tb ? cb : rb;
    if (k != k2) {
      throw new IllegalArgumentException(String.format(Locale.ROOT, "gemm: inner sizes %d and %d", k, k2));
    }
    int m = ta ? ca : ra;
    int n = tb ? rb : cb;
    if (ND4J_GEMM) {
      INDArray c = Nd4j.gemm(matrix(a, ra, ca), matrix(b, rb, cb), ta, tb);
      return round(c.dup('c').data().asDouble());
    }
    double[] out = new double[m * n];
    if (m == 0 || n == 0) {
      return out;
    }
    if (f32) {
      float[] fa = floats(a);
      float[] fb = floats(b);
      float[] fc = new float[m * n];
      if (k > 0) {
        org.bytedeco.openblas.global.openblas.cblas_sgemm(ROW_MAJOR, ta ? TRANS : NO_TRANS,
            tb ? TRANS : NO_TRANS, m, n, k, 1f, fa, ca, fb, cb, 0f, fc, n);
      }
      for (int i = 0; i < out.length; i++) {
        out[i] = fc[i];
      }
      return out;
    }
    if (k > 0) {
      org.bytedeco.openblas.global.openblas.cblas_dgemm(ROW_MAJOR, ta ? TRANS : NO_TRANS,
          tb ? TRANS : NO_TRANS, m, n, k, 1.0, a, ca, b, cb, 0.0, out, n);
    }
    return out;
  }

  private static float[] floats(double[] v) {
    float[] f = new float[v.length];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) v[i];
    }
    return f;
  }

  // ---------------------------------------------------------------- layers

  private void tap(LayerTap tap, NdTensor x, NdTensor y) {
    if (tap == null) {
      return;
    }
    tap.record(x);
    if (tape != null) {
      y.tracked = true; // its gradient is the tap's, even where no parameter needs one
      onTape.add(y);
      pendingTaps.add(new TappedOutput(tap, y));
    }
  }

  @Override
  public Tensor dense(Tensor x, Tensor w, Tensor b, LayerTap tap) {
    NdTensor xs = nd(x);
    NdTensor ws = nd(w);
    NdTensor bs = b == null ? null : nd(b);
    if (xs.shape.length != 2 || ws.shape.length != 2 || xs.dim(1) != ws.dim(1)) {
      throw new IllegalArgumentException("dense: x " + Arrays.toString(xs.shape) + ", w "
          + Arrays.toString(ws.shape));
    }
    int n = xs.dim(0);
    int in = xs.dim(1);
    int o = ws.dim(0);
    double[] y = gemm(xs.data, n, in, false, ws.data, o, in, true);
    if (bs != null) {
      for (int r = 0; r < n; r++) {
        for (int j = 0; j < o; j++) {
          y[r * o + j] += bs.data[j];
        }
      }
    }
    NdTensor out = fresh(y, n, o);
    record(out, () -> {
      double[] g = out.grad;
      if (wants(xs)) {
        acc(xs, gemm(g, n, o, false, ws.data, o, in, false));
      }
      if (wants(ws)) {
        acc(ws, gemm(g, n, o, true, xs.data, n, in, false));
      }
      if (bs != null && wants(bs)) {
        double[] gb = new double[o];
        for (int r = 0; r < n; r++) {
          for (int j = 0; j < o; j++) {
            gb[j] += g[r * o + j];
          }
        }
        acc(bs, gb);
      }
    }, xs, ws, bs);
    tap(tap, xs, out);
    return out;
  }

  /** Whether {@code t} receives gradients in this pass. */
  private boolean wants(NdTensor t) {
    return t != null && (t.tracked || (t.parameter && trackParameters));
  }

  /** The output size of a SAME (padding k / 2) window of {@code k} over {@code size} with {@code stride}. */
  static int outSize(int size, int k, int stride) {
    return (size + 2 * (k / 2) - k) / stride + 1;
  }

  /** Rows [n * ho * wo, c * k * k] of k x k patches with zero padding k / 2 (im2col). */
  static double[] im2col(double[] x, int n, int c, int h, int w, int k, int stride, int ho, int wo) {
    int per = ho * wo * c * k * k;
    double[] out = new double[n * per];
    for (int b = 0; b < n; b++) {
      im2colInto(x, b, c, h, w, k, stride, ho, wo, out, b * per);
    }
    return out;
  }

  /**
   * The patches of image {@code b} as rows [ho * wo, c * k * k] into {@code out} from
   * {@code offset} (zero padding).
   */
  static void im2colInto(double[] x, int b, int c, int h, int w, int k, int stride, int ho, int wo,
      double[] out, int offset) {
    int p = k / 2;
    int cols = c * k * k;
    for (int oy = 0; oy < ho; oy++) {
      for (int ox = 0; ox < wo; ox++) {
        int row = offset + (oy * wo + ox) * cols;
        for (int ch = 0; ch < c; ch++) {
          int base = (b * c + ch) * h * w;
          for (int i = 0; i < k; i++) {
            int iy = oy * stride + i - p;
            int at = row + (ch * k + i) * k;
            if (iy < 0 || iy >= h) {
              Arrays.fill(out, at, at + k, 0.0);
              continue;
            }
            int src = base + iy * w;
            for (int j = 0; j < k; j++) {
              int ix = ox * stride + j - p;
              out[at + j] = ix >= 0 && ix < w ? x[src + ix] : 0.0;
            }
          }
        }
      }
    }
  }

  /** The adjoint of {@link #im2colInto}: image {@code b}'s patch gradients added onto {@code dx}. */
  static void col2imInto(double[] rows, int b, int c, int h, int w, int k, int stride, int ho, int wo,
      double[] dx) {
    int p = k / 2;
    int cols = c * k * k;
    for (int oy = 0; oy < ho; oy++) {
      for (int ox = 0; ox < wo; ox++) {
        int row = (oy * wo + ox) * cols;
        for (int ch = 0; ch < c; ch++) {
          int base = (b * c + ch) * h * w;
          for (int i = 0; i < k; i++) {
            int iy = oy * stride + i - p;
            if (iy < 0 || iy >= h) {
              continue;
            }
            int src = row + (ch * k + i) * k;
            int dst = base + iy * w;
            for (int j = 0; j < k; j++) {
              int ix = ox * stride + j - p;
              if (ix >= 0 && ix < w) {
                dx[dst + ix] += rows[src + j];
              }
            }
          }
        }
      }
    }
  }

  @Override
  public Tensor conv2d(Tensor x, Tensor w, Tensor b, int stride, LayerTap tap) {
    NdTensor xs = nd(x);
    NdTensor ws = nd(w);
    NdTensor bs = b == null ? null : nd(b);
    if (xs.shape.length != 4 || ws.shape.length != 4 || ws.dim(1) != xs.dim(1) || ws.dim(2) != ws.dim(3)) {
      throw new IllegalArgumentException("conv2d: x " + Arrays.toString(xs.shape) + ", w "
          + Arrays.toString(ws.shape));
    }
    int k = ws.dim(2);
    if (k % 2 == 0) {
      throw TailorException.user("SAME convolution needs odd kernels, got " + k + "x" + k);
    }
    int n = xs.dim(0);
    int c = xs.dim(1);
    int h = xs.dim(2);
    int wd = xs.dim(3);
    int o = ws.dim(0);
    int ho = outSize(h, k, stride);
    int wo = outSize(wd, k, stride);
    int ck = c * k * k;
    int hw = ho * wo;
    // One image at a time: its patches [hw, ck] (a few MB, not the batch's hundreds), and the
    // product W [o, ck] x patches^T lands in the output's [o, hw] layout with no reorder.
    double[] y = new double[n * o * hw];
    double[] cols = new double[hw * ck];
    for (int bi = 0; bi < n; bi++) {
      im2colInto(xs.data, bi, c, h, wd, k, stride, ho, wo, cols, 0);
      double[] yb = gemm(ws.data, o, ck, false, cols, hw, ck, true);
      for (int j = 0; j < o; j++) {
        double bias = bs == null ? 0 : bs.data[j];
        int dst = (bi * o + j) * hw;
        for (int l = 0; l < hw; l++) {
          y[dst + l] = yb[j * hw + l] + bias;
        }
      }
    }
    NdTensor out = fresh(y, n, o, ho, wo);
    record(out, () -> {
      double[] g = out.grad;
      boolean gw = wants(ws);
      boolean gx = wants(xs);
      double[] dw = gw ? new double[o * ck] : null;
      double[] dx = gx ? new double[xs.size()] : null;
      double[] patches = new double[hw * ck];
      for (int bi = 0; bi < n; bi++) {
        double[] gb = Arrays.copyOfRange(g, bi * o * hw, (bi + 1) * o * hw); // [o, hw]
        if (gw) {
          // the patches again rather than held from the forward pass
          im2colInto(xs.data, bi, c, h, wd, k, stride, ho, wo, patches, 0);
          double[] part = gemm(gb, o, hw, false, patches, hw, ck, false);
          for (int i = 0; i < part.length; i++) {
            dw[i] += part[i];
          }
        }
        if (gx) {
          col2imInto(gemm(gb, o, hw, true, ws.data, o, ck, false), bi, c, h, wd, k, stride, ho, wo, dx);
        }
      }
      if (gw) {
        acc(ws, dw);
      }
      if (gx) {
        acc(xs, dx);
      }
      if (bs != null && wants(bs)) {
        double[] db = new double[o];
        for (int bi = 0; bi < n; bi++) {
          for (int j = 0; j < o; j++) {
            int src = (bi * o + j) * hw;
            double sum = 0;
            for (int l = 0; l < hw; l++) {
              sum += g[src + l];
            }
            db[j] += sum;
          }
        }
        acc(bs, db);
      }
    }, xs, ws, bs);
    tap(tap, xs, out);
    return out;
  }

  @Override
  public Tensor activation(Tensor x, ShapedActivation phi) {
    NdTensor xs = nd(x);
    double[] y = new double[xs.size()];
    for (int i = 0; i < y.length; i++) {
      y[i] = phi.value(xs.data[i]);
    }
    NdTensor out = fresh(y, xs.shape);
    return record(out, () -> {
      double[] g = new double[y.length];
      for (int i = 0; i < g.length; i++) {
        g[i] = out.grad[i] * phi.derivative(xs.data[i]);
      }
      acc(xs, g);
    }, xs);
  }

  @Override
  public Tensor maxPool(Tensor x, int window, int stride) {
    NdTensor xs = nd(x);
    int n = xs.dim(0);
    int c = xs.dim(1);
    int h = xs.dim(2);
    int w = xs.dim(3);
    int p = window / 2;
    int ho = outSize(h, window, stride);
    int wo = outSize(w, window, stride);
    double[] y = new double[n * c * ho * wo];
    int[] arg = new int[y.length];
    for (int plane = 0; plane < n * c; plane++) {
      int base = plane * h * w;
      for (int oy = 0; oy < ho; oy++) {
        for (int ox = 0; ox < wo; ox++) {
          double best = Double.NEGATIVE_INFINITY;
          int at = -1;
          for (int i = 0; i < window; i++) {
            int iy = oy * stride + i - p;
            if (iy < 0 || iy >= h) {
              continue;
            }
            for (int j = 0; j < window; j++) {
              int ix = ox * stride + j - p;
              if (ix >= 0 && ix < w && (at < 0 || xs.data[base + iy * w + ix] > best)) {
                best = xs.data[base + iy * w + ix];
                at = base + iy * w + ix;
              }
            }
          }
          int o = (plane * ho + oy) * wo + ox;
          y[o] = best;
          arg[o] = at;
        }
      }
    }
    NdTensor out = fresh(y, n, c, ho, wo);
    return record(out, () -> {
      double[] g = new double[xs.size()];
      for (int o = 0; o < arg.length; o++) {
        g[arg[o]] += out.grad[o];
      }
      acc(xs, g);
    }, xs);
  }

  @Override
  public Tensor globalAvgPool(Tensor x) {
    NdTensor xs = nd(x);
    int n = xs.dim(0);
    int c = xs.dim(1);
    int hw = xs.size() / (n * c);
    double[] y = new double[n * c];
    for (int plane = 0; plane < n * c; plane++) {
      double s = 0;
      for (int l = 0; l < hw; l++) {
        s += xs.data[plane * hw + l];
      }
      y[plane] = s / hw;
    }
    NdTensor out = fresh(y, n, c);
    return record(out, () -> {
      double[] g = new double[xs.size()];
      for (int plane = 0; plane < n * c; plane++) {
        double v = out.grad[plane] / hw;
        Arrays.fill(g, plane * hw, (plane + 1) * hw, v);
      }
      acc(xs, g);
    }, xs);
  }

  @Override
  public Tensor axpby(double a, Tensor x, double b, Tensor y) {
    NdTensor xs = nd(x);
    NdTensor ys = nd(y);
    if (!Arrays.equals(xs.shape, ys.shape)) {
      throw new IllegalArgumentException("axpby: shapes " + Arrays.toString(xs.shape) + " and "
          + Arrays.toString(ys.shape));
    }
    double[] z = new double[xs.size()];
    for (int i = 0; i < z.length; i++) {
      z[i] = a * xs.data[i] + b * ys.data[i];
    }
    NdTensor out = fresh(z, xs.shape);
    return record(out, () -> {
      if (wants(xs)) {
        double[] g = new double[z.length];
        for (int i = 0; i < g.length; i++) {
          g[i] = a * out.grad[i];
        }
        acc(xs, g);
      }
      if (wants(ys)) {
        double[] g = new double[z.length];
        for (int i = 0; i < g.length; i++) {
          g[i] = b * out.grad[i];
        }
        acc(ys, g);
      }
    }, xs, ys);
  }

  @Override
  public Tensor dropout(Tensor x, double p, boolean training) {
    if (!training || p == 0.0) {
      return x;
    }
    NdTensor xs = nd(x);
    double scale = 1.0 / (1.0 - p);
    double[] mask = new double[xs.size()];
    double[] y = new double[mask.length];
    for (int i = 0; i < y.length; i++) {
      mask[i] = random.nextDouble() >= p ? scale : 0.0;
      y[i] = xs.data[i] * mask[i];
    }
    NdTensor out = fresh(y, xs.shape);
    return record(out, () -> {
      double[] g = new double[y.length];
      for (int i = 0; i < g.length; i++) {
        g[i] = out.grad[i] * mask[i];
      }
      acc(xs, g);
    }, xs);
  }

  @Override
  public Tensor batchNorm(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean,
      Tensor runningVar, double decay, double eps, boolean training) {
    return batchNorm(x, gamma, beta, runningMean, runningVar, decay, eps, training, null);
  }

  @Override
  public Tensor batchNorm(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean,
      Tensor runningVar, double decay, double eps, boolean training, LayerTap tap) {
    NdTensor xs = nd(x);
    NdTensor gs = nd(gamma);
    NdTensor bs = nd(beta);
    NdTensor rm = nd(runningMean);
    NdTensor rv = nd(runningVar);
    int n = xs.dim(0);
    int c = xs.dim(1);
    int hw = xs.size() / (n * c);
    int m = n * hw;
    double[] mean = new double[c];
    double[] var = new double[c];
    if (training) {
      for (int ch = 0; ch < c; ch++) {
        double s = 0;
        for (int b = 0; b < n; b++) {
          for (int l = 0; l < hw; l++) {
            s += xs.data[(b * c + ch) * hw + l];
          }
        }
        mean[ch] = s / m;
        double q = 0;
        for (int b = 0; b < n; b++) {
          for (int l = 0; l < hw; l++) {
            double d = xs.data[(b * c + ch) * hw + l] - mean[ch];
            q += d * d;
          }
        }
        var[ch] = q / m;
        // running statistics as libtorch keeps them: the unbiased batch variance
        rm.data[ch] = decay * rm.data[ch] + (1 - decay) * mean[ch];
        rv.data[ch] = decay * rv.data[ch] + (1 - decay) * (m > 1 ? q / (m - 1) : var[ch]);
      }
      round(rm.data);
      round(rv.data);
    } else {
      System.arraycopy(rm.data, 0, mean, 0, c);
      System.arraycopy(rv.data, 0, var, 0, c);
    }
    double[] inv = new double[c];
    for (int ch = 0; ch < c; ch++) {
      inv[ch] = 1 / Math.sqrt(var[ch] + eps);
    }
    double[] xhat = new double[xs.size()];
    double[] y = new double[xs.size()];
    for (int b = 0; b < n; b++) {
      for (int ch = 0; ch < c; ch++) {
        for (int l = 0; l < hw; l++) {
          int i = (b * c + ch) * hw + l;
          xhat[i] = (xs.data[i] - mean[ch]) * inv[ch];
          y[i] = gs.data[ch] * xhat[i] + bs.data[ch];
        }
      }
    }
    NdTensor out = fresh(y, xs.shape);
    record(out, () -> {
      double[] g = out.grad;
      double[] sg = new double[c];
      double[] sgx = new double[c];
      for (int b = 0; b < n; b++) {
        for (int ch = 0; ch < c; ch++) {
          for (int l = 0; l < hw; l++) {
            int i = (b * c + ch) * hw + l;
            sg[ch] += g[i];
            sgx[ch] += g[i] * xhat[i];
          }
        }
      }
      if (wants(gs)) {
        acc(gs, sgx.clone());
      }
      if (wants(bs)) {
        acc(bs, sg.clone());
      }
      if (wants(xs)) {
        double[] gx = new double[g.length];
        for (int b = 0; b < n; b++) {
          for (int ch = 0; ch < c; ch++) {
            double k = gs.data[ch] * inv[ch];
            for (int l = 0; l < hw; l++) {
              int i = (b * c + ch) * hw + l;
              gx[i] = training ? k * (g[i] - sg[ch] / m - xhat[i] * sgx[ch] / m) : k * g[i];
            }
          }
        }
        acc(xs, gx);
      }
    }, xs, gs, bs);
    tap(tap, fresh(xhat.clone(), xs.shape), out);
    return out;
  }

  @Override
  public Tensor flatten(Tensor x) {
    NdTensor xs = nd(x);
    NdTensor out = new NdTensor(xs.data, new int[] {xs.dim(0), xs.size() / Math.max(1, xs.dim(0))}, false);
    return record(out, () -> acc(xs, out.grad.clone()), xs);
  }

  @Override
  public Tensor softmaxCrossEntropy(Tensor logits, int[] labels, double labelSmoothing) {
    NdTensor z = nd(logits);
    int n = z.dim(0);
    int k = z.dim(1);
    if (labels.length != n) {
      throw new IllegalArgumentException(labels.length + " labels for " + n + " rows of logits");
    }
    double[] prob = new double[n * k];
    double[] target = new double[n * k];
    double loss = 0;
    for (int r = 0; r < n; r++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < k; j++) {
        max = Math.max(max, z.data[r * k + j]);
      }
      double sum = 0;
      for (int j = 0; j < k; j++) {
        sum += Math.exp(z.data[r * k + j] - max);
      }
      double logSum = Math.log(sum) + max;
      for (int j = 0; j < k; j++) {
        double t = (j == labels[r] ? 1.0 - labelSmoothing : 0.0) + labelSmoothing / k;
        target[r * k + j] = t;
        double logp = z.data[r * k + j] - logSum;
        prob[r * k + j] = Math.exp(logp);
        loss -= t * logp;
      }
    }
    NdTensor out = fresh(new double[] {loss / n}, new int[0]);
    return record(out, () -> {
      double[] g = new double[n * k];
      double s = out.grad[0] / n;
      for (int i = 0; i < g.length; i++) {
        g[i] = (prob[i] - target[i]) * s;
      }
      acc(z, g);
    }, z);
  }

  @Override
  public Tensor meanSquare(Tensor x) {
    NdTensor xs = nd(x);
    double s = 0;
    for (double v : xs.data) {
      s += v * v;
    }
    int size = xs.size();
    NdTensor out = fresh(new double[] {s / size}, new int[0]);
    return record(out, () -> {
      double[] g = new double[size];
      for (int i = 0; i < size; i++) {
        g[i] = 2 * xs.data[i] / size * out.grad[0];
      }
      acc(xs, g);
    }, xs);
  }

  // ---------------------------------------------------------------- K-FAC's linear algebra

  @Override
  public Tensor matmul(Tensor a, Tensor b) {
    NdTensor as = nd(a);
    NdTensor bs = nd(b);
    if (as.shape.length != 2 || bs.shape.length != 2) {
      throw new IllegalArgumentException("matmul needs matrices, got " + Arrays.toString(as.shape)
          + " and " + Arrays.toString(bs.shape));
    }
    int m = as.dim(0);
    int k = as.dim(1);
    int n = bs.dim(1);
    NdTensor out = fresh(gemm(as.data, m, k, false, bs.data, k, n, false), m, n);
    return record(out, () -> {
      if (wants(as)) {
        acc(as, gemm(out.grad, m, n, false, bs.data, k, n, true));
      }
      if (wants(bs)) {
        acc(bs, gemm(as.data, m, k, true, out.grad, m, n, false));
      }
    }, as, bs);
  }

  @Override
  public Tensor transpose(Tensor a) {
    NdTensor as = nd(a);
    if (as.shape.length != 2) {
      throw new IllegalArgumentException("transpose needs a matrix, got " + Arrays.toString(as.shape));
    }
    int r = as.dim(0);
    int c = as.dim(1);
    NdTensor out = fresh(transposed(as.data, r, c), c, r);
    return record(out, () -> acc(as, transposed(out.grad, c, r)), as);
  }

  static double[] transposed(double[] v, int rows, int cols) {
    double[] t = new double[v.length];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        t[c * rows + r] = v[r * cols + c];
      }
    }
    return t;
  }

  @Override
  public Tensor inverseSpd(Tensor a) {
    NdTensor as = nd(a);
    if (as.shape.length != 2 || as.dim(0) != as.dim(1)) {
      throw new IllegalArgumentException("inverseSpd needs a square matrix, got " + Arrays.toString(as.shape));
    }
    int n = as.dim(0);
    double[] inv = Lapack.spdInverse(as.data, n, f32);
    return fresh(inv, n, n);
  }

  @Override
  public Tensor patches(Tensor x, int kernel, int stride) {
    NdTensor xs = nd(x);
    if (xs.shape.length != 4 || kernel < 1 || kernel % 2 == 0 || stride < 1) {
      throw new IllegalArgumentException("patches need [n, c, h, w] and an odd kernel, got "
          + Arrays.toString(xs.shape) + ", kernel " + kernel + ", stride " + stride);
    }
    int n = xs.dim(0);
    int c = xs.dim(1);
    int h = xs.dim(2);
    int w = xs.dim(3);
    int ho = outSize(h, kernel, stride);
    int wo = outSize(w, kernel, stride);
    return fresh(im2col(xs.data, n, c, h, w, kernel, stride, ho, wo), n * ho * wo, c * kernel * kernel);
  }

  @Override
  public Tensor channelRows(Tensor x) {
    NdTensor xs = nd(x);
    if (xs.shape.length == 2) {
      return x;
    }
    if (xs.shape.length != 4) {
      throw new IllegalArgumentException("channelRows needs [n, c] or [n, c, h, w], got "
          + Arrays.toString(xs.shape));
    }
    int n = xs.dim(0);
    int c = xs.dim(1);
    int hw = xs.dim(2) * xs.dim(3);
    double[] r = new double[xs.size()];
    for (int b = 0; b < n; b++) {
      for (int ch = 0; ch < c; ch++) {
        for (int l = 0; l < hw; l++) {
          r[(b * hw + l) * c + ch] = xs.data[(b * c + ch) * hw + l];
        }
      }
    }
    return fresh(r, n * hw, c);
  }

  @Override
  public Tensor secondMoment(Tensor rows, boolean homogeneous) {
    NdTensor r = nd(rows);
    if (r.shape.length != 2) {
      throw new IllegalArgumentException("secondMoment needs rows [r, d], got " + Arrays.toString(r.shape));
    }
    int count = r.dim(0);
    int d = r.dim(1);
    double[] xtx = gemm(r.data, count, d, true, r.data, count, d, false);
    if (!homogeneous) {
      for (int i = 0; i < xtx.length; i++) {
        xtx[i] /= count;
      }
      return fresh(xtx, d, d);
    }
    int e = d + 1;
    double[] out = new double[e * e];
    double[] colSums = new double[d];
    for (int i = 0; i < count; i++) {
      for (int j = 0; j < d; j++) {
        colSums[j] += r.data[i * d + j];
      }
    }
    for (int i = 0; i < d; i++) {
      System.arraycopy(xtx, i * d, out, i * e, d);
      out[i * e + d] = colSums[i];
      out[d * e + i] = colSums[i];
    }
    out[d * e + d] = count;
    for (int i = 0; i < out.length; i++) {
      out[i] /= count;
    }
    return fresh(out, e, e);
  }

  @Override
  public Tensor scaleAddIdentity(Tensor a, double scale, double shift) {
    NdTensor as = nd(a);
    int d = as.dim(0);
    if (as.shape.length != 2 || as.dim(1) != d) {
      throw new IllegalArgumentException("scaleAddIdentity needs a square matrix, got " + Arrays.toString(as.shape));
    }
    double[] out = new double[as.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = as.data[i] * scale;
    }
    for (int i = 0; i < d; i++) {
      out[i * d + i] += shift;
    }
    return fresh(out, d, d);
  }

  @Override
  public double trace(Tensor a) {
    NdTensor as = nd(a);
    int d = as.dim(0);
    double t = 0;
    for (int i = 0; i < d; i++) {
      t += as.data[i * d + i];
    }
    return t;
  }

  @Override
  public void release(Tensor t) {
    NdTensor a = nd(t);
    parameters.removeIf(p -> p == a);
  }

  @Override
  public void close() {
    parameters.clear();
  }
}
