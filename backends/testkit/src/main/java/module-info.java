/**
 * The contract every compute backend's tests run: the same small network, weights and batch
 * on the backend under test and on the float64 reference (the cpu backend in float64, itself
 * checked against finite differences) give the same loss, gradients and K-FAC statistics.
 */
module tailor.backend.testkit {
  requires transitive tailor.api;
  requires tailor.kernelshaping;
  requires transitive org.junit.jupiter.api;

  exports tailor.backend.testkit;
  opens tailor.backend.testkit to org.junit.platform.commons;

  uses tailor.api.backend.ComputeBackend;
}
