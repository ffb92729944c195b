package tailor.optimizers;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.LongToDoubleFunction;
import tailor.api.optim.GradientTransform;
import tailor.api.optim.Optimizer;
import tailor.api.optim.ParamSpec;
import tailor.api.optim.StepContext;

/**
 * An optimizer made of a transform chain that ends in the step to add: theta += chain(g).
 * First-order plugins (sgd, adam, lars) are this with different chains.
 */
public class ChainOptimizer implements Optimizer {
  private final GradientTransform chain;
  private final Settings settings;
  private Schedule schedule;

  /**
   * @param settings the optimizer's settings (its schedule keys size the schedule at init)
   * @param chain builds the stages given the learning rate by step (the schedule is sized by
   *     {@link #init})
   */
  public ChainOptimizer(Settings settings, Function<LongToDoubleFunction, GradientTransform> chain) {
    this.settings = settings;
    settings.schedule(1); // validates the schedule settings now, at the boundary
    this.chain = chain.apply(step -> schedule().at(step));
  }

  Schedule schedule() {
    if (schedule == null) {
      throw new IllegalStateException("init() was not called");
    }
    return schedule;
  }

  @Override
  public void init(List<ParamSpec> params, long totalSteps) {
    schedule = settings.schedule(totalSteps);
    chain.init(params, totalSteps);
  }

  @Override
  public double learningRate(long step) {
    return schedule().at(step);
  }

  @Override
  public void update(StepContext c) {
    double[][] u = c.gradients();
    double[][] p = c.parameters();
    chain.update(u, p, c.step());
    for (int i = 0; i < p.length; i++) {
      double[] pi = p[i];
      double[] ui = u[i];
      for (int j = 0; j < pi.length; j++) {
        pi[j] += ui[j];
      }
    }
  }

  @Override
  public Map<String, double[]> state() {
    return chain.state();
  }

  @Override
  public void restore(Map<String, double[]> state) {
    chain.restore(state);
  }
}
