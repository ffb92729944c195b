package tailor.optimizers.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tailor.api.TailorException;
import tailor.api.optim.Optimizer;
import tailor.api.optim.ParamSpec;
import tailor.api.optim.StepContext;
import tailor.optimizers.Schedule;
import tailor.optimizers.Settings;

/**
 * SGD as optax composes it: u = g + wd * theta (masked), m = mu * m + u, d = u + mu * m (Nesterov)
 * or d = m, theta -= lr(step) * d.
 */
final class Sgd implements Optimizer {
  private final Settings settings;
  private final double momentum;
  private final boolean nesterov;
  private final double weightDecay;
  private final boolean decayAll;
  private List<ParamSpec> specs;
  private double[][] velocity;
  private Schedule schedule;

  Sgd(Settings s) {
    this.settings = s;
    this.momentum = s.number("momentum", 0, 1);
    this.nesterov = s.flag("nesterov");
    this.weightDecay = s.number("weight_decay", 0, 1);
    this.decayAll = s.flag("decay_all");
    s.number("learning_rate", 0, 1e3);
    s.schedule(1); // validates the schedule settings now, at the boundary
  }

  @Override
  public void init(List<ParamSpec> params, long totalSteps) {
    this.specs = List.copyOf(params);
    this.velocity = new double[params.size()][];
    for (int i = 0; i < params.size(); i++) {
      velocity[i] = new double[params.get(i).size()];
    }
    this.schedule = settings.schedule(totalSteps);
  }

  @Override
  public double learningRate(long step) {
    return schedule.at(step);
  }

  @Override
  public void update(StepContext c) {
    double lr = schedule.at(c.step());
    double[][] g = c.gradients();
    double[][] p = c.parameters();
    for (int i = 0; i < specs.size(); i++) {
      double wd = decayAll || specs.get(i).kind().decayedByDefault() ? weightDecay : 0.0;
      double[] gi = g[i];
      double[] pi = p[i];
      double[] v = velocity[i];
      for (int j = 0; j < pi.length; j++) {
        double u = gi[j] + wd * pi[j];
        double m = momentum * v[j] + u;
        v[j] = m;
        double d = nesterov ? u + momentum * m : m;
        pi[j] -= lr * d;
      }
    }
  }

  @Override
  public Map<String, double[]> state() {
    Map<String, double[]> s = new LinkedHashMap<>();
    for (int i = 0; i < specs.size(); i++) {
      s.put("velocity/" + specs.get(i).name(), velocity[i].clone());
    }
    return s;
  }

  @Override
  public void restore(Map<String, double[]> state) {
    for (int i = 0; i < specs.size(); i++) {
      String key = "velocity/" + specs.get(i).name();
      double[] v = state.get(key);
      if (v == null || v.length != velocity[i].length) {
        throw TailorException.user("optimizer state has no " + key + " of " + velocity[i].length
            + " values; the checkpoint was written by another optimizer or model");
      }
      System.arraycopy(v, 0, velocity[i], 0, v.length);
    }
  }
}
