package tailor.api.model;

import java.util.List;
import java.util.Locale;

/**
 * A node of an architecture's layer graph. Graphs are series-parallel, as every architecture
 * of the DKS and TAT papers is: a {@link Sequence} composes, a {@link NormalizedSum} merges
 * parallel branches with weights whose squares sum to 1. The same graph derives the subnetwork
 * maximizing function (the models module's LayerGraph) and builds the real network on a backend.
 */
public sealed interface Layer {

  /** A fully connected layer: an affine map (identity for Q/C maps). */
  record Dense(int units, boolean bias) implements Layer {}

  /** A 2-D convolution, SAME padding: an affine map (identity for Q/C maps). */
  record Conv(int channels, int kernel, int stride, boolean bias) implements Layer {}

  /** A nonlinear layer: the (shaped) activation applied elementwise. */
  record Activation() implements Layer {}

  /** Max pooling, SAME padding (not covered by the Q/C theory; treated as the identity, as in the reference). */
  record MaxPool(int window, int stride) implements Layer {}

  /** Global average pooling (linear: identity for Q/C maps under the reference's convention). */
  record GlobalAvgPool() implements Layer {}

  /** Dropout (identity at initialization). */
  record Dropout(double rate) implements Layer {}

  /** Batch normalization, only in the standard-ResNet baseline; breaks the Q/C-map theory. */
  record BatchNorm(double decay) implements Layer {}

  /** Layers applied one after the other. */
  record Sequence(List<Layer> layers) implements Layer {
    public Sequence {
      layers = List.copyOf(layers);
    }

    /** A sequence of the given layers. */
    public static Sequence of(Layer... layers) {
      return new Sequence(List.of(layers));
    }
  }

  /** One branch of a sum, with its weight. */
  record Branch(double weight, Layer body) {}

  /**
   * sum_i w_i * branch_i with sum_i w_i^2 = 1: the only merge DKS/TAT allow (the residual sum
   * sqrt(1 - w^2) * residual + w * shortcut is one).
   */
  record NormalizedSum(List<Branch> branches) implements Layer {
    public NormalizedSum {
      branches = List.copyOf(branches);
      double s = 0;
      for (Branch b : branches) {
        if (!(b.weight() >= 0)) {
          throw new IllegalArgumentException("negative branch weight " + b.weight());
        }
        s += b.weight() * b.weight();
      }
      if (Math.abs(s - 1.0) > 1e-12) {
        throw new IllegalArgumentException(
            String.format(Locale.ROOT, "squared branch weights sum to %.15g, not 1", s));
      }
    }
  }

  /** An unweighted sum (standard ResNet); incompatible with DKS/TAT. */
  record PlainSum(List<Layer> branches) implements Layer {
    public PlainSum {
      branches = List.copyOf(branches);
    }
  }
}
