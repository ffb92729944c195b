package tailor.app.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * Contract: every registered optimizer plugin, run through the training loop's step (with the
 * curvature pass K-FAC asks for), minimizes a convex problem: multinomial logistic regression on
 * 128 noisy examples, full batch, float64, cosine schedule to 0 over 300 steps. It must end within
 * 2e-3 of the optimal loss, which plain gradient descent on the host finds to 1e-10.
 */
class OptimizerContractTest {
  static final int N = 128;
  static final int D = 5;
  static final int K = 3;
  /** Peak learning rates for the known plugins; a third-party plugin runs with its default. */
  static final Map<String, Double> LR = Map.of("sgd", 0.5, "adam", 0.05, "lars", 20.0, "kfac", 0.5);

  @Test
  void everyOptimizerPluginConvergesOnLogisticRegression() {
    SplittableRandom r = new SplittableRandom(3);
    double[] x = new double[N * D];
    for (int i = 0; i < x.length; i++) {
      x[i] = r.nextGaussian();
    }
    double[] trueW = new double[K * D];
    for (int i = 0; i < trueW.length; i++) {
      trueW[i] = r.nextGaussian();
    }
    int[] labels = new int[N];
    for (int i = 0; i < N; i++) {
      double[] z = new double[K];
      for (int k = 0; k < K; k++) {
        for (int j = 0; j < D; j++) {
          z[k] += trueW[k * D + j] * x[i * D + j];
        }
      }
      labels[i] = OptimizerStep.sampleLabels(z, 1, r)[0];
    }
    double best = optimum(x, labels);
    List<String> seen = new ArrayList<>();
    ComputeBackend cpu = ServiceLoader.load(ComputeBackend.class).stream().map(ServiceLoader.Provider::get)
        .filter(b -> b.name().equals("cpu")).findFirst().orElseThrow();
    for (OptimizerProvider p : ServiceLoader.load(OptimizerProvider.class)) {
      try (BackendSession s = cpu.open(new BackendOptions(1, DType.FLOAT64, 1))) {
        LayerGraph graph = new LayerGraph("logistic regression",
            new Layer.Sequence(List.of(new Layer.Dense(K, true))));
        Network net = Network.build(graph, List.of(D), s,
            ShapedActivation.identity(Activations.byName("tanh")), new Initializers.Suo(),
            InitOptions.defaults(), new SplittableRandom(9));
        Map<String, Object> settings = new LinkedHashMap<>(p.defaults());
        settings.put("schedule", "cosine");
        settings.put("warmup", 0.0);
        if (LR.containsKey(p.name())) {
          settings.put("learning_rate", LR.get(p.name()));
        }
        Optimizer o = p.create(settings);
        double[][] host = OptimizerStep.hostCopy(net.parameters());
        OptimizerStep step = new OptimizerStep(s, net, o, host, 4);
        int steps = 300;
        o.init(step.specs(), steps);
        Tensor xt = s.tensor(x, N, D);
        double loss = Double.NaN;
        for (int t = 0; t < steps; t++) {
          loss = step.run(t, xt, labels, 0.0).loss();
        }
        double fin = s.evaluate(() -> s.softmaxCrossEntropy(net.forward(xt, false), labels, 0.0))[0];
        String line = String.format(Locale.ROOT, "%s: final loss %.6f, optimum %.6f (last step %.6f)",
            p.name(), fin, best, loss);
        System.out.println("optimizer contract: " + line);
        assertTrue(fin - best < 2e-3, line);
        seen.add(p.name());
      }
    }
    assertTrue(seen.containsAll(List.of("sgd", "adam", "lars", "kfac")), seen.toString());
  }

  /**
   * K-FAC's other paths on a network with batch norm: the empirical Fisher, the explicit option
   * of the first 32 examples, and the diagonal blocks for the scale and shift (from per-example
   * gradients at batch norm's tap). Both must train (loss below 60% of its start in 150 steps)
   * and the checkpoint state must hold the diagonal blocks.
   */
  @Test
  void kfacEmpiricalFisherAndDiagonalBlocksTrain() {
    SplittableRandom r = new SplittableRandom(8);
    double[] x = new double[N * D];
    for (int i = 0; i < x.length; i++) {
      x[i] = r.nextGaussian();
    }
    int[] labels = new int[N];
    for (int i = 0; i < N; i++) {
      labels[i] = x[i * D] + x[i * D + 1] > 0.5 ? 0 : x[i * D + 2] > 0 ? 1 : 2;
    }
    OptimizerProvider p = ServiceLoader.load(OptimizerProvider.class).stream()
        .map(ServiceLoader.Provider::get).filter(o -> o.name().equals("kfac")).findFirst().orElseThrow();
    ComputeBackend cpu = ServiceLoader.load(ComputeBackend.class).stream().map(ServiceLoader.Provider::get)
        .filter(b -> b.name().equals("cpu")).findFirst().orElseThrow();
    for (String fisher : List.of("true", "empirical")) {
      try (BackendSession s = cpu.open(new BackendOptions(1, DType.FLOAT64, 1))) {
        LayerGraph graph = new LayerGraph("bn mlp", new Layer.Sequence(List.of(new Layer.Dense(16, true),
            new Layer.BatchNorm(0.9), new Layer.Activation(), new Layer.Dense(K, true))));
        Network net = Network.build(graph, List.of(D), s,
            ShapedActivation.identity(Activations.byName("tanh")), new Initializers.Suo(),
            InitOptions.defaults(), new SplittableRandom(9));
        Map<String, Object> settings = new LinkedHashMap<>(p.defaults());
        settings.put("learning_rate", 0.05);
        settings.put("damping", 0.01);
        settings.put("fisher", fisher);
        settings.put("curvature_examples", 32L);
        Optimizer o = p.create(settings);
        double[][] host = OptimizerStep.hostCopy(net.parameters());
        OptimizerStep step = new OptimizerStep(s, net, o, host, 4);
        o.init(step.specs(), 150);
        Tensor xt = s.tensor(x, N, D);
        double first = Double.NaN;
        double last = Double.NaN;
        for (int t = 0; t < 150; t++) {
          last = step.run(t, xt, labels, 0.0).loss();
          if (t == 0) {
            first = last;
          }
        }
        System.out.printf(Locale.ROOT, "kfac (%s Fisher) on a batch-norm MLP: loss %.4f -> %.4f%n",
            fisher, first, last);
        assertTrue(last < 0.6 * first, fisher + ": " + first + " -> " + last);
        assertTrue(o.state().containsKey("kfac/diag/1.scale"), o.state().keySet().toString());
        assertTrue(o.state().containsKey("kfac/diag_inv/1.shift"), o.state().keySet().toString());
        o.close();
      }
    }
  }

  /** The optimal mean cross-entropy by gradient descent on the host (gradient norm to 1e-10). */
  static double optimum(double[] x, int[] labels) {
    double[] w = new double[K * (D + 1)];
    double loss = 0;
    for (int it = 0; it < 200_000; it++) {
      double[] g = new double[w.length];
      loss = 0;
      for (int i = 0; i < N; i++) {
        double[] z = new double[K];
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < K; k++) {
          z[k] = w[k * (D + 1) + D];
          for (int j = 0; j < D; j++) {
            z[k] += w[k * (D + 1) + j] * x[i * D + j];
          }
          max = Math.max(max, z[k]);
        }
        double sum = 0;
        for (int k = 0; k < K; k++) {
          sum += Math.exp(z[k] - max);
        }
        loss += (max + Math.log(sum) - z[labels[i]]) / N;
        for (int k = 0; k < K; k++) {
          double pk = Math.exp(z[k] - max) / sum - (k == labels[i] ? 1 : 0);
          for (int j = 0; j < D; j++) {
            g[k * (D + 1) + j] += pk * x[i * D + j] / N;
          }
          g[k * (D + 1) + D] += pk / N;
        }
      }
      double norm = 0;
      for (int j = 0; j < w.length; j++) {
        w[j] -= 1.0 * g[j];
        norm += g[j] * g[j];
      }
      if (Math.sqrt(norm) < 1e-10) {
        return loss;
      }
    }
    throw new AssertionError("host gradient descent did not reach the optimum");
  }
}
