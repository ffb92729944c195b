package tailor.optimizers.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tailor.api.TailorException;
import tailor.api.backend.BackendSession;
import tailor.api.backend.Tensor;
import tailor.api.optim.CurvatureRequest;
import tailor.api.optim.LayerStatistics;
import tailor.api.optim.Optimizer;
import tailor.api.optim.ParamSpec;
import tailor.api.optim.ScaleShiftStatistics;
import tailor.api.optim.StepContext;
import tailor.api.optim.GradientTransform;
import tailor.optimizers.Configs;
import tailor.optimizers.Schedule;
import tailor.optimizers.Settings;
import tailor.optimizers.Transforms;

/**
 * K-FAC (Martens and Grosse 2015) with KFC conv blocks (Grosse and Martens 2016), with fixed
 * damping and fixed momentum as kfac-jax's TAT example runs it. The curvature is estimated from
 * the training step's own forward pass, on the whole batch by default (as kfac-jax); the first
 * {@code curvature_examples} examples of that pass are an explicit cheaper option. Differences
 * from kfac-jax: burn-in steps are the first training steps, with the parameters held (kfac-jax
 * burns in on extra batches before step 0), each on a whole batch; and the factor average is
 * exact over the first estimates, then an EMA (kfac-jax normalizes an EMA by its accumulated
 * weight).
 *
 * <p>Curvature: one block per dense or conv layer, F_l ~ A_l (x) G_l, with A the second moment
 * of the layer's inputs (conv: of its input patches, averaged over examples and locations; the
 * bias as a homogeneous coordinate) and G the second moment of the per-example gradients of the
 * loss with respect to the layer's outputs (conv: averaged over examples and locations, times the
 * number of locations). Batch norm's scale and shift get a diagonal block, as kfac-jax's
 * scale-and-shift block: the mean over examples of the squared per-example gradients, sum over
 * locations of dy * x_hat (scale) and of dy (shift). Per-example gradients are m times the rows
 * of the mean loss's gradients. The factors are exponential moving averages (decay
 * min(ema, k / (k + 1)) after k estimates, so the first estimates are averaged exactly, which is
 * the burn-in).
 *
 * <p>Step: every {@code inverse_period} steps the damped inverses (A + pi sqrt(lambda) I)^-1 and
 * (G + sqrt(lambda) / pi I)^-1 are recomputed, pi = sqrt((tr A / dim A) / (tr G / dim G));
 * the preconditioned gradient of a layer is Ginv [dW | db] Ainv; the norm constraint scales it
 * by min(1, sqrt(c / (lr^2 g^T F^-1 g))); then v = mu v - lr * that and theta += v. All matrix
 * work runs on the step's backend session.
 */
final class Kfac implements Optimizer {
  private static final class Block {
    final String name;
    final int weight;
    final int bias;
    final int out;
    final int dimA;
    Tensor a;
    Tensor g;
    Tensor aInv;
    Tensor gInv;

    Block(String name, int weight, int bias, int out, int dimA) {
      this.name = name;
      this.weight = weight;
      this.bias = bias;
      this.out = out;
      this.dimA = dimA;
    }
  }

  private final Configs.Kfac cfg;
  private final Settings settings;
  private List<ParamSpec> specs;
  private Schedule schedule;
  /** v = mu v + u with u = -lr * step: optax's trace, so the state is {@code velocity/<leaf>}. */
  private GradientTransform velocity;
  private List<Block> blocks;
  private double[][] diag;
  private double[][] diagInv;
  private long estimates;
  private boolean inverted;
  private BackendSession session;
  private final Map<String, double[]> pending = new HashMap<>();
  /** The preconditioned update's host buffers, reused across steps. */
  private double[][] pre;
  /** Host buffer for one layer's preconditioned matrix. */
  private double[] scratch;

  Kfac(Configs.Kfac cfg, Settings settings) {
    this.cfg = cfg;
    this.settings = settings;
    settings.schedule(1); // validates the schedule settings now, at the boundary
  }

  @Override
  public void init(List<ParamSpec> params, long totalSteps) {
    specs = List.copyOf(params);
    schedule = settings.schedule(totalSteps);
    velocity = Transforms.trace(cfg.momentum(), false);
    velocity.init(specs, totalSteps);
    blocks = null;
    pre = null;
    estimates = 0;
    inverted = false;
  }

  @Override
  public double learningRate(long step) {
    return schedule.at(step);
  }

  @Override
  public CurvatureRequest curvature(long step) {
    return new CurvatureRequest(cfg.empirical() ? CurvatureRequest.Mode.EMPIRICAL_FISHER
        : CurvatureRequest.Mode.TRUE_FISHER, cfg.curvatureExamples(), cfg.separatePass());
  }

  @Override
  public void update(StepContext c) {
    BackendSession s = c.session();
    List<LayerStatistics> layers = c.layers();
    if (s == null || layers.isEmpty()) {
      throw new IllegalStateException("kfac needs the layer statistics of a curvature pass "
          + "(StepContext.layers() and session()); the training loop provides them when "
          + "Optimizer.curvature() asks");
    }
    if (blocks == null) {
      setup(s, layers, c.scaleShiftLayers());
    }
    long step = c.step();
    accumulate(s, layers, c.scaleShiftLayers(), step);
    if (step < cfg.burnin()) {
      return; // burn-in: curvature estimates only
    }
    if (!inverted || (step - cfg.burnin()) % cfg.inversePeriod() == 0) {
      invert(s);
    }
    double[][] g = c.gradients();
    double[][] p = c.parameters();
    if (cfg.weightDecay() > 0) {
      for (int i = 0; i < specs.size(); i++) {
        if (cfg.decayAll() || specs.get(i).kind().decayedByDefault()) {
          for (int j = 0; j < g[i].length; j++) {
            g[i][j] += cfg.weightDecay() * p[i][j];
          }
        }
      }
    }
    double[][] pre = precondition(s, c, g, step);
    double lr = schedule.at(step);
    double coeff = 1.0;
    if (cfg.normConstraint() > 0 && lr > 0) {
      double dot = 0;
      for (int i = 0; i < g.length; i++) {
        for (int j = 0; j < g[i].length; j++) {
          dot += g[i][j] * pre[i][j];
        }
      }
      if (dot > 0) {
        coeff = Math.min(1.0, Math.sqrt(cfg.normConstraint() / (lr * lr * dot)));
      }
    }
    double scale = -lr * coeff;
    for (double[] di : pre) {
      for (int j = 0; j < di.length; j++) {
        di[j] *= scale;
      }
    }
    velocity.update(pre, p, step);
    for (int i = 0; i < p.length; i++) {
      double[] pi = p[i];
      double[] vi = pre[i];
      for (int j = 0; j < pi.length; j++) {
        pi[j] += vi[j];
      }
    }
  }

  private void setup(BackendSession s, List<LayerStatistics> layers,
      List<ScaleShiftStatistics> scaleShift) {
    session = s;
    blocks = new ArrayList<>();
    boolean[] covered = new boolean[specs.size()];
    for (LayerStatistics l : layers) {
      ParamSpec w = specs.get(l.weight());
      int out = w.shape()[0];
      int in = w.size() / out;
      if (l.bias() >= 0) {
        if (specs.get(l.bias()).size() != out) {
          throw new IllegalArgumentException("layer " + l.name() + ": bias of "
              + specs.get(l.bias()).size() + " values for " + out + " outputs");
        }
        covered[l.bias()] = true;
      }
      covered[l.weight()] = true;
      blocks.add(new Block(l.name(), l.weight(), l.bias(), out, in + (l.bias() >= 0 ? 1 : 0)));
    }
    diag = new double[specs.size()][];
    diagInv = new double[specs.size()][];
    for (ScaleShiftStatistics l : scaleShift) {
      for (int leaf : new int[] {l.scale(), l.shift()}) {
        if (leaf >= 0) {
          diag[leaf] = new double[specs.get(leaf).size()];
          diagInv[leaf] = new double[specs.get(leaf).size()];
          covered[leaf] = true;
        }
      }
    }
    for (int i = 0; i < specs.size(); i++) {
      if (!covered[i]) {
        throw TailorException.user("kfac has no curvature block for " + specs.get(i).name()
            + ": it is in no dense, conv or scale-and-shift layer the training loop reported "
            + "(batch norm's scale and shift need a host of SPI 1.1 or later, which reports "
            + "StepContext.scaleShiftLayers)");
      }
    }
    if (!pending.isEmpty()) {
      for (Block b : blocks) {
        b.a = upload(s, "kfac/a/" + b.name, b.dimA, b.dimA);
        b.g = upload(s, "kfac/g/" + b.name, b.out, b.out);
        if (inverted) {
          b.aInv = upload(s, "kfac/a_inv/" + b.name, b.dimA, b.dimA);
          b.gInv = upload(s, "kfac/g_inv/" + b.name, b.out, b.out);
        }
      }
      for (int i = 0; i < specs.size(); i++) {
        if (diag[i] != null) {
          copyPending("kfac/diag/" + specs.get(i).name(), diag[i]);
          copyPending("kfac/diag_inv/" + specs.get(i).name(), diagInv[i]);
        }
      }
      pending.clear();
    }
  }

  /** A restored entry of {@code n} values, or the user error naming it. */
  private double[] pendingEntry(String key, int n) {
    double[] v = pending.get(key);
    if (v == null || v.length != n) {
      throw TailorException.user("optimizer state has no " + key + " of " + n
          + " values; the checkpoint was written by another optimizer or model");
    }
    return v;
  }

  private Tensor upload(BackendSession s, String key, int rows, int cols) {
    return s.tensor(pendingEntry(key, rows * cols), rows, cols);
  }

  private void copyPending(String key, double[] into) {
    System.arraycopy(pendingEntry(key, into.length), 0, into, 0, into.length);
  }

  private void accumulate(BackendSession s, List<LayerStatistics> layers,
      List<ScaleShiftStatistics> scaleShift, long step) {
    if (layers.size() != blocks.size()) {
      throw new IllegalArgumentException("the curvature pass reported " + layers.size()
          + " layers; K-FAC was set up with " + blocks.size());
    }
    double decay = Math.min(cfg.ema(), estimates / (estimates + 1.0));
    for (int k = 0; k < blocks.size(); k++) {
      Block b = blocks.get(k);
      LayerStatistics l = layers.get(k);
      if (!l.name().equals(b.name)) {
        throw new IllegalArgumentException("layer " + k + " is " + l.name() + ", expected " + b.name);
      }
      Tensor rows = l.conv() ? s.patches(l.input(), l.kernel(), l.stride()) : l.input();
      int[] gs = l.outputGradient().shape();
      double locations = 1;
      for (int d = 2; d < gs.length; d++) {
        locations *= gs[d];
      }
      // per-example gradients are m times those of the mean loss; G = locations * E[g g^T]
      double gScale = (double) l.examples() * l.examples() * locations;
      Tensor gRows = s.channelRows(l.outputGradient());
      if (b.a == null) {
        b.a = s.secondMoment(rows, b.bias >= 0);
        Tensor gm = s.secondMoment(gRows, false);
        b.g = s.scaleAddIdentity(gm, gScale, 0);
        s.release(gm);
      } else {
        s.accumulateSecondMoment(b.a, rows, b.bias >= 0, decay, 1 - decay);
        s.accumulateSecondMoment(b.g, gRows, false, decay, (1 - decay) * gScale);
      }
      if (rows != l.input()) {
        s.release(rows);
      }
      if (gRows != l.outputGradient()) {
        s.release(gRows);
      }
      // a non-finite estimate makes the average non-finite
      checkFinite(s, b.a, "input (A)", b.name, step);
      checkFinite(s, b.g, "output-gradient (G)", b.name, step);
    }
    for (ScaleShiftStatistics l : scaleShift) {
      int n = l.examples();
      int rows = l.input().shape()[0];
      Tensor per = s.scaleShiftExampleGradients(l.input(), l.outputGradient());
      double[] g = per.toArray(); // [rows, 2c], rows of the mean loss's gradients
      s.release(per);
      int c = g.length / (2 * rows);
      // per-example gradients are n times the rows; the block is their mean square
      double w = (1 - decay) * n * (double) n / rows;
      for (int half = 0; half < 2; half++) {
        int leaf = half == 0 ? l.scale() : l.shift();
        if (leaf < 0) {
          continue;
        }
        double[] d = diag[leaf];
        if (d == null || d.length != c) {
          throw new IllegalArgumentException("scale-and-shift layer " + l.name() + " has " + c
              + " channels; K-FAC was set up with " + (d == null ? 0 : d.length));
        }
        for (int ch = 0; ch < c; ch++) {
          double sq = 0;
          for (int e = 0; e < rows; e++) {
            double v = g[e * 2 * c + half * c + ch];
            sq += v * v;
          }
          double est = w * sq;
          if (!Double.isFinite(est)) {
            throw TailorException.user(String.format(Locale.ROOT,
                "K-FAC: the diagonal curvature of %s is not finite at step %d; the network's "
                    + "gradients overflowed. Hint: lower the learning rate or raise "
                    + "optimizer.kfac.damping", specs.get(leaf).name(), step + 1));
          }
          d[ch] = decay * d[ch] + est;
        }
      }
    }
    estimates++;
  }

  private static void checkFinite(BackendSession s, Tensor t, String what, String layer, long step) {
    double tr = s.trace(t);
    if (!Double.isFinite(tr)) {
      throw TailorException.user(String.format(Locale.ROOT,
          "K-FAC: the %s factor of layer %s is not finite at step %d (trace %s); the network's "
              + "activations or gradients overflowed. Hint: lower the learning rate or raise "
              + "optimizer.kfac.damping", what, layer, step + 1, tr));
    }
  }

  private double lambda() {
    return cfg.damping() + cfg.weightDecay();
  }

  private void invert(BackendSession s) {
    double sq = Math.sqrt(lambda());
    for (Block b : blocks) {
      double ta = s.trace(b.a) / b.dimA;
      double tg = s.trace(b.g) / b.out;
      double pi = ta > 0 && tg > 0 ? Math.sqrt(ta / tg) : 1.0;
      Tensor ad = s.scaleAddIdentity(b.a, 1, pi * sq);
      Tensor gd = s.scaleAddIdentity(b.g, 1, sq / pi);
      if (b.aInv != null) {
        s.release(b.aInv);
        s.release(b.gInv);
      }
      b.aInv = s.inverseSpd(ad);
      b.gInv = s.inverseSpd(gd);
      s.release(ad);
      s.release(gd);
    }
    for (int i = 0; i < diag.length; i++) {
      if (diag[i] != null) {
        for (int j = 0; j < diag[i].length; j++) {
          diagInv[i][j] = 1.0 / (diag[i][j] + lambda());
        }
      }
    }
    inverted = true;
  }

  /**
   * Ginv [dW | db] Ainv per layer and g / (diag + lambda) for the diagonal blocks, into the
   * reused host buffers {@link #pre}. The layer gradients come from the backend's copies when
   * the training loop provides them (no host round trip), else from the host arrays.
   */
  private double[][] precondition(BackendSession s, StepContext c, double[][] g, long step) {
    if (pre == null) {
      pre = new double[g.length][];
      for (int i = 0; i < g.length; i++) {
        pre[i] = new double[g[i].length];
      }
    }
    for (Block b : blocks) {
      int in = b.bias >= 0 ? b.dimA - 1 : b.dimA;
      Tensor m = gradientMatrix(s, c, b, in, g);
      Tensor left = s.matmul(b.gInv, m);
      s.release(m);
      Tensor both = s.matmul(left, b.aInv);
      s.release(left);
      int size = b.out * b.dimA;
      if (scratch == null || scratch.length < size) {
        scratch = new double[size];
      }
      double[] r = scratch;
      both.copyTo(r);
      s.release(both);
      for (double v : r) {
        if (!Double.isFinite(v)) {
          throw TailorException.user(String.format(Locale.ROOT,
              "K-FAC: the preconditioned update of layer %s is not finite at step %d; Hint: raise "
                  + "optimizer.kfac.damping (now %s) or lower the learning rate", b.name, step + 1,
              cfg.damping()));
        }
      }
      double[] pw = pre[b.weight];
      double[] pb = b.bias >= 0 ? pre[b.bias] : null;
      for (int o = 0; o < b.out; o++) {
        System.arraycopy(r, o * b.dimA, pw, o * in, in);
        if (pb != null) {
          pb[o] = r[o * b.dimA + in];
        }
      }
    }
    for (int i = 0; i < g.length; i++) {
      if (diag[i] != null) {
        double[] d = pre[i];
        for (int j = 0; j < d.length; j++) {
          d[j] = g[i][j] * diagInv[i][j];
        }
      }
    }
    return pre;
  }

  /** The layer's gradient as [out, in (+ 1 with the bias)] on the backend. */
  private Tensor gradientMatrix(BackendSession s, StepContext c, Block b, int in, double[][] g) {
    // the host gradients include weight decay; the backend's copies do not
    Tensor gw = cfg.weightDecay() > 0 ? null : c.gradientTensor(b.weight);
    Tensor gb = gw != null && b.bias >= 0 ? c.gradientTensor(b.bias) : null;
    if (gw != null && (b.bias < 0 || gb != null)) {
      Tensor w2 = s.reshape(gw, b.out, in);
      if (b.bias < 0) {
        return w2;
      }
      Tensor b2 = s.reshape(gb, b.out, 1);
      Tensor m = s.concat(1, w2, b2);
      s.release(w2);
      s.release(b2);
      return m;
    }
    double[] gw0 = g[b.weight];
    double[] mat = new double[b.out * b.dimA];
    for (int o = 0; o < b.out; o++) {
      System.arraycopy(gw0, o * in, mat, o * b.dimA, in);
      if (b.bias >= 0) {
        mat[o * b.dimA + in] = g[b.bias][o];
      }
    }
    return s.tensor(mat, b.out, b.dimA);
  }

  /** Frees the factors on the backend and forgets the curvature estimate (velocities stay). */
  @Override
  public void close() {
    if (blocks != null && session != null) {
      for (Block b : blocks) {
        for (Tensor t : new Tensor[] {b.a, b.g, b.aInv, b.gInv}) {
          if (t != null) {
            session.release(t);
          }
        }
        b.a = null;
        b.g = null;
        b.aInv = null;
        b.gInv = null;
      }
    }
    // A consistent empty curvature state: state() then reports none, and a later update
    // starts estimating afresh.
    blocks = null;
    estimates = 0;
    inverted = false;
    pending.clear();
  }

  @Override
  public Map<String, double[]> state() {
    Map<String, double[]> st = new LinkedHashMap<>(velocity.state());
    st.put("kfac/counters", new double[] {estimates, inverted ? 1 : 0});
    if (blocks != null) {
      for (Block b : blocks) {
        st.put("kfac/a/" + b.name, b.a.toArray());
        st.put("kfac/g/" + b.name, b.g.toArray());
        if (inverted) {
          st.put("kfac/a_inv/" + b.name, b.aInv.toArray());
          st.put("kfac/g_inv/" + b.name, b.gInv.toArray());
        }
      }
      for (int i = 0; i < specs.size(); i++) {
        if (diag[i] != null) {
          st.put("kfac/diag/" + specs.get(i).name(), diag[i].clone());
          st.put("kfac/diag_inv/" + specs.get(i).name(), diagInv[i].clone());
        }
      }
    } else {
      pending.forEach(st::put);
    }
    return st;
  }

  @Override
  public void restore(Map<String, double[]> state) {
    velocity.restore(state);
    double[] counters = state.get("kfac/counters");
    if (counters == null || counters.length != 2) {
      throw TailorException.user("optimizer state has no kfac/counters; the checkpoint was "
          + "written by another optimizer");
    }
    close();
    estimates = (long) counters[0];
    inverted = counters[1] != 0;
    pending.clear();
    state.forEach((k, v) -> {
      if (k.startsWith("kfac/") && !k.equals("kfac/counters")) {
        pending.put(k, v);
      }
    });
    if (estimates > 0 && pending.isEmpty()) {
      throw TailorException.user("optimizer state has K-FAC counters but no factors; the "
          + "checkpoint is incomplete");
    }
  }
}
