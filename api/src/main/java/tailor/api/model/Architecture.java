package tailor.api.model;

import tailor.api.shaping.SubnetMaxFunction;

/**
 * A network architecture described as a layer graph. The same description derives the
 * subnetwork maximizing function (kernel shaping) and builds the real network (training).
 */
public interface Architecture {

  /** The family's name and options, e.g. "resnet-50 v2 w=0". */
  String describe();

  /** The number of nonlinear layers on the longest input-output path. */
  int nonlinearDepth();

  /** The total number of nonlinear layers in the network. */
  int nonlinearLayers();

  /** M_{f,r}, derived from the layer graph. */
  SubnetMaxFunction subnetMaxFunction();

  /**
   * Null if DKS/TAT can shape this architecture, else why not (for example plain sums or
   * batch normalization, which break the Q/C-map theory).
   */
  String shapingIncompatibility();
}
