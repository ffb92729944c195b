package tailor.models;

import java.util.ArrayList;
import java.util.List;
import tailor.api.model.Layer;

/** Multi-layer perceptrons: N hidden layers, each affine then activation, then a linear read-out. */
public final class Mlps {
  private Mlps() {}

  /** The layer graph of an MLP with {@code depth} hidden layers of {@code width} units. */
  public static LayerGraph build(int depth, int width, int classes) {
    List<Layer> layers = new ArrayList<>();
    for (int i = 0; i < depth; i++) {
      layers.add(new Layer.Dense(width, true));
      layers.add(new Layer.Activation());
    }
    layers.add(new Layer.Dense(classes, true));
    return new LayerGraph("mlp depth " + depth, new Layer.Sequence(layers));
  }
}
