package tailor.backend.cpu.internal;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import tailor.api.TailorException;
import tailor.api.activation.ShapedActivation;
import tailor.api.backend.BackendOptions;
import tailor.api.backend.BackendSession;
import tailor.api.backend.DType;
import tailor.api.backend.LayerTap;
import tailor.api.backend.Tensor;

/** A DJL/PyTorch session. Not thread-safe. */
final class DjlSession implements BackendSession {
  private static Engine engine;

  private final NDManager manager;
  private final DType dtype;
  private final DataType djlType;
  private final List<DjlTensor> parameters = new ArrayList<>();
  private final List<Object[]> pendingTaps = new ArrayList<>();
  private final List<NDArray> kept = new ArrayList<>();
  /** Arrays the caller created (tensor, parameter): never freed by a pass. */
  private final java.util.Set<NDArray> persistent =
      java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());

  /** The PyTorch engine, loaded once, offline, with the given intra-op thread count. */
  static synchronized Engine engine(int threads) {
    if (engine == null) {
      System.setProperty("ai.djl.offline", "true");
      if (System.getProperty("ai.djl.pytorch.num_threads") == null) {
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
      }
      if (System.getProperty("ai.djl.pytorch.num_interop_threads") == null) {
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
      }
      engine = Engine.getEngine("PyTorch");
    }
    ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
    return engine;
  }

  DjlSession(BackendOptions options) {
    this(options, ai.djl.Device.cpu());
  }

  /** A session whose arrays live on {@code device} (the cuda backend passes a GPU). */
  DjlSession(BackendOptions options, ai.djl.Device device) {
    Engine e = engine(options.threads());
    e.setRandomSeed((int) options.seed());
    this.manager = e.newBaseManager(device);
    this.dtype = options.dtype();
    this.djlType = dtype == DType.FLOAT64 ? DataType.FLOAT64 : DataType.FLOAT32;
  }

  @Override
  public DType dtype() {
    return dtype;
  }

  private static NDArray nd(Tensor t) {
    if (!(t instanceof DjlTensor d)) {
      throw new IllegalArgumentException("not a cpu-backend tensor: " + t);
    }
    return d.array;
  }

  private DjlTensor wrap(NDArray a) {
    return new DjlTensor(a, false);
  }

  /**
   * A tensor in libtorch's own memory holding {@code data}. DJL wraps a host array as a tensor
   * over a direct buffer that only the wrapping NDArray keeps reachable; a view of it (a
   * reshape, a slice) or a tensor autograd saved from it does not, so once the wrapper is
   * released the collector may free the memory under them (see {@link #scalarOp}). The copy
   * costs one pass over the data.
   */
  private NDArray create(double[] data, int... shape) {
    try (NDArray wrapped = wrapHost(data, shape)) {
      return wrapped.duplicate();
    }
  }

  /** A tensor reading {@code data}'s direct copy in place: only for use before it is closed. */
  private NDArray wrapHost(double[] data, int... shape) {
    long n = 1;
    long[] s = new long[shape.length];
    for (int i = 0; i < shape.length; i++) {
      s[i] = shape[i];
      n *= shape[i];
    }
    if (n != data.length) {
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "%d values do not fill shape %s", data.length, java.util.Arrays.toString(shape)));
    }
    if (djlType == DataType.FLOAT64) {
      return manager.create(data, new Shape(s));
    }
    float[] f = new float[data.length];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) data[i];
    }
    return manager.create(f, new Shape(s));
  }

  @Override
  public Tensor tensor(double[] data, int... shape) {
    NDArray a = create(data, shape);
    persistent.add(a);
    return wrap(a);
  }

  @Override
  public Tensor parameter(double[] data, int... shape) {
    NDArray a = create(data, shape);
    a.setRequiresGradient(true);
    persistent.add(a);
    DjlTensor t = new DjlTensor(a, true);
    parameters.add(t);
    return t;
  }

  @Override
  public void assign(Tensor parameter, double[] data) {
    NDArray a = nd(parameter);
    if (a.size() != data.length) {
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "%d values for a parameter of shape %s", data.length, a.getShape()));
    }
    // Through the reused staging buffer, which libtorch reads in place (and copies from before
    // this returns): an optimizer step assigns every parameter, and fresh arrays and buffers
    // each time were garbage by the 100 MB.
    int width = djlType == DataType.FLOAT64 ? 8 : 4;
    java.nio.ByteBuffer view = staging((long) data.length * width);
    if (width == 8) {
      view.asDoubleBuffer().put(data);
    } else {
      java.nio.FloatBuffer f = view.asFloatBuffer();
      float[] chunk = CHUNK.get();
      for (int off = 0; off < data.length; off += chunk.length) {
        int len = Math.min(chunk.length, data.length - off);
        for (int j = 0; j < len; j++) {
          chunk[j] = (float) data[off + j];
        }
        f.put(off, chunk, 0, len);
      }
    }
    try (NDArray v = manager.create(view, a.getShape(), djlType)) {
      a.set(new ai.djl.ndarray.index.NDIndex(":"), v);
    }
  }

  /**
   * Runs one recorded pass inside an {@link ai.djl.ndarray.NDScope}, so every intermediate array
   * is freed when the pass ends; only the tap tensors survive, until the next pass. Gradients
   * are zeroed per parameter (DJL's GradientCollector.zeroGradients walks every array of the
   * process, which grows with each step).
   */
  @Override
  public double backward(Supplier<Tensor> forward) {
    return backward(forward, true);
  }

  @Override
  public double backward(Supplier<Tensor> forward, boolean parameterGradients) {
    zeroGradients();
    if (!parameterGradients) {
      for (DjlTensor p : parameters) {
        p.array.setRequiresGradient(false);
      }
    }
    try {
      return pass(forward);
    } finally {
      if (!parameterGradients) {
        for (DjlTensor p : parameters) {
          p.array.setRequiresGradient(true);
        }
      }
    }
  }

  /**
   * The training pass's backward keeps its graph; the curvature loss is then reversed through it
   * with the parameters' gradient recording off (libtorch's gradient accumulators skip a leaf
   * that no longer requires a gradient, so the training gradients stay as they are), after the
   * taps' probes are zeroed so that their gradients are the curvature loss's alone.
   */
  @Override
  public double backwardWithCurvature(Supplier<Tensor> forward, Supplier<Tensor> curvatureLoss) {
    if (curvatureLoss == null) {
      throw new IllegalArgumentException("backwardWithCurvature needs a curvature loss");
    }
    zeroGradients();
    return pass(forward, curvatureLoss);
  }

  private void zeroGradients() {
    for (DjlTensor p : parameters) {
      if (p.array.hasGradient()) {
        try (NDArray g = p.array.getGradient()) {
          // a fill, not g - g: that leaves NaN wherever a diverged step left Inf or NaN
          g.set(new ai.djl.ndarray.index.NDIndex(":"), 0);
        }
      }
    }
  }

  private double pass(Supplier<Tensor> forward) {
    return pass(forward, null);
  }

  private double pass(Supplier<Tensor> forward, Supplier<Tensor> curvatureLoss) {
    for (NDArray a : kept) {
      a.close();
    }
    kept.clear();
    pendingTaps.clear();
    double value;
    try (ai.djl.ndarray.NDScope scope = new ai.djl.ndarray.NDScope()) {
      scope.suppressNotUsedWarning();
      try (GradientCollector gc = engine.newGradientCollector()) {
        NDArray loss = nd(forward.get());
        if (loss.size() != 1) {
          throw new IllegalArgumentException("backward needs a scalar loss, got " + loss.getShape());
        }
        value = loss.toType(DataType.FLOAT64, false).getDouble();
        if (curvatureLoss == null) {
          gc.backward(loss);
        } else {
          reverse(loss, true);
          for (Object[] pt : pendingTaps) {
            NDArray probe = (NDArray) pt[1];
            try (NDArray g = probe.getGradient()) {
              g.set(new ai.djl.ndarray.index.NDIndex(":"), 0);
            }
          }
          for (DjlTensor p : parameters) {
            p.array.setRequiresGradient(false);
          }
          try {
            NDArray c = nd(curvatureLoss.get());
            if (c.size() != 1) {
              throw new IllegalArgumentException("the curvature loss must be a scalar, got "
                  + c.getShape());
            }
            reverse(c, false);
          } finally {
            for (DjlTensor p : parameters) {
              p.array.setRequiresGradient(true);
            }
          }
        }
      }
      for (Object[] pt : pendingTaps) {
        LayerTap tap = (LayerTap) pt[0];
        NDArray probe = (NDArray) pt[1];
        NDArray input = (NDArray) pt[2];
        NDArray grad = probe.getGradient().duplicate();
        ai.djl.ndarray.NDScope.unregister(grad);
        kept.add(grad);
        if (!persistent.contains(input)) {
          ai.djl.ndarray.NDScope.unregister(input);
          kept.add(input);
        }
        tap.recordGradient(wrap(grad));
      }
    }
    pendingTaps.clear();
    return value;
  }

  /** Back-propagates a scalar from a seed of one, keeping the graph for another pass or not. */
  private void reverse(NDArray scalar, boolean keepGraph) {
    try (NDArray seed = scalar.onesLike()) {
      ai.djl.pytorch.jni.JniUtils.backward((ai.djl.pytorch.engine.PtNDArray) scalar,
          (ai.djl.pytorch.engine.PtNDArray) seed, keepGraph, false);
    }
  }

  @Override
  public double[] evaluate(Supplier<Tensor> forward) {
    try (ai.djl.ndarray.NDScope scope = new ai.djl.ndarray.NDScope()) {
      scope.suppressNotUsedWarning();
      // Outside a GradientCollector DJL already runs with gradients off; switching them off
      // again would only make libtorch print a deprecation warning.
      boolean previous = ai.djl.pytorch.jni.JniUtils.isGradMode();
      if (previous) {
        ai.djl.pytorch.jni.JniUtils.setGradMode(false);
      }
      try {
        return hostDoubles(nd(forward.get()));
      } finally {
        if (previous) {
          ai.djl.pytorch.jni.JniUtils.setGradMode(true);
        }
      }
    }
  }

  @Override
  public double[] gradientArray(Tensor parameter) {
    NDArray a = nd(parameter);
    if (!a.hasGradient()) {
      return new double[Math.toIntExact(a.size())];
    }
    try (NDArray g = a.getGradient()) {
      return hostDoubles(g);
    }
  }

  @Override
  public Tensor gradientCopy(Tensor parameter) {
    NDArray a = nd(parameter);
    NDArray copy;
    if (a.hasGradient()) {
      try (NDArray g = a.getGradient()) {
        copy = g.duplicate();
      }
    } else {
      copy = manager.zeros(a.getShape(), a.getDataType());
    }
    persistent.add(copy);
    return wrap(copy);
  }

  /** The elements as doubles, freeing any converted copy. */
  static double[] hostDoubles(NDArray a) {
    double[] d = new double[Math.toIntExact(a.size())];
    hostInto(a, d);
    return d;
  }

  /**
   * The elements widened into the first elements of {@code into}, from DJL's byte copy through
   * a reused float chunk (no float[] of the whole tensor). A download through a reused direct
   * buffer, as {@link #assign} uploads, was 4x faster; it was dropped when training runs drifted
   * apart, which was the collector freeing DJL's scalars (see {@link #scalarOp}), and has not
   * been measured again.
   */
  static void hostInto(NDArray a, double[] into) {
    int n = Math.toIntExact(a.size());
    if (n > into.length) {
      throw new IllegalArgumentException("a tensor of " + n + " elements into an array of "
          + into.length);
    }
    DataType type = a.getDataType();
    if (type != DataType.FLOAT32 && type != DataType.FLOAT64) {
      throw new IllegalStateException("host copies need float32 or float64, got " + type);
    }
    if (n == 0) {
      return;
    }
    java.nio.ByteBuffer buf;
    if (a.getDevice().equals(ai.djl.Device.cpu())) {
      buf = a.toByteBuffer();
    } else {
      // DJL's toByteBuffer copies a device tensor to the host and leaves that copy attached to
      // the session until it closes: every download of a step would pile up.
      try (NDArray host = a.toDevice(ai.djl.Device.cpu(), true)) {
        buf = host.toByteBuffer();
      }
    }
    if (type == DataType.FLOAT64) {
      buf.asDoubleBuffer().get(into, 0, n);
      return;
    }
    java.nio.FloatBuffer f = buf.asFloatBuffer();
    float[] chunk = CHUNK.get();
    for (int off = 0; off < n; off += chunk.length) {
      int len = Math.min(chunk.length, n - off);
      f.get(off, chunk, 0, len);
      for (int j = 0; j < len; j++) {
        into[off + j] = chunk[j];
      }
    }
  }

  /** Per-thread widening chunk for {@link #hostInto} (1 MB, so never one of G1's humongous objects). */
  private static final ThreadLocal<float[]> CHUNK = ThreadLocal.withInitial(() -> new float[1 << 18]);

  /** Per-thread direct buffer of {@link #assign}, grown to the largest parameter. */
  private static final ThreadLocal<java.nio.ByteBuffer[]> UP =
      ThreadLocal.withInitial(() -> new java.nio.ByteBuffer[1]);

  /** A native-order view of exactly {@code bytes} bytes of this thread's staging buffer. */
  private static java.nio.ByteBuffer staging(long bytes) {
    java.nio.ByteBuffer[] holder = UP.get();
    if (holder[0] == null || holder[0].capacity() < bytes) {
      holder[0] = java.nio.ByteBuffer.allocateDirect(Math.toIntExact(bytes));
    }
    java.nio.ByteBuffer view = holder[0].duplicate();
    view.clear().limit(Math.toIntExact(bytes));
    return view.slice().order(java.nio.ByteOrder.nativeOrder());
  }

  @Override
  public void reseed(long seed) {
    engine.setRandomSeed((int) (seed ^ (seed >>> 32)));
  }

  @Override
  public Tensor keep(Tensor t) {
    NDArray a = nd(t);
    if (!persistent.contains(a)) {
      ai.djl.ndarray.NDScope.unregister(a);
      kept.add(a);
    }
    return t;
  }

  /** Adds a zero leaf that requires gradients: its gradient is d loss / d output. */
  private NDArray tapped(NDArray x, NDArray y, LayerTap tap) {
    if (tap == null) {
      return y;
    }
    tap.record(wrap(x));
    NDArray probe = manager.zeros(y.getShape(), y.getDataType());
    probe.setRequiresGradient(true);
    pendingTaps.add(new Object[] {tap, probe, x});
    return y.add(probe);
  }

  @Override
  public Tensor dense(Tensor x, Tensor w, Tensor b, LayerTap tap) {
    NDArray xs = nd(x);
    NDArray y = xs.matMul(nd(w).transpose());
    if (b != null) {
      y = y.add(nd(b));
    }
    return wrap(tapped(xs, y, tap));
  }

  @Override
  public Tensor conv2d(Tensor x, Tensor w, Tensor b, int stride, LayerTap tap) {
    NDArray xs = nd(x);
    NDArray ws = nd(w);
    long kh = ws.getShape().get(2);
    long kw = ws.getShape().get(3);
    if (kh % 2 == 0 || kw % 2 == 0) {
      throw TailorException.user("SAME convolution needs odd kernels, got " + kh + "x" + kw);
    }
    NDArray y = Conv2d.conv2d(xs, ws, b == null ? null : nd(b), new Shape(stride, stride),
        new Shape(kh / 2, kw / 2), new Shape(1, 1), 1).singletonOrThrow();
    return wrap(tapped(xs, y, tap));
  }

  /**
   * {@code op(x, v)} with v as a scalar tensor in libtorch's own memory. DJL's NDArray.mul(Number),
   * div(Number), pow(Number) and kin wrap the number in a tensor over a direct buffer and close
   * that wrapper right after the op, but autograd keeps the tensor for the backward pass (a
   * product saves its other factor) and nothing keeps the buffer: when the collector ran between
   * the forward and backward passes it freed the scalar, and backward multiplied by whatever
   * then occupied that memory. Identical runs drifted apart at random (rarely: a K-FAC resume
   * test failed in CI about once in ten runs; with System.gc() in a loop, 9 of 10 SGD and K-FAC
   * runs went astray and some stopped on non-finite values; none with this form). Every
   * number that meets a tensor needing gradients goes through here.
   */
  static NDArray scalarOp(NDArray x, double v, java.util.function.BinaryOperator<NDArray> op) {
    try (NDArray wrapped = x.getManager().create(v); NDArray owned = wrapped.duplicate()) {
      return op.apply(x, owned);
    }
  }

  /** x * v, safely: see {@link #scalarOp}. */
  static NDArray times(NDArray x, double v) {
    return scalarOp(x, v, NDArray::mul);
  }

  @Override
  public Tensor activation(Tensor x, ShapedActivation phi) {
    NDArray u = nd(x);
    if (phi.inputScale() != 1.0) {
      u = times(u, phi.inputScale());
    }
    if (phi.inputShift() != 0.0) {
      u = u.add(phi.inputShift());
    }
    NDArray v = base(u, phi);
    if (phi.outputShift() != 0.0) {
      v = v.add(phi.outputShift());
    }
    if (phi.outputScale() != 1.0) {
      v = times(v, phi.outputScale());
    }
    return wrap(v);
  }

  /** The 16 base activations in engine ops, following the double-precision definitions. */
  private NDArray base(NDArray u, ShapedActivation phi) {
    String name = phi.base().name();
    switch (name) {
      case "tanh":
        return u.tanh();
      case "softplus":
        return u.abs().neg().exp().add(1).log().add(Activation.relu(u));
      case "leaky_relu": {
        double slope = phi.phi().negativeSlope();
        if (u.getDataType() == DataType.FLOAT32 || (double) (float) slope == slope) {
          // libtorch's fused leaky_relu (its slope is a float): one pass, no mask or where
          // temporaries; exact where the slope is a float32 value or the session is float32
          return Activation.leakyRelu(u, (float) slope);
        }
        // float64 with a slope float32 cannot hold: the slope at full precision
        return NDArrays.where(u.gte(0), u, times(u, slope));
      }
      case "relu":
        return Activation.relu(u);
      case "selu":
        return elu(u, 1.6732632423543772848170429916717, 1.0507009873554804934193349852946);
      case "elu":
        return elu(u, 1.0, 1.0);
      case "swish":
        return u.mul(Activation.sigmoid(u));
      case "sigmoid":
        return Activation.sigmoid(u);
      case "erf":
        return erf(u);
      case "bentid":
        return scalarOp(u.square().add(1).sqrt().sub(1), 2, NDArray::div).add(u);
      case "atan":
        return u.atan();
      case "asinh": {
        // The PyTorch engine has no asinh: log(|u| + sqrt(u^2 + 1)) with the sign restored,
        // written with where() so the gradient at 0 is 1.
        NDArray r = u.square().add(1).sqrt();
        NDArray pos = u.add(r).log();
        NDArray neg = u.neg().add(r).log().neg();
        return NDArrays.where(u.lt(0), neg, pos);
      }
      case "square":
        return u.square();
      case "softsign":
        return u.div(u.abs().add(1));
      case "gelu": {
        double k = Math.sqrt(2.0 / Math.PI);
        NDArray inner = times(u.add(times(scalarOp(u, 3, NDArray::pow), 0.044715)), k);
        return times(u.mul(inner.tanh().add(1)), 0.5);
      }
      case "gelu_exact":
        return scalarOp(u.mul(erf(scalarOp(u, Math.sqrt(2.0), NDArray::div)).add(1)), 2, NDArray::div);
      default:
        return any(u, phi.phi());
    }
  }

  /**
   * An activation this backend has no kernel for: written in the SPI's elementwise operations
   * where the activation provides that ({@link BaseActivation#apply}), else its value and
   * derivative evaluated on the host and attached as y = v + (u - stop(u)) * d, whose value is
   * phi(u) and whose gradient is phi'(u).
   */
  private static NDArray any(NDArray u, tailor.api.activation.BaseActivation phi) {
    NDArray viaOps = phi.apply(u, OPS);
    if (viaOps != null) {
      return viaOps;
    }
    NDArray us = u.stopGradient();
    double[] x = us.toType(DataType.FLOAT64, false).toDoubleArray();
    double[] v = new double[x.length];
    double[] d = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      v[i] = phi.value(x[i]);
      d[i] = phi.derivative(x[i]);
    }
    ai.djl.ndarray.types.Shape shape = u.getShape();
    NDArray vs = u.getManager().create(v, shape).toType(u.getDataType(), false);
    NDArray ds = u.getManager().create(d, shape).toType(u.getDataType(), false);
    return vs.add(u.sub(us).mul(ds));
  }

  /** The SPI's elementwise operations on this engine's arrays, scalars kept alive as in {@link #scalarOp}. */
  static final tailor.api.activation.ElementwiseOps<NDArray> OPS =
      new tailor.api.activation.ElementwiseOps<>() {
        @Override
        public NDArray add(NDArray a, NDArray b) {
          return a.add(b);
        }

        @Override
        public NDArray sub(NDArray a, NDArray b) {
          return a.sub(b);
        }

        @Override
        public NDArray mul(NDArray a, NDArray b) {
          return a.mul(b);
        }

        @Override
        public NDArray div(NDArray a, NDArray b) {
          return a.div(b);
        }

        @Override
        public NDArray add(NDArray a, double c) {
          return scalarOp(a, c, NDArray::add);
        }

        @Override
        public NDArray mul(NDArray a, double c) {
          return times(a, c);
        }

        @Override
        public NDArray neg(NDArray a) {
          return a.neg();
        }

        @Override
        public NDArray abs(NDArray a) {
          return a.abs();
        }

        @Override
        public NDArray exp(NDArray a) {
          return a.exp();
        }

        @Override
        public NDArray log(NDArray a) {
          return a.log();
        }

        @Override
        public NDArray sqrt(NDArray a) {
          return a.sqrt();
        }

        @Override
        public NDArray tanh(NDArray a) {
          return a.tanh();
        }

        @Override
        public NDArray sigmoid(NDArray a) {
          return Activation.sigmoid(a);
        }

        @Override
        public NDArray atan(NDArray a) {
          return a.atan();
        }

        @Override
        public NDArray erf(NDArray a) {
          return DjlSession.erf(a);
        }

        @Override
        public NDArray relu(NDArray a) {
          return Activation.relu(a);
        }

        @Override
        public NDArray where(NDArray test, NDArray ifNonNegative, NDArray ifNegative) {
          return NDArrays.where(test.gte(0), ifNonNegative, ifNegative);
        }
      };

  /**
   * erf, which DJL 0.25's NDArray lacks (it has erfinv). For |x| &lt;= 5 (3 in float32) it solves
   * erfinv(tanh(w)) = x for w by Newton's method from w = 1.2286 x (in w the problem stays
   * well conditioned where erf is near +-1: d/dw = sqrt(pi)/2 exp(erfinv(y)^2) sech(w)^2), then
   * erf = tanh(w); beyond, the asymptotic erfc(x) = exp(-x^2)/(x sqrt(pi)) (1 - 1/(2x^2) +
   * 3/(4x^4) - 15/(8x^6)), whose error there is below 1e-16 (2e-8 from 3 in float32). Values are computed without
   * gradient; the gradient 2/sqrt(pi) exp(-x^2) is attached as y + (x - stop(x)) * slope.
   */
  private static NDArray erf(NDArray x) {
    // float32: beyond 3 the series is within float32 rounding, and tanh(w) must stay below 1
    double limit = x.getDataType() == DataType.FLOAT64 ? 5.0 : 3.0;
    NDArray xs = x.stopGradient();
    NDArray inner = xs.clip(-limit, limit);
    NDArray w = inner.mul(1.2286);
    double half = Math.sqrt(Math.PI) / 2;
    for (int i = 0; i < 7; i++) {
      NDArray y = w.tanh();
      NDArray inv = y.erfinv();
      NDArray sech2 = y.square().neg().add(1);
      NDArray slope = inv.square().exp().mul(half).mul(sech2);
      w = w.sub(inv.sub(inner).div(slope));
    }
    NDArray core = w.tanh();
    NDArray ax = xs.abs().maximum(limit);
    NDArray x2 = ax.square();
    NDArray series = x2.pow(-1).mul(-0.5).add(1).add(x2.pow(-2).mul(0.75)).sub(x2.pow(-3).mul(1.875));
    NDArray erfc = x2.neg().exp().div(ax.mul(Math.sqrt(Math.PI))).mul(series);
    NDArray tail = erfc.neg().add(1).mul(xs.sign());
    NDArray y = NDArrays.where(xs.abs().gt(limit), tail, core);
    NDArray slope = times(x.square().neg().exp(), 2 / Math.sqrt(Math.PI));
    return y.add(x.sub(xs).mul(slope.stopGradient()));
  }

  private static NDArray elu(NDArray u, double alpha, double lambda) {
    NDArray neg = times(u.exp().sub(1), alpha);
    return times(NDArrays.where(u.lt(0), neg, u), lambda);
  }

  @Override
  public Tensor maxPool(Tensor x, int window, int stride) {
    return wrap(Pool.maxPool2d(nd(x), new Shape(window, window), new Shape(stride, stride),
        new Shape(window / 2, window / 2), false));
  }

  @Override
  public Tensor globalAvgPool(Tensor x) {
    // The PyTorch engine reduces one axis at a time.
    return wrap(nd(x).mean(new int[] {3}).mean(new int[] {2}));
  }

  @Override
  public Tensor axpby(double a, Tensor x, double b, Tensor y) {
    return scoped(() -> {
      NDArray xs = a == 1.0 ? nd(x) : times(nd(x), a);
      NDArray ys = b == 1.0 ? nd(y) : times(nd(y), b);
      return xs.add(ys);
    });
  }

  @Override
  public Tensor dropout(Tensor x, double p, boolean training) {
    if (!training || p == 0.0) {
      return x;
    }
    NDArray xs = nd(x);
    NDArray keep = manager.randomUniform(0f, 1f, xs.getShape(), djlType).gte(p).toType(djlType, false);
    return wrap(scalarOp(xs.mul(keep), 1.0 - p, NDArray::div));
  }

  @Override
  public Tensor batchNorm(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean,
      Tensor runningVar, double decay, double eps, boolean training) {
    // DJL's momentum is the decay (it hands 1 - momentum to torch::batch_norm); measured by
    // CpuBackendTest: running = momentum * running + (1 - momentum) * batch.
    NDList out = ai.djl.nn.norm.BatchNorm.batchNorm(nd(x), nd(runningMean), nd(runningVar),
        nd(gamma), nd(beta), 1, (float) decay, (float) eps, training);
    return wrap(out.singletonOrThrow());
  }

  /**
   * With a tap: libtorch's batch norm without its affine part gives x_hat (and moves the running
   * statistics as usual), then the scale and shift are applied as broadcast products, so the
   * tap's probe sits on y = scale * x_hat + shift.
   */
  @Override
  public Tensor batchNorm(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean,
      Tensor runningVar, double decay, double eps, boolean training, LayerTap tap) {
    if (tap == null) {
      return batchNorm(x, gamma, beta, runningMean, runningVar, decay, eps, training);
    }
    NDArray xs = nd(x);
    NDArray g = nd(gamma);
    long c = g.size();
    NDArray ones = manager.ones(new Shape(c), djlType);
    NDArray zeros = manager.zeros(new Shape(c), djlType);
    NDArray xhat = ai.djl.nn.norm.BatchNorm.batchNorm(xs, nd(runningMean), nd(runningVar), ones,
        zeros, 1, (float) decay, (float) eps, training).singletonOrThrow();
    long[] bshape = new long[xs.getShape().dimension()];
    java.util.Arrays.fill(bshape, 1);
    bshape[1] = c;
    Shape bs = new Shape(bshape);
    NDArray y = xhat.mul(g.reshape(bs)).add(nd(beta).reshape(bs));
    return wrap(tapped(xhat, y, tap));
  }

  @Override
  public Tensor scaleShiftExampleGradients(Tensor input, Tensor outputGradient) {
    NDArray xs = nd(input);
    NDArray dy = nd(outputGradient);
    int dims = xs.getShape().dimension();
    if (dims == 2) {
      try (NDArray prod = xs.mul(dy)) {
        return wrap(prod.concat(dy, 1));
      }
    }
    int[] axes = new int[dims - 2];
    for (int i = 0; i < axes.length; i++) {
      axes[i] = i + 2;
    }
    try (NDArray prod = xs.mul(dy)) {
      NDArray scale = prod.sum(axes);
      NDArray shift = dy.sum(axes);
      NDArray out = scale.concat(shift, 1);
      scale.close();
      shift.close();
      return wrap(out);
    }
  }

  @Override
  public Tensor rows(Tensor a, int from, int to) {
    NDArray x = nd(a);
    if (from < 0 || to > x.getShape().get(0) || from > to) {
      throw new IllegalArgumentException("rows [" + from + ", " + to + ") of a tensor with "
          + x.getShape().get(0));
    }
    return wrap(x.get(new ai.djl.ndarray.index.NDIndex(from + ":" + to)));
  }

  @Override
  public Tensor flatten(Tensor x) {
    NDArray xs = nd(x);
    return wrap(xs.reshape(xs.getShape().get(0), -1));
  }

  @Override
  public Tensor softmaxCrossEntropy(Tensor logits, int[] labels, double labelSmoothing) {
    NDArray z = nd(logits);
    long k = z.getShape().get(1);
    NDArray onehot = manager.create(labels).oneHot((int) k).toType(djlType, false);
    NDArray target = onehot.mul(1.0 - labelSmoothing).add(labelSmoothing / k);
    return wrap(z.logSoftmax(1).mul(target).sum(new int[] {1}).neg().mean());
  }

  @Override
  public Tensor meanSquare(Tensor x) {
    return wrap(nd(x).square().mean());
  }

  /**
   * Runs an op in its own scope so that its intermediates (views, partial sums) are freed and
   * only the result survives; inside a pass the result joins the pass's scope.
   */
  private Tensor scoped(Supplier<NDArray> op) {
    NDArray r;
    try (ai.djl.ndarray.NDScope scope = new ai.djl.ndarray.NDScope()) {
      scope.suppressNotUsedWarning();
      r = op.get();
      ai.djl.ndarray.NDScope.unregister(r);
    }
    ai.djl.ndarray.NDScope.register(r);
    return wrap(r);
  }

  @Override
  public Tensor matmul(Tensor a, Tensor b) {
    return scoped(() -> nd(a).matMul(nd(b)));
  }

  @Override
  public Tensor reshape(Tensor a, int... shape) {
    long[] s = new long[shape.length];
    for (int i = 0; i < shape.length; i++) {
      s[i] = shape[i];
    }
    return scoped(() -> nd(a).reshape(s));
  }

  @Override
  public Tensor concat(int axis, Tensor... parts) {
    NDList list = new NDList();
    for (Tensor t : parts) {
      list.add(nd(t));
    }
    return scoped(() -> NDArrays.concat(list, axis));
  }

  @Override
  public Tensor transpose(Tensor a) {
    return wrap(nd(a).transpose());
  }

  @Override
  public Tensor inverseSpd(Tensor a) {
    NDArray m = nd(a);
    if (m.getShape().dimension() != 2 || m.getShape().get(0) != m.getShape().get(1)) {
      throw new IllegalArgumentException("inverseSpd needs a square matrix, got " + m.getShape());
    }
    return scoped(() -> spdInverse(m));
  }

  /** Below this order the blocked inverse hands over to libtorch's LU inverse. */
  static final long BLOCKED_INVERSE_MIN = 1024;

  /**
   * The inverse of a symmetric positive-definite matrix by 2 x 2 blocks [[A, B], [B^T, C]]:
   * with X = A^-1 B and the Schur complement S = C - B^T X (also SPD), the inverse is
   * [[A^-1 + X S^-1 X^T, -X S^-1], [-(X S^-1)^T, S^-1]], recursing on A and S. Four matrix
   * products per level: about (4/3) n^3 flops at the matrix-product rate, where the LU inverse,
   * the only one DJL 0.25 exposes, costs 2 n^3 at about 0.6 of that rate here (K-FAC inverts
   * factors up to 4609 wide every inverse_period steps).
   */
  private static NDArray spdInverse(NDArray a) {
    long n = a.getShape().get(0);
    if (n < BLOCKED_INVERSE_MIN) {
      return a.inverse();
    }
    long h = n / 2;
    NDArray top = a.get(new ai.djl.ndarray.index.NDIndex(":" + h + ", :" + h));
    NDArray b = a.get(new ai.djl.ndarray.index.NDIndex(":" + h + ", " + h + ":"));
    NDArray c = a.get(new ai.djl.ndarray.index.NDIndex(h + ":, " + h + ":"));
    NDArray ai = spdInverse(top);
    NDArray x = ai.matMul(b);
    NDArray schur = c.sub(b.transpose().matMul(x));
    // exact arithmetic keeps S symmetric; rounding does not, and the recursion assumes it
    NDArray s = schur.add(schur.transpose()).muli(0.5);
    NDArray si = spdInverse(s);
    NDArray y = x.matMul(si);
    NDArray tl = ai.addi(y.matMul(x.transpose()));
    NDArray tr = y.neg();
    NDArray upper = NDArrays.concat(new NDList(tl, tr), 1);
    NDArray lower = NDArrays.concat(new NDList(tr.transpose(), si), 1);
    return NDArrays.concat(new NDList(upper, lower), 0);
  }

  @Override
  public Tensor patches(Tensor x, int kernel, int stride) {
    NDArray xs = nd(x);
    Shape s = xs.getShape();
    if (s.dimension() != 4 || kernel < 1 || kernel % 2 == 0 || stride < 1) {
      throw new IllegalArgumentException("patches need [n, c, h, w] and an odd kernel, got "
          + s + ", kernel " + kernel + ", stride " + stride);
    }
    long n = s.get(0);
    long c = s.get(1);
    int p = kernel / 2;
    long ho = (s.get(2) + 2L * p - kernel) / stride + 1;
    long wo = (s.get(3) + 2L * p - kernel) / stride + 1;
    return scoped(() -> {
      NDArray padded = p == 0 ? xs : zeroPad(xs, p);
      NDList shifts = new NDList();
      for (int i = 0; i < kernel; i++) {
        for (int j = 0; j < kernel; j++) {
          shifts.add(padded.get(new ai.djl.ndarray.index.NDIndex(String.format(Locale.ROOT,
              ":, :, %d:%d:%d, %d:%d:%d", i, i + (ho - 1) * stride + 1, stride, j,
              j + (wo - 1) * stride + 1, stride))));
        }
      }
      // [n, c, k*k, ho, wo] -> [n, ho, wo, c, k*k] -> rows
      return NDArrays.stack(shifts, 2).transpose(0, 3, 4, 1, 2).reshape(n * ho * wo, c * kernel * kernel);
    });
  }

  /** Zero padding of the two spatial axes by p on each side (DJL 0.25 has no pad). */
  private NDArray zeroPad(NDArray x, int p) {
    Shape s = x.getShape();
    NDArray side = manager.zeros(new Shape(s.get(0), s.get(1), s.get(2), p), x.getDataType());
    NDArray wide = NDArrays.concat(new NDList(side, x, side), 3);
    NDArray top = manager.zeros(new Shape(s.get(0), s.get(1), p, s.get(3) + 2L * p), x.getDataType());
    return NDArrays.concat(new NDList(top, wide, top), 2);
  }

  @Override
  public Tensor channelRows(Tensor x) {
    NDArray xs = nd(x);
    Shape s = xs.getShape();
    if (s.dimension() == 2) {
      return x;
    }
    if (s.dimension() != 4) {
      throw new IllegalArgumentException("channelRows needs [n, c] or [n, c, h, w], got " + s);
    }
    return scoped(() -> xs.transpose(0, 2, 3, 1).reshape(-1, s.get(1)));
  }

  @Override
  public Tensor secondMoment(Tensor rows, boolean homogeneous) {
    NDArray r = nd(rows);
    if (r.getShape().dimension() != 2) {
      throw new IllegalArgumentException("secondMoment needs rows [r, d], got " + r.getShape());
    }
    long count = r.getShape().get(0);
    return scoped(() -> {
      NDArray xtx = gram(r);
      if (!homogeneous) {
        return xtx.divi(count);
      }
      NDArray colSums = r.sum(new int[] {0}).reshape(1, -1);
      NDArray top = xtx.concat(colSums.transpose(), 1);
      NDArray corner = manager.full(new Shape(1, 1), count, r.getDataType());
      return top.concat(colSums.concat(corner, 1), 0).divi(count);
    });
  }

  @Override
  public void accumulateSecondMoment(Tensor target, Tensor rows, boolean homogeneous,
      double decay, double weight) {
    NDArray t = nd(target);
    NDArray r = nd(rows);
    if (r.getShape().dimension() != 2) {
      throw new IllegalArgumentException("accumulateSecondMoment needs rows [r, d], got " + r.getShape());
    }
    long count = r.getShape().get(0);
    long d = r.getShape().get(1);
    long dt = homogeneous ? d + 1 : d;
    if (!t.getShape().equals(new Shape(dt, dt))) {
      throw new IllegalArgumentException("accumulateSecondMoment: target " + t.getShape()
          + " for rows " + r.getShape() + (homogeneous ? " with the bias coordinate" : ""));
    }
    double c = weight / count;
    try (ai.djl.ndarray.NDScope scope = new ai.djl.ndarray.NDScope()) {
      scope.suppressNotUsedWarning();
      long[] cut = blockCuts(d);
      int k = cut.length - 1;
      NDArray[] cols = columnBlocks(r, cut);
      // One contiguous pass scales the target; then only the blocks on and above the diagonal
      // are multiplied, each added in place to its slice (and its transpose to the mirror).
      if (decay != 1.0) {
        t.muli(decay);
      }
      for (int i = 0; i < k; i++) {
        for (int j = i; j < k; j++) {
          NDArray b = cols[i].transpose().matMul(cols[j]).muli(c);
          addInto(t, cut[i], cut[i + 1], cut[j], cut[j + 1], b);
          if (j > i) {
            addInto(t, cut[j], cut[j + 1], cut[i], cut[i + 1], b.transpose());
          }
        }
      }
      if (homogeneous) {
        NDArray sums = r.sum(new int[] {0}).muli(c);
        addInto(t, 0, d, d, d + 1, sums.reshape(d, 1));
        addInto(t, d, d + 1, 0, d, sums.reshape(1, d));
        addInto(t, d, d + 1, d, d + 1, manager.ones(new Shape(1, 1), r.getDataType()).muli(count * c));
      }
    }
  }

  /** t[r0:r1, c0:c1] += b, in place (through a view of t). */
  private static void addInto(NDArray t, long r0, long r1, long c0, long c1, NDArray b) {
    t.get(new ai.djl.ndarray.index.NDIndex(r0 + ":" + r1 + ", " + c0 + ":" + c1)).addi(b);
  }

  /**
   * Column cuts for {@link #gram} and {@link #accumulateSecondMoment}: k blocks of at least 256
   * columns, at most 8 (one block below 512 columns).
   */
  private static long[] blockCuts(long d) {
    int k = (int) Math.max(1, Math.min(8, d / 256));
    long[] cut = new long[k + 1];
    for (int i = 0; i <= k; i++) {
      cut[i] = d * i / k;
    }
    return cut;
  }

  /** x's columns cut[i]..cut[i + 1] as views (x itself when there is one block). */
  private static NDArray[] columnBlocks(NDArray x, long[] cut) {
    int k = cut.length - 1;
    NDArray[] cols = new NDArray[k];
    for (int i = 0; i < k; i++) {
      cols[i] = k == 1 ? x : x.get(new ai.djl.ndarray.index.NDIndex(":, " + cut[i] + ":" + cut[i + 1]));
    }
    return cols;
  }

  /**
   * X^T X. Wide matrices are split into column blocks and only the blocks on and above the
   * diagonal are multiplied (the others are their transposes): k blocks cost (k + 1) / 2k of
   * the full product.
   */
  private static NDArray gram(NDArray x) {
    long[] cut = blockCuts(x.getShape().get(1));
    int k = cut.length - 1;
    if (k < 2) {
      return x.transpose().matMul(x);
    }
    NDArray[] cols = columnBlocks(x, cut);
    NDArray[][] blocks = new NDArray[k][k];
    for (int i = 0; i < k; i++) {
      for (int j = i; j < k; j++) {
        blocks[i][j] = cols[i].transpose().matMul(cols[j]);
        if (j > i) {
          blocks[j][i] = blocks[i][j].transpose();
        }
      }
    }
    NDList rows = new NDList();
    for (int i = 0; i < k; i++) {
      rows.add(NDArrays.concat(new NDList(blocks[i]), 1));
    }
    return NDArrays.concat(rows, 0);
  }

  @Override
  public Tensor scaleAddIdentity(Tensor a, double scale, double shift) {
    NDArray m = nd(a);
    long d = m.getShape().get(0);
    if (m.getShape().dimension() != 2 || m.getShape().get(1) != d) {
      throw new IllegalArgumentException("scaleAddIdentity needs a square matrix, got " + m.getShape());
    }
    return scoped(() -> {
      NDArray out = m.mul(scale);
      if (shift != 0.0) {
        out.addi(manager.eye((int) d, (int) d, 0, m.getDataType()).muli(shift));
      }
      return out;
    });
  }

  @Override
  public double trace(Tensor a) {
    NDArray m = nd(a);
    long d = m.getShape().get(0);
    // the diagonal of a row-major d x d matrix is every (d + 1)-th element of its flattening
    try (NDArray flat = m.reshape(-1); NDArray diag = flat.get(new ai.djl.ndarray.index.NDIndex("::" + (d + 1)));
        NDArray t = diag.sum()) {
      return hostDoubles(t)[0];
    }
  }

  @Override
  public void release(Tensor t) {
    NDArray a = nd(t);
    parameters.removeIf(p -> p.array == a);
    persistent.remove(a);
    nd(t).close();
  }

  @Override
  public void close() {
    manager.close();
  }
}
