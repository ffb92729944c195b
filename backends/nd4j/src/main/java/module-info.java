/**
 * The nd4j backend. ND4J and OpenBLAS are not modules here (their descriptors are broken): they
 * load from the class path (the plugin folder's classpath/), which this module reads.
 */
module tailor.backend.nd4j {
  requires tailor.api;

  uses tailor.api.backend.ComputeBackend;

  provides tailor.api.backend.ComputeBackend with tailor.backend.nd4j.internal.Nd4jBackend;
}
