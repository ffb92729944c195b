package tailor.app.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import tailor.api.backend.BackendSession;
import tailor.api.backend.LayerTap;
import tailor.api.backend.Tensor;
import tailor.api.optim.CurvatureRequest;
import tailor.api.optim.LayerStatistics;
import tailor.api.optim.Optimizer;
import tailor.api.optim.ParamSpec;
import tailor.api.optim.StepContext;
import tailor.models.Network;

/**
 * One optimizer step on a backend: the gradient pass, the curvature pass the optimizer asks for
 * (true Fisher: a second backward pass on the first examples of the batch at labels sampled from
 * the model's softmax, without weight gradients unless some parameter lies outside the dense and
 * conv layers; empirical Fisher: the taps of the gradient pass), the optimizer's update
 * of the host parameters, and the copy back to the backend. The training loop, the optimizer
 * contract test and {@code tailor bench optimizer-step} share it.
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
  /** Whether every parameter belongs to a dense or conv layer (no diagonal curvature blocks). */
  private final boolean allTapped;
  private List<LayerStatistics> layers = List.of();
  /** Nanoseconds of the last step's gradient pass, curvature pass and update (with the copy back). */
  private final long[] phaseNanos = new long[3];
  private double[][] curvatureGrads;
  /** Backend copies of the gradient pass's gradients of the tapped layers (curvature steps only). */
  private final Tensor[] gradTensors;
  /** Which leaves belong to a dense or conv layer. */
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
    boolean all = true;
    for (boolean c : covered) {
      all &= c;
    }
    this.allTapped = all;
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
   * @param x the batch
   * @param firstExamples the first m examples of the batch as a new tensor (the caller releases x;
   *     this releases what it makes)
   * @param labels the batch's labels
   * @param smoothing label smoothing of the training loss
   */
  Result run(long step, Tensor x, IntFunction<Tensor> firstExamples, int[] labels, double smoothing) {
    long t0 = System.nanoTime();
    CurvatureRequest req = optimizer.curvature(step);
    boolean empirical = req.mode() == CurvatureRequest.Mode.EMPIRICAL_FISHER;
    net.withTaps(empirical);
    clearTaps();
    s.reseed(seed * 1_000_003L + step);
    Tensor[] logits = new Tensor[1];
    double loss = s.backward(() -> {
      Tensor z = net.forward(x, true);
      logits[0] = s.keep(z);
      return s.softmaxCrossEntropy(z, labels, smoothing);
    });
    double[] z = logits[0].toArray();
    if (!Double.isFinite(loss)) {
      return new Result(loss, z);
    }
    for (int i = 0; i < params.size(); i++) {
      grads[i] = s.gradientArray(params.get(i).tensor());
    }
    layers = List.of();
    curvatureGrads = null;
    Tensor subBatch = null;
    long t1 = System.nanoTime();
    if (req.mode() != CurvatureRequest.Mode.NONE) {
      // before the curvature pass, which may overwrite the parameters' gradients
      releaseGradientCopies(); // left by a step that failed before its update
      for (int i = 0; i < params.size(); i++) {
        if (tapped[i]) {
          gradTensors[i] = s.gradientCopy(params.get(i).tensor());
        }
      }
    }
    if (empirical) {
      layers = statistics(labels.length);
      curvatureGrads = new double[grads.length][];
      for (int i = 0; i < grads.length; i++) {
        curvatureGrads[i] = grads[i].clone();
      }
    } else if (req.mode() == CurvatureRequest.Mode.TRUE_FISHER) {
      int m = req.examples() == 0 ? labels.length : Math.min(req.examples(), labels.length);
      Tensor xc = m == labels.length ? x : firstExamples.apply(m);
      net.withTaps(true);
      clearTaps();
      // The curvature pass runs in training mode (batch statistics, dropout) but must not move
      // batch norm's running statistics a second time.
      List<Network.Buffer> buffers = net.buffers();
      double[][] saved = new double[buffers.size()][];
      for (int i = 0; i < saved.length; i++) {
        saved[i] = buffers.get(i).tensor().toArray();
      }
      s.reseed(seed * 1_000_003L + step + 0x2545F491L);
      SplittableRandom rng = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (step + 1)));
      s.backward(() -> {
        Tensor zc = net.forward(xc, true);
        return s.softmaxCrossEntropy(zc, sampleLabels(zc.toArray(), m, rng), 0.0);
      }, !allTapped);
      net.withTaps(false);
      for (int i = 0; i < saved.length; i++) {
        s.assign(buffers.get(i).tensor(), saved[i]);
      }
      if (!allTapped) {
        curvatureGrads = new double[params.size()][];
        for (int i = 0; i < params.size(); i++) {
          curvatureGrads[i] = s.gradientArray(params.get(i).tensor());
        }
      }
      layers = statistics(m);
      if (xc != x) {
        subBatch = xc; // the first layer's statistics refer to it
      }
    }
    long t2 = System.nanoTime();
    try {
      optimizer.update(new Ctx(step));
    } finally {
      if (subBatch != null) {
        s.release(subBatch);
      }
      releaseGradientCopies();
    }
    for (int i = 0; i < params.size(); i++) {
      s.assign(params.get(i).tensor(), host[i]);
    }
    long t3 = System.nanoTime();
    phaseNanos[0] = t1 - t0;
    phaseNanos[1] = t2 - t1;
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
  }

  private List<LayerStatistics> statistics(int examples) {
    List<LayerStatistics> out = new ArrayList<>();
    for (Network.TappedLayer l : net.tappedLayers()) {
      LayerTap t = l.tap();
      if (t.input() != null && t.outputGradient() != null) {
        out.add(new LayerStatistics(t.name(), l.weight(), l.bias(), l.kernel(), l.stride(),
            t.input(), t.outputGradient(), examples));
      }
    }
    return out;
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
    public double[][] curvatureGradients() {
      return curvatureGrads;
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
