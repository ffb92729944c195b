package tailor.optimizers.internal;

import java.util.Map;
import tailor.api.optim.Optimizer;
import tailor.api.optim.ParamMask;
import tailor.optimizers.ChainOptimizer;
import tailor.optimizers.Configs;
import tailor.optimizers.Settings;
import tailor.optimizers.Transforms;

/**
 * {@code sgd}: chain(masked L2 decay, momentum trace, -lr). The defaults are the TAT paper's SGD
 * preset: Nesterov momentum 0.9, peak rate 0.1, cosine decay, 5% linear warm-up.
 */
public final class SgdProvider extends BaseProvider {
  public SgdProvider() {
    super("sgd", "SGD with momentum (Nesterov by default), masked L2 weight decay, LR schedules",
        Configs.Sgd.DEFAULTS);
  }

  @Override
  Optimizer create(Settings s) {
    Configs.Sgd c = Configs.Sgd.of(s);
    return new ChainOptimizer(s, lr -> Transforms.chain(
        Transforms.masked(Transforms.addDecayedWeights(c.weightDecay()), ParamMask.allOrWeights(c.decayAll())),
        Transforms.trace(c.momentum(), c.nesterov()),
        Transforms.scaleByLearningRate(lr)));
  }
}
