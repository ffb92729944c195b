package tailor.optimizers;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongToDoubleFunction;
import tailor.api.TailorException;
import tailor.api.optim.GradientTransform;
import tailor.api.optim.ParamMask;
import tailor.api.optim.ParamSpec;

/**
 * The optimizer stages, optax style: each is a {@link GradientTransform} and optimizers are
 * chains of them, e.g. SGD = chain(masked(addDecayedWeights), trace, scaleByLearningRate) and
 * LARS = chain(masked(addDecayedWeights), masked(scaleByTrustRatio), scaleByLearningRate, trace).
 */
public final class Transforms {
  private Transforms() {}

  /** Applies the stages in order. */
  public static GradientTransform chain(GradientTransform... stages) {
    List<GradientTransform> list = List.of(stages);
    return new GradientTransform() {
      @Override
      public void init(List<ParamSpec> params, long totalSteps) {
        for (GradientTransform t : list) {
          t.init(params, totalSteps);
        }
      }

      @Override
      public void update(double[][] updates, double[][] params, long step) {
        for (GradientTransform t : list) {
          t.update(updates, params, step);
        }
      }

      @Override
      public Map<String, double[]> state() {
        Map<String, double[]> s = new LinkedHashMap<>();
        for (GradientTransform t : list) {
          s.putAll(t.state());
        }
        return s;
      }

      @Override
      public void restore(Map<String, double[]> state) {
        for (GradientTransform t : list) {
          t.restore(state);
        }
      }
    };
  }

  /** Applies {@code inner} to the leaves the mask selects; the others pass through unchanged. */
  public static GradientTransform masked(GradientTransform inner, ParamMask mask) {
    return new GradientTransform() {
      private int[] selected = new int[0];

      @Override
      public void init(List<ParamSpec> params, long totalSteps) {
        List<ParamSpec> sub = new ArrayList<>();
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
          if (mask.test(params.get(i))) {
            sub.add(params.get(i));
            idx.add(i);
          }
        }
        selected = idx.stream().mapToInt(Integer::intValue).toArray();
        inner.init(sub, totalSteps);
      }

      @Override
      public void update(double[][] updates, double[][] params, long step) {
        double[][] u = new double[selected.length][];
        double[][] p = new double[selected.length][];
        for (int k = 0; k < selected.length; k++) {
          u[k] = updates[selected[k]];
          p[k] = params[selected[k]];
        }
        inner.update(u, p, step);
      }

      @Override
      public Map<String, double[]> state() {
        return inner.state();
      }

      @Override
      public void restore(Map<String, double[]> state) {
        inner.restore(state);
      }
    };
  }

  /** u += wd * theta (L2 regularization added to the gradient). */
  public static GradientTransform addDecayedWeights(double weightDecay) {
    return new Stateless() {
      @Override
      public void update(double[][] updates, double[][] params, long step) {
        if (weightDecay == 0.0) {
          return;
        }
        for (int i = 0; i < updates.length; i++) {
          double[] u = updates[i];
          double[] p = params[i];
          for (int j = 0; j < u.length; j++) {
            u[j] += weightDecay * p[j];
          }
        }
      }
    };
  }

  /** u *= -lr(step): the last stage of a descent step (or before a momentum trace, as in LARS). */
  public static GradientTransform scaleByLearningRate(LongToDoubleFunction learningRate) {
    return new Stateless() {
      @Override
      public void update(double[][] updates, double[][] params, long step) {
        double lr = -learningRate.applyAsDouble(step);
        for (double[] u : updates) {
          for (int j = 0; j < u.length; j++) {
            u[j] *= lr;
          }
        }
      }
    };
  }

  /**
   * Momentum: m = decay * m + u, then u = m, or u = u + decay * m with Nesterov. State
   * {@code velocity/<leaf>}.
   */
  public static GradientTransform trace(double decay, boolean nesterov) {
    return new PerLeafState("velocity/") {
      @Override
      public void update(double[][] updates, double[][] params, long step) {
        for (int i = 0; i < updates.length; i++) {
          double[] u = updates[i];
          double[] m = buffers[0][i];
          for (int j = 0; j < u.length; j++) {
            double v = decay * m[j] + u[j];
            m[j] = v;
            u[j] = nesterov ? u[j] + decay * v : v;
          }
        }
      }
    };
  }

  /**
   * Adam's scaling with bias correction: mu = b1 mu + (1 - b1) u, nu = b2 nu + (1 - b2) u^2,
   * u = mu_hat / (sqrt(nu_hat) + eps), with the step count t = step + 1. State
   * {@code adam_mu/<leaf>}, {@code adam_nu/<leaf>}.
   */
  public static GradientTransform scaleByAdam(double b1, double b2, double eps) {
    return new PerLeafState("adam_mu/", "adam_nu/") {
      @Override
      public void update(double[][] updates, double[][] params, long step) {
        double c1 = 1 - Math.pow(b1, step + 1);
        double c2 = 1 - Math.pow(b2, step + 1);
        for (int i = 0; i < updates.length; i++) {
          double[] u = updates[i];
          double[] mu = buffers[0][i];
          double[] nu = buffers[1][i];
          for (int j = 0; j < u.length; j++) {
            mu[j] = b1 * mu[j] + (1 - b1) * u[j];
            nu[j] = b2 * nu[j] + (1 - b2) * u[j] * u[j];
            u[j] = (mu[j] / c1) / (Math.sqrt(nu[j] / c2) + eps);
          }
        }
      }
    };
  }

  /**
   * LARS's layer-wise trust ratio: u *= tc * ||theta|| / (||u|| + eps) per leaf, and 1 where
   * either norm is 0.
   */
  public static GradientTransform scaleByTrustRatio(double trustCoefficient, double eps) {
    return new Stateless() {
      @Override
      public void update(double[][] updates, double[][] params, long step) {
        for (int i = 0; i < updates.length; i++) {
          double r = trustRatio(params[i], updates[i], trustCoefficient, eps);
          double[] u = updates[i];
          for (int j = 0; j < u.length; j++) {
            u[j] *= r;
          }
        }
      }
    };
  }

  /** tc * ||theta|| / (||u|| + eps), or 1 when ||theta|| or ||u|| is 0. */
  public static double trustRatio(double[] theta, double[] u, double trustCoefficient, double eps) {
    double pn = norm(theta);
    double un = norm(u);
    if (pn == 0.0 || un == 0.0) {
      return 1.0;
    }
    return trustCoefficient * pn / (un + eps);
  }

  /** The Euclidean norm. */
  public static double norm(double[] v) {
    double s = 0;
    for (double x : v) {
      s += x * x;
    }
    return Math.sqrt(s);
  }

  private abstract static class Stateless implements GradientTransform {
    @Override
    public void init(List<ParamSpec> params, long totalSteps) {}
  }

  /** Per-leaf buffers of the leaves' sizes, saved as {@code <prefix><leaf name>}. */
  private abstract static class PerLeafState implements GradientTransform {
    private final String[] prefixes;
    private List<ParamSpec> specs = List.of();
    double[][][] buffers;

    PerLeafState(String... prefixes) {
      this.prefixes = prefixes;
    }

    @Override
    public void init(List<ParamSpec> params, long totalSteps) {
      specs = List.copyOf(params);
      buffers = new double[prefixes.length][params.size()][];
      for (int b = 0; b < prefixes.length; b++) {
        for (int i = 0; i < params.size(); i++) {
          buffers[b][i] = new double[params.get(i).size()];
        }
      }
    }

    @Override
    public Map<String, double[]> state() {
      Map<String, double[]> s = new LinkedHashMap<>();
      for (int b = 0; b < prefixes.length; b++) {
        for (int i = 0; i < specs.size(); i++) {
          s.put(prefixes[b] + specs.get(i).name(), buffers[b][i].clone());
        }
      }
      return s;
    }

    @Override
    public void restore(Map<String, double[]> state) {
      for (int b = 0; b < prefixes.length; b++) {
        for (int i = 0; i < specs.size(); i++) {
          String key = prefixes[b] + specs.get(i).name();
          double[] v = state.get(key);
          if (v == null || v.length != buffers[b][i].length) {
            throw TailorException.user("optimizer state has no " + key + " of "
                + buffers[b][i].length + " values; the checkpoint was written by another optimizer or model");
          }
          System.arraycopy(v, 0, buffers[b][i], 0, v.length);
        }
      }
    }
  }
}
