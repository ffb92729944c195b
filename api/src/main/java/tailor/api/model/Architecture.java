package tailor.api.model;

import tailor.api.shaping.SubnetMaxFunction;

/**
 * A network architecture described as a layer graph. The same description derives the
 * subnetwork maximizing function (kernel shaping) and builds the real network (training).
 */
public interface Architecture {

  /**
   * An architecture given by its layer graph alone, as a model family plugin writes it: the host
   * derives M_{f,r}, the depth and what keeps it from being shaped from the graph (these
   * methods of the returned object say so rather than compute them).
   */
  static Architecture of(String description, Layer root) {
    java.util.Objects.requireNonNull(root, "root");
    return new Architecture() {
      @Override
      public String describe() {
        return description;
      }

      @Override
      public Layer layers() {
        return root;
      }

      @Override
      public int nonlinearDepth() {
        throw new UnsupportedOperationException("the host derives it from layers()");
      }

      @Override
      public int nonlinearLayers() {
        throw new UnsupportedOperationException("the host derives it from layers()");
      }

      @Override
      public SubnetMaxFunction subnetMaxFunction() {
        throw new UnsupportedOperationException("the host derives it from layers()");
      }

      @Override
      public String shapingIncompatibility() {
        throw new UnsupportedOperationException("the host derives it from layers()");
      }
    };
  }

  /** The family's name and options, e.g. "resnet-50 v2 w=0". */
  String describe();

  /** The number of nonlinear layers on the longest input-output path. */
  int nonlinearDepth();

  /** The total number of nonlinear layers in the network. */
  int nonlinearLayers();

  /**
   * The layer graph, from which the host derives M_{f,r} and builds the network it trains: a
   * model family needs nothing but these records to be shaped, summarized and trained. Null
   * for an architecture that only gives its M_{f,r} (it can be shaped, not trained).
   */
  default Layer layers() {
    return null;
  }

  /** M_{f,r}, derived from the layer graph. */
  SubnetMaxFunction subnetMaxFunction();

  /**
   * Null if DKS/TAT can shape this architecture, else why not (for example plain sums or
   * batch normalization, which break the Q/C-map theory).
   */
  String shapingIncompatibility();
}
