package tailor.optimizers.internal;

import tailor.api.optim.Optimizer;
import tailor.api.optim.ParamMask;
import tailor.optimizers.ChainOptimizer;
import tailor.optimizers.Configs;
import tailor.optimizers.Settings;
import tailor.optimizers.Transforms;

/** {@code adam}: chain(scaleByAdam, masked decoupled weight decay, -lr), optax's adamw. */
public final class AdamProvider extends BaseProvider {
  public AdamProvider() {
    super("adam", "Adam with bias correction and decoupled (AdamW) masked weight decay",
        Configs.Adam.DEFAULTS);
  }

  @Override
  Optimizer create(Settings s) {
    Configs.Adam c = Configs.Adam.of(s);
    return new ChainOptimizer(s, lr -> Transforms.chain(
        Transforms.scaleByAdam(c.b1(), c.b2(), c.eps()),
        Transforms.masked(Transforms.addDecayedWeights(c.weightDecay()), ParamMask.allOrWeights(c.decayAll())),
        Transforms.scaleByLearningRate(lr)));
  }
}
