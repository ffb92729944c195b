package tailor.app.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tailor.api.TailorException;
import tailor.api.backend.BackendSession;
import tailor.api.backend.Tensor;
import tailor.api.data.Dataset;
import tailor.api.data.Split;
import tailor.api.optim.Optimizer;
import tailor.api.optim.ParamSpec;
import tailor.api.optim.StepContext;
import tailor.datasets.BatchStream;
import tailor.models.Network;

/**
 * The training loop: seeded batches from the background loader, forward and backward on the
 * backend, the optimizer's update on the host copy of the parameters, metrics, evaluation every
 * few epochs, atomic checkpoints, and the divergence guard. Parameters are kept on the host in
 * double precision (the backend holds float32 copies), and a checkpoint stores that host state,
 * the optimizer state and the position, so a resumed run continues bit for bit.
 */
final class Trainer {
  /** Test-split metrics. */
  record Eval(double loss, double top1, double top5, int examples) {}

  /** What a run ended with. */
  /** @param signal the signal that stopped the run early ("INT", "TERM"), or null */
  record Outcome(long steps, double lastLoss, Eval eval, double trainSeconds, double imagesPerSecond,
      boolean stoppedEarly, String signal) {}

  private final ModelBuild b;
  private final Optimizer optimizer;
  private final Path out;
  private final Progress progress;
  private final List<Network.Parameter> params;
  private final List<ParamSpec> specs = new ArrayList<>();
  private final double[][] host;
  private final long total;
  private final int batch;
  private final long perEpoch;

  Trainer(ModelBuild b, Optimizer optimizer, Path out, Progress progress) {
    this.b = b;
    this.optimizer = optimizer;
    this.out = out;
    this.progress = progress;
    RunConfig c = b.config;
    long bs = c.integer("batch");
    if (bs < 1 || bs > 1_000_000) {
      throw TailorException.user("--batch " + bs + " must be from 1 to 1000000");
    }
    this.batch = (int) bs;
    int n = b.data.size(Split.TRAIN);
    if (n < batch) {
      throw TailorException.user(String.format(Locale.ROOT,
          "the training split has %,d examples, fewer than one batch of %d; use a smaller --batch", n, batch));
    }
    this.perEpoch = BatchStream.batchesPerEpoch(n, batch, true);
    long steps = c.integer("steps");
    long epochs = c.integer("epochs");
    if (steps < 0 || epochs < 0 || (steps == 0 && epochs == 0)) {
      throw TailorException.user("give a positive --epochs or --steps (now epochs " + epochs
          + ", steps " + steps + ")");
    }
    this.total = steps > 0 ? steps : epochs * perEpoch;
    for (String k : List.of("eval_every", "evals_per_epoch", "checkpoint_every", "log_every")) {
      if (c.integer(k) < 1) {
        throw TailorException.user("--" + k.replace('_', '-') + " " + c.integer(k) + " must be >= 1");
      }
    }
    double ls = c.number("label_smoothing");
    if (!(ls >= 0 && ls < 1)) {
      throw TailorException.user("--label-smoothing " + ls + " must be in [0, 1)");
    }
    this.params = b.network.parameters();
    this.host = OptimizerStep.hostCopy(params);
    for (Network.Parameter p : params) {
      specs.add(p.spec());
    }
    optimizer.init(specs, total);
  }

  /** Evaluation needs no gradients, so it takes larger batches. */
  private int evalBatch() {
    return Math.max(batch, 256);
  }

  long totalSteps() {
    return total;
  }

  long stepsPerEpoch() {
    return perEpoch;
  }

  /** Restores parameters, buffers, optimizer state; returns the position to continue from. */
  Checkpoint.Position restore(Checkpoint ck) {
    double[][] restored = restoreWeights(b, ck);
    for (int i = 0; i < params.size(); i++) {
      host[i] = restored[i];
    }
    Map<String, double[]> state = new LinkedHashMap<>();
    ck.tensors.forEach((k, v) -> {
      if (k.startsWith("opt/")) {
        state.put(k.substring(4), v);
      }
    });
    optimizer.restore(state);
    return ck.position;
  }

  /** Loads a checkpoint's parameters and buffers into the network; returns the parameters. */
  static double[][] restoreWeights(ModelBuild b, Checkpoint ck) {
    BackendSession s = b.session;
    List<Network.Parameter> ps = b.network.parameters();
    double[][] out = new double[ps.size()][];
    for (int i = 0; i < ps.size(); i++) {
      Network.Parameter p = ps.get(i);
      double[] v = ck.tensors.get("param/" + p.name());
      int n = p.spec().size();
      if (v == null || v.length != n) {
        throw TailorException.user("the checkpoint has no parameter " + p.name() + " of " + n
            + " values; it was written for another model");
      }
      out[i] = v.clone();
      s.assign(p.tensor(), out[i]);
    }
    for (Network.Buffer buf : b.network.buffers()) {
      double[] v = ck.tensors.get("buffer/" + buf.name());
      if (v == null) {
        throw TailorException.user("the checkpoint has no buffer " + buf.name()
            + "; it was written for another model");
      }
      s.assign(buf.tensor(), v);
    }
    return out;
  }

  private Checkpoint checkpoint(Checkpoint.Position p) {
    Map<String, double[]> t = new LinkedHashMap<>();
    for (int i = 0; i < params.size(); i++) {
      t.put("param/" + params.get(i).name(), host[i]);
    }
    for (Network.Buffer buf : b.network.buffers()) {
      t.put("buffer/" + buf.name(), buf.tensor().toArray());
    }
    optimizer.state().forEach((k, v) -> t.put("opt/" + k, v));
    return new Checkpoint(b.config.toJson(), p, t, b.data.classNames());
  }

  /**
   * The weights as safetensors (float32, PyTorch names and layouts, batch-norm tensors as
   * torch.nn.BatchNorm2d names them) with the model card ({@link ModelCard}) in its metadata,
   * and the card again as {@code model.json} beside it.
   *
   * @param steps the training steps the weights have seen (num_batches_tracked)
   */
  void export(Path file, long steps) {
    Map<String, Safetensors.Entry> t = new LinkedHashMap<>();
    for (int i = 0; i < params.size(); i++) {
      t.put(ModelCard.exportName(params.get(i)), new Safetensors.Entry(params.get(i).shape(), host[i]));
    }
    java.util.Set<String> bnLayers = new java.util.LinkedHashSet<>();
    for (Network.Buffer buf : b.network.buffers()) {
      t.put(buf.name(), new Safetensors.Entry(buf.shape(), buf.tensor().toArray()));
      String n = buf.name();
      bnLayers.add(n.substring(0, n.lastIndexOf('.')));
    }
    for (String layer : bnLayers) {
      t.put(layer + ".num_batches_tracked", Safetensors.Entry.scalarInt64(steps));
    }
    com.google.gson.JsonObject card = ModelCard.of(b, steps);
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("format", "pt");
    meta.put("producer", "tailor " + AppModule.VERSION);
    meta.put("architecture", b.graph.describe());
    meta.put("activation", b.activation.toString());
    meta.put("tailor", card.toString());
    Safetensors.write(file, t, meta);
    Path json = file.resolveSibling("model.json");
    String pretty = new com.google.gson.GsonBuilder().setPrettyPrinting().disableHtmlEscaping()
        .create().toJson(card);
    Io.writeAtomically(json, tmp -> java.nio.file.Files.writeString(tmp, pretty + "\n"));
  }

  /**
   * Trains from {@code start} to the end (or to stop_after steps).
   *
   * @param start where to begin (step 0 for a new run)
   * @param metrics where rows go
   */
  Outcome run(Checkpoint.Position start, Metrics metrics) {
    RunConfig c = b.config;
    BackendSession s = b.session;
    Network net = b.network;
    Dataset data = b.data;
    long seed = c.integer("seed");
    long stopAfter = c.integer("stop_after");
    int loaderThreads = (int) c.integer("loader_threads");
    double smoothing = c.number("label_smoothing");
    long logEvery = c.integer("log_every");
    long ckEvery = c.integer("checkpoint_every");
    long evalEvery = c.integer("eval_every");
    // Evaluations within an epoch (evals_per_epoch > 1, eval_every 1) at steps of equal spacing.
    long evalsPerEpoch = evalEvery == 1 ? Math.min(c.integer("evals_per_epoch"), perEpoch) : 1;
    int classes = data.classNames().size();

    long step = start.step();
    long epoch = start.epoch();
    int inEpoch = start.batchInEpoch();
    double lastGood = start.lastLoss();
    long lastCheckpoint = -1;
    double windowLoss = 0;
    double windowCorrect = 0;
    long windowExamples = 0;
    long windowSteps = 0;
    long windowStart = System.nanoTime();
    long t0 = System.nanoTime() - (long) (start.trainSeconds() * 1e9);
    double trainNanos = 0;
    long imagesSeen = 0;
    Eval eval = null;
    long evalStep = -1;
    boolean stopped = false;
    String signal = null;
    progress.start(step, total, perEpoch);
    OptimizerStep stepper = new OptimizerStep(s, net, optimizer, host, seed);
    Object warmup = b.config.optimizerSettings().get("warmup");
    LossBand band = new LossBand(c.number("divergence_factor"), step + LossBand.WINDOW,
        warmup instanceof Number w ? (long) Math.ceil(w.doubleValue() * total) : 0,
        Math.log(Math.max(2, classes)));
    boolean checkpointDue = false;
    outer:
    while (step < total) {
      try (BatchStream stream = new BatchStream(data, Split.TRAIN, batch, true, seed, epoch, inEpoch,
          loaderThreads)) {
        while (stream.hasNext() && step < total) {
          long ts = System.nanoTime();
          BatchStream.Batch bt = stream.next();
          Tensor x = b.input(bt);
          int[] labels = bt.labels();
          OptimizerStep.Result r = stepper.run(step, x, labels, smoothing);
          s.release(x);
          double loss = r.loss();
          String outside = band.check(step, loss);
          if (outside != null) {
            progress.finish();
            throw diverged(step, epoch, outside, lastGood, lastCheckpoint, metrics);
          }
          double[] z = r.logits();
          windowCorrect += correct(z, labels, classes, 1);
          lastGood = loss;
          step++;
          inEpoch++;
          imagesSeen += bt.size();
          trainNanos += System.nanoTime() - ts;
          windowLoss += loss;
          windowExamples += bt.size();
          windowSteps++;
          if (inEpoch == perEpoch) {
            epoch++;
            inEpoch = 0;
          }
          double epochs = epoch + (double) inEpoch / perEpoch;
          if (step % logEvery == 0 || step == total) {
            double secs = (System.nanoTime() - windowStart) / 1e9;
            metrics.add(new Metrics.Row("train", step, epochs, windowLoss / windowSteps,
                windowCorrect / windowExamples, Double.NaN, optimizer.learningRate(step - 1),
                windowExamples / Math.max(secs, 1e-9), (System.nanoTime() - t0) / 1e9));
            windowLoss = 0;
            windowCorrect = 0;
            windowExamples = 0;
            windowSteps = 0;
            windowStart = System.nanoTime();
          }
          progress.update(step, epoch, loss, imagesSeen / (trainNanos / 1e9), eval);
          boolean epochEnd = inEpoch == 0;
          boolean midEpoch = evalsPerEpoch > 1 && !epochEnd
              && (inEpoch * evalsPerEpoch) / perEpoch != ((inEpoch - 1) * evalsPerEpoch) / perEpoch;
          if ((epochEnd && epoch % evalEvery == 0) || midEpoch || step == total) {
            eval = evaluate(b, evalBatch());
            evalStep = step;
            metrics.add(new Metrics.Row("test", step, epochs, eval.loss(), eval.top1(), eval.top5(),
                Double.NaN, 0, (System.nanoTime() - t0) / 1e9));
            progress.evaluated(step, epoch, eval);
            windowStart = System.nanoTime();
          }
          Checkpoint.Position pos = new Checkpoint.Position(step, epoch, inEpoch, loss,
              start.trainSeconds() + trainNanos / 1e9);
          signal = step < total ? Interruption.requested() : null;
          boolean stopNow = (stopAfter > 0 && step >= stopAfter && step < total) || signal != null;
          checkpointDue |= step % ckEvery == 0;
          // a checkpoint counts as good only while the loss is in its healthy band: one due
          // while the loss is climbing waits for it to come back (or for the run's end)
          if ((checkpointDue && band.healthy(loss)) || step == total || stopNow) {
            checkpoint(pos).write(out);
            lastCheckpoint = step;
            checkpointDue = false;
          }
          if (stopNow) {
            stopped = true;
            break outer;
          }
          if (epochEnd) {
            break; // the next epoch gets a fresh order
          }
        }
      }
    }
    progress.finish();
    optimizer.close(); // the checkpoints are written; free what it holds on the backend
    double secs = trainNanos / 1e9;
    if (!stopped && evalStep != step) {
      eval = evaluate(b, evalBatch());
    }
    double rate = imagesSeen > 0 ? imagesSeen / secs : Double.NaN;
    return new Outcome(step, lastGood, eval, start.trainSeconds() + secs, rate, stopped, signal);
  }

  private TailorException diverged(long step, long epoch, String why, double lastGood,
      long lastCheckpoint, Metrics metrics) {
    Map<String, Object> o = b.config.optimizerSettings();
    Object lr = o.get("learning_rate");
    String lower = lr instanceof Double d ? String.format(Locale.ROOT, "%.3g", d / 3) : "SMALLER";
    String where = lastCheckpoint >= 0
        ? String.format(Locale.ROOT, "the last good checkpoint (step %d, taken while the loss was "
            + "in its band) is kept in %s. Hint: resume from it with a lower learning rate (now "
            + "%s): tailor train --resume %s --lr %s", lastCheckpoint, out.resolve(Checkpoint.FILE),
            lr, out, lower)
        : String.format(Locale.ROOT, "no checkpoint had been written yet (--checkpoint-every %d). "
            + "Hint: start it again with a lower learning rate (now %s, e.g. --lr %s; the same "
            + "--out works) or a longer warm-up (--warmup)", b.config.integer("checkpoint_every"),
            lr, lower);
    TrainPlot.write(out.resolve("training.png"), "diverged: " + b.graph.describe(), metrics.rows());
    return TailorException.user(String.format(Locale.ROOT,
        "training diverged at step %d (epoch %d): %s (last good loss %.4g); %s", step + 1,
        epoch + 1, why, lastGood, where));
  }

  /**
   * The band a step's loss must stay in: finite, and once the warm-up (and a first window) is
   * over, at most {@code factor} times the median of the last {@link #WINDOW} step losses. A
   * loss above {@link #HEALTHY} times that median is still inside the band but not healthy: no
   * checkpoint is taken then.
   */
  static final class LossBand {
    static final int WINDOW = 50;
    static final double HEALTHY = 3;
    private final double factor;
    private final double floor;
    private final long quietUntil;
    private final java.util.ArrayDeque<Double> recent = new java.util.ArrayDeque<>();

    /**
     * @param firstWindowEnd the step at which a full window has been seen
     * @param warmupEnd the last warm-up step
     */
    LossBand(double factor, long firstWindowEnd, long warmupEnd) {
      this(factor, firstWindowEnd, warmupEnd, 0);
    }

    /**
     * @param floor the band's scale never goes below this (the loss at chance, ln classes): a
     *     converged run's tiny median must not make a loss of 0.2 a divergence
     */
    LossBand(double factor, long firstWindowEnd, long warmupEnd, double floor) {
      this.floor = floor;
      this.factor = factor;
      this.quietUntil = Math.max(firstWindowEnd, warmupEnd);
    }

    /** Null when the loss of this step (0-based) is inside the band; else what is wrong. */
    String check(long step, double loss) {
      if (!Double.isFinite(loss)) {
        return "the loss is " + loss;
      }
      if (factor > 0 && step >= quietUntil && recent.size() == WINDOW) {
        double median = median();
        if (loss > factor * Math.max(median, floor)) {
          return String.format(Locale.ROOT, "the loss %.4g is above %s times the median %.4g of "
              + "the last %d steps (--divergence-factor)", loss, trim(factor), median, WINDOW);
        }
      }
      recent.addLast(loss);
      if (recent.size() > WINDOW) {
        recent.removeFirst();
      }
      return null;
    }

    /** Whether a checkpoint may be taken at this loss. */
    boolean healthy(double loss) {
      return factor <= 0 || recent.size() < WINDOW || loss <= HEALTHY * Math.max(median(), floor);
    }

    private double median() {
      double[] v = recent.stream().mapToDouble(Double::doubleValue).sorted().toArray();
      int n = v.length;
      return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
    }

    private static String trim(double x) {
      return x == Math.rint(x) ? Long.toString((long) x) : Double.toString(x);
    }
  }

  /** Loss, top-1 and top-5 (more than 5 classes) on the whole test split, in file order. */
  static Eval evaluate(ModelBuild b, int batchSize) {
    return evaluate(b, batchSize, null);
  }

  /** Receives each evaluated batch: its first example's index, labels and logits [n, classes]. */
  interface Predictions {
    void batch(int first, int[] labels, double[] logits, int classes);
  }

  /** As {@link #evaluate(ModelBuild, int)}, handing every batch's logits to {@code sink} (may be null). */
  static Eval evaluate(ModelBuild b, int batchSize, Predictions sink) {
    Dataset data = b.data;
    int n = data.size(Split.TEST);
    if (n == 0) {
      throw TailorException.user("the test split of " + b.config.string("dataset") + " is empty");
    }
    int classes = data.classNames().size();
    BackendSession s = b.session;
    double loss = 0;
    double top1 = 0;
    double top5 = 0;
    try (BatchStream stream = new BatchStream(data, Split.TEST, batchSize, false, 0, 0, 0,
        (int) b.config.integer("loader_threads"))) {
      while (stream.hasNext()) {
        BatchStream.Batch bt = stream.next();
        Tensor x = b.input(bt);
        double[] z = s.evaluate(() -> b.network.forward(x, false));
        s.release(x);
        int[] labels = bt.labels();
        if (sink != null) {
          sink.batch(bt.index() * batchSize, labels, z, classes);
        }
        for (int e = 0; e < bt.size(); e++) {
          double max = Double.NEGATIVE_INFINITY;
          for (int k = 0; k < classes; k++) {
            max = Math.max(max, z[e * classes + k]);
          }
          double sum = 0;
          for (int k = 0; k < classes; k++) {
            sum += Math.exp(z[e * classes + k] - max);
          }
          loss += max + Math.log(sum) - z[e * classes + labels[e]];
        }
        top1 += correct(z, labels, classes, 1);
        if (classes > 5) {
          top5 += correct(z, labels, classes, 5);
        }
      }
    }
    return new Eval(loss / n, top1 / n, classes > 5 ? top5 / n : Double.NaN, n);
  }

  /** How many rows of logits have their label among the k largest (ties count against). */
  static int correct(double[] z, int[] labels, int classes, int k) {
    int hits = 0;
    for (int e = 0; e < labels.length; e++) {
      double target = z[e * classes + labels[e]];
      int above = 0;
      for (int j = 0; j < classes; j++) {
        double v = z[e * classes + j];
        if (v > target || (v == target && j < labels[e])) {
          above++;
        }
      }
      if (above < k && !Double.isNaN(target)) {
        hits++;
      }
    }
    return hits;
  }
}
