package tailor.api.init;

import java.util.random.RandomGenerator;
import tailor.api.Plugin;

/**
 * A weight initializer ({@code suo}, {@code he}, {@code lecun}, {@code glorot}): fills host
 * arrays in the layout of {@link WeightShape}; a backend copies them to its tensors.
 */
public interface Initializer extends Plugin {

  /**
   * Fills {@code out} (length {@code shape.size()}) with initial weights.
   *
   * @throws tailor.api.TailorException (user) for shapes the scheme cannot initialize (for
   *     example an even kernel with the Delta form)
   */
  void initWeights(WeightShape shape, double[] out, RandomGenerator rng, InitOptions options);

  /** Fills {@code out} with N(0, sigma_b^2) biases (zeros by default). */
  default void initBias(double[] out, RandomGenerator rng, InitOptions options) {
    for (int i = 0; i < out.length; i++) {
      out[i] = options.sigmaB() == 0 ? 0.0 : options.sigmaB() * rng.nextGaussian();
    }
  }
}
