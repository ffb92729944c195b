package tailor.app.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import tailor.api.backend.BackendSession;
import tailor.api.backend.LayerTap;
import tailor.api.backend.Tensor;
import tailor.api.optim.CurvatureRequest;
import tailor.api.optim.LayerStatistics;
import tailor.api.optim.Optimizer;
import tailor.api.optim.ParamSpec;
import tailor.api.optim.ScaleShiftStatistics;
import tailor.api.optim.StepContext;
import tailor.models.Network;

/**
 * One optimizer step on a backend: the training pass, the curvature statistics the optimizer
 * asks for, the optimizer's update of the host parameters, and the copy back to the backend. The
 * training loop, the optimizer contract test and {@code tailor bench optimizer-step} share it.
 *
 * <p>True Fisher: one forward pass of the whole batch; after the training loss's backward pass,
 * the batch's mean loss at labels sampled from the model's softmax is reversed through the same
 * graph ({@link BackendSession#backwardWithCurvature}), so the layer inputs, batch statistics and
 * dropout masks are the training pass's, batch norm's running statistics move once, and the
 * training gradients stay as they were. The statistics are the taps (dense and conv layers;
 * batch norm's x_hat and output gradient) of all examples, or with the explicit
 * {@code curvature_examples} option their first m rows: the whole-batch estimate's terms of
 * those m examples.
 * Empirical Fisher: the taps of the training pass itself.
 */
final class OptimizerStep {
  /** What the gradient pass gave (the logits on the host). */
  record Result(double loss, double[] logits) {}

  private final BackendSession s;
  private final Network net;
  private final Optimizer optimizer;
  private final List<Network.Parameter> params;
  private final List<ParamSpec> specs = new ArrayList<>();
  private final double[][] host;
  private final double[][] grads;
  private final long seed;
  private List<LayerStatistics> layers = List.of();
  /** Nanoseconds of the last step's gradient pass, curvature pass and update (with the copy back). */
  private final long[] phaseNanos = new long[3];
  private List<ScaleShiftStatistics> scaleShift = List.of();
  /** Backend copies of the gradient pass's gradients of the tapped layers (curvature steps only). */
  private final Tensor[] gradTensors;
  /** Which leaves belong to a dense or conv layer (their gradients are copied on the backend). */
  private final boolean[] tapped;

  /**
   * @param host the host copy of the parameters, updated in place
   * @param seed randomness of dropout and of the sampled targets (mixed with the step)
   */
  OptimizerStep(BackendSession s, Network net, Optimizer optimizer, double[][] host, long seed) {
    this.s = s;
    this.net = net;
    this.optimizer = optimizer;
    this.params = net.parameters();
    for (Network.Parameter p : params) {
      specs.add(p.spec());
    }
    this.host = host;
    this.grads = new double[params.size()][];
    this.seed = seed;
    boolean[] covered = new boolean[params.size()];
    for (Network.TappedLayer l : net.tappedLayers()) {
      covered[l.weight()] = true;
      if (l.bias() >= 0) {
        covered[l.bias()] = true;
      }
    }
    this.tapped = covered;
    this.gradTensors = new Tensor[params.size()];
  }

  /** The parameters' current values copied to the host (the optimizer's float64 copy). */
  static double[][] hostCopy(List<Network.Parameter> params) {
    double[][] host = new double[params.size()][];
    for (int i = 0; i < host.length; i++) {
      host[i] = params.get(i).tensor().toArray();
    }
    return host;
  }

  List<ParamSpec> specs() {
    return specs;
  }

  /**
   * Runs the passes and, when the loss is finite, the update.
   *
   * @param x the batch (the caller releases it)
   * @param labels the batch's labels
   * @param smoothing label smoothing of the training loss
   */
  Result run(long step, Tensor x, int[] labels, double smoothing) {
    long t0 = System.nanoTime();
    CurvatureRequest req = optimizer.curvature(step);
    boolean curvature = req.mode() != CurvatureRequest.Mode.NONE;
    boolean sampled = req.mode() == CurvatureRequest.Mode.TRUE_FISHER;
    int n = labels.length;
    int m = req.examples() == 0 ? n : Math.min(req.examples(), n);
    boolean separatePass = sampled && req.separatePass() && m < n;
    if (separatePass && !net.examplesIndependent()) {
      throw tailor.api.TailorException.user("optimizer.kfac.curvature_pass = separate needs a "
          + "network whose examples do not interact, and this one has batch norm or dropout: a "
          + "pass of " + m + " examples would be another function; use curvature_pass = "
          + "training (the default)");
    }
    net.withTaps(curvature && !separatePass);
    clearTaps();
    s.reseed(seed * 1_000_003L + step);
    Tensor[] logits = new Tensor[1];
    java.util.function.Supplier<Tensor> forward = () -> {
      Tensor z = net.forward(x, true);
      logits[0] = s.keep(z);
      return s.softmaxCrossEntropy(z, labels, smoothing);
    };
    double loss;
    long t1;
    if (sampled && !separatePass) {
      // One forward pass; the curvature loss (the batch's logits at labels drawn from the
      // model's softmax) is reversed through the same graph after the training loss. With
      // m < n the statistics are the first m examples' rows of that same estimate.
      SplittableRandom rng = curvatureRandom(seed, step);
      long[] mark = new long[1];
      try {
        loss = s.backwardWithCurvature(forward, () -> {
          mark[0] = System.nanoTime();
          Tensor z = logits[0];
          return s.softmaxCrossEntropy(z, sampleLabels(z.toArray(), n, rng), 0.0);
        });
      } catch (UnsupportedOperationException e) {
        throw tailor.api.TailorException.user("this backend cannot reverse the training pass's "
            + "graph a second time, which K-FAC's curvature from the training pass needs ("
            + e.getMessage() + "); use the cpu backend, or for a network without batch norm or "
            + "dropout --set optimizer.kfac.curvature_examples=16 --set "
            + "optimizer.kfac.curvature_pass=separate");
      }
      t1 = mark[0] == 0 ? System.nanoTime() : mark[0];
    } else {
      loss = s.backward(forward);
      t1 = System.nanoTime();
    }
    double[] z = logits[0].toArray();
    if (!Double.isFinite(loss)) {
      return new Result(loss, z);
    }
    long td = System.nanoTime();
    for (int i = 0; i < params.size(); i++) {
      grads[i] = s.gradientArray(params.get(i).tensor());
    }
    long download = System.nanoTime() - td;
    layers = List.of();
    scaleShift = List.of();
    List<Tensor> slices = new ArrayList<>();
    if (curvature) {
      releaseGradientCopies(); // left by a step that failed before its update
      for (int i = 0; i < params.size(); i++) {
        if (tapped[i]) {
          gradTensors[i] = s.gradientCopy(params.get(i).tensor());
        }
      }
      if (separatePass) {
        // The explicit cheaper option: the first m examples' pass of their own, which for a
        // network whose examples do not interact computes the same per-example quantities as
        // the training pass's rows, at m/n of the curvature pass's work. It overwrites the
        // parameters' gradients, which were copied above.
        Tensor xm = s.rows(x, 0, m);
        slices.add(xm); // the first layer's statistics refer to it until the update is done
        net.withTaps(true);
        clearTaps();
        SplittableRandom rng = curvatureRandom(seed, step);
        s.reseed(seed * 1_000_003L + step);
        s.backward(() -> {
          Tensor zm = net.forward(xm, true);
          return s.softmaxCrossEntropy(zm, sampleLabels(zm.toArray(), m, rng), 0.0);
        }, false);
        net.withTaps(false);
        layers = statistics(m, m, slices);
        scaleShift = scaleShiftStatistics(m, m, slices);
      } else {
        int used = sampled ? m : n;
        layers = statistics(used, n, slices);
        scaleShift = scaleShiftStatistics(used, n, slices);
      }
    }
    long t2 = System.nanoTime();
    try {
      optimizer.update(new Ctx(step));
    } finally {
      for (Tensor t : slices) {
        s.release(t);
      }
      releaseGradientCopies();
    }
    for (int i = 0; i < params.size(); i++) {
      s.assign(params.get(i).tensor(), host[i]);
    }
    long t3 = System.nanoTime();
    // the gradients' download belongs to the gradient pass, as for every optimizer
    phaseNanos[0] = t1 - t0 + download;
    phaseNanos[1] = t2 - t1 - download;
    phaseNanos[2] = t3 - t2;
    return new Result(loss, z);
  }

  /** Seconds of the last step's gradient pass, curvature pass, and update with the copy back. */
  double[] phaseSeconds() {
    return new double[] {phaseNanos[0] / 1e9, phaseNanos[1] / 1e9, phaseNanos[2] / 1e9};
  }

  private void releaseGradientCopies() {
    for (int i = 0; i < gradTensors.length; i++) {
      if (gradTensors[i] != null) {
        s.release(gradTensors[i]);
        gradTensors[i] = null;
      }
    }
  }

  private void clearTaps() {
    for (LayerTap t : net.taps()) {
      t.clear();
    }
    for (Network.ScaleShiftLayer l : net.scaleShiftLayers()) {
      l.tap().clear();
    }
  }

  /** The taps' first {@code rows} examples, of a pass whose mean loss averaged over {@code examples}. */
  private List<LayerStatistics> statistics(int rows, int examples, List<Tensor> slices) {
    List<LayerStatistics> out = new ArrayList<>();
    for (Network.TappedLayer l : net.tappedLayers()) {
      LayerTap t = l.tap();
      if (t.input() != null && t.outputGradient() != null) {
        out.add(new LayerStatistics(t.name(), l.weight(), l.bias(), l.kernel(), l.stride(),
            first(t.input(), rows, slices), first(t.outputGradient(), rows, slices), examples));
      }
    }
    return out;
  }

  private List<ScaleShiftStatistics> scaleShiftStatistics(int rows, int examples,
      List<Tensor> slices) {
    List<ScaleShiftStatistics> out = new ArrayList<>();
    for (Network.ScaleShiftLayer l : net.scaleShiftLayers()) {
      LayerTap t = l.tap();
      if (t.input() != null && t.outputGradient() != null) {
        out.add(new ScaleShiftStatistics(t.name(), l.scale(), l.shift(),
            first(t.input(), rows, slices), first(t.outputGradient(), rows, slices), examples));
      }
    }
    return out;
  }

  /** The first {@code m} examples of a tap's tensor (itself when it has no more). */
  private Tensor first(Tensor t, int m, List<Tensor> slices) {
    if (t.shape()[0] == m) {
      return t;
    }
    Tensor r = s.rows(t, 0, m);
    slices.add(r);
    return r;
  }

  /** The random numbers the curvature pass of {@code step} draws its labels from. */
  static SplittableRandom curvatureRandom(long seed, long step) {
    return new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (step + 1)));
  }

  /** One label per row of logits [m, k], drawn from the row's softmax. */
  static int[] sampleLabels(double[] z, int m, SplittableRandom rng) {
    int k = z.length / m;
    int[] out = new int[m];
    for (int e = 0; e < m; e++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < k; j++) {
        max = Math.max(max, z[e * k + j]);
      }
      double sum = 0;
      for (int j = 0; j < k; j++) {
        sum += Math.exp(z[e * k + j] - max);
      }
      double u = rng.nextDouble() * sum;
      int pick = k - 1;
      double acc = 0;
      for (int j = 0; j < k; j++) {
        acc += Math.exp(z[e * k + j] - max);
        if (u < acc) {
          pick = j;
          break;
        }
      }
      out[e] = pick;
    }
    return out;
  }

  private final class Ctx implements StepContext {
    private final long step;

    Ctx(long step) {
      this.step = step;
    }

    @Override
    public long step() {
      return step;
    }

    @Override
    public List<ParamSpec> specs() {
      return specs;
    }

    @Override
    public double[][] gradients() {
      return grads;
    }

    @Override
    public double[][] parameters() {
      return host;
    }

    @Override
    public List<LayerStatistics> layers() {
      return layers;
    }

    @Override
    public List<ScaleShiftStatistics> scaleShiftLayers() {
      return scaleShift;
    }

    @Override
    public BackendSession session() {
      return s;
    }

    @Override
    public Tensor gradientTensor(int leaf) {
      return gradTensors[leaf];
    }
  }
}
