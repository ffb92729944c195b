package tailor.optimizers.internal;

import tailor.api.optim.Optimizer;
import tailor.api.optim.ParamMask;
import tailor.optimizers.ChainOptimizer;
import tailor.optimizers.Configs;
import tailor.optimizers.Settings;
import tailor.optimizers.Transforms;

/**
 * {@code lars}: optax's composition: masked L2 decay, masked trust ratio, -lr, then momentum
 * (the buffer holds learning-rate-scaled steps). Unlike optax's default masks (every leaf), the
 * masks default to weights only: biases, scales and shifts are neither decayed nor trust-scaled
 * unless decay_all / trust_all is set.
 */
public final class LarsProvider extends BaseProvider {
  public LarsProvider() {
    super("lars", "LARS: layer-wise trust ratio tc*||theta||/||g + wd*theta||, momentum 0.9",
        Configs.Lars.DEFAULTS);
  }

  @Override
  Optimizer create(Settings s) {
    Configs.Lars c = Configs.Lars.of(s);
    return new ChainOptimizer(s, lr -> Transforms.chain(
        Transforms.masked(Transforms.addDecayedWeights(c.weightDecay()), ParamMask.allOrWeights(c.decayAll())),
        Transforms.masked(Transforms.scaleByTrustRatio(c.trustCoefficient(), c.eps()),
            ParamMask.allOrWeights(c.trustAll())),
        Transforms.scaleByLearningRate(lr),
        Transforms.trace(c.momentum(), c.nesterov())));
  }
}
