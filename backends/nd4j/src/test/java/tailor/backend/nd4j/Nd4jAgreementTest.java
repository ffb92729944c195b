package tailor.backend.nd4j;

import java.util.ServiceLoader;
import tailor.api.backend.ComputeBackend;
import tailor.backend.testkit.BackendAgreement;

/** The cross-backend contract on nd4j: float32 on ND4J against the cpu backend's float64. */
class Nd4jAgreementTest extends BackendAgreement {
  @Override
  protected ComputeBackend backend() {
    return ServiceLoader.load(ComputeBackend.class).stream().map(ServiceLoader.Provider::get)
        .filter(b -> b.name().equals("nd4j")).findFirst().orElseThrow();
  }

  /** Here ND4J's jars are on the test path: the backend must be usable, not skipped. */
  @Override
  protected void assumeUsable() {
    String why = backend().unavailableReason();
    org.junit.jupiter.api.Assertions.assertNull(why, why);
  }
}
