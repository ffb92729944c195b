/**
 * The contracts every compute backend's tests run: {@code BackendContract} (float64 against
 * finite differences and the definitions, float32 sessions, K-FAC's linear algebra, transfers)
 * and {@code BackendAgreement} (the same small network, weights and batch give the same loss,
 * gradients and K-FAC statistics in float32 as the cpu backend in float64).
 */
module tailor.backend.testkit {
  requires transitive tailor.api;
  requires tailor.kernelshaping;
  requires transitive org.junit.jupiter.api;
  requires org.junit.jupiter.params;

  exports tailor.backend.testkit;
  opens tailor.backend.testkit to org.junit.platform.commons;

  uses tailor.api.backend.ComputeBackend;
}
