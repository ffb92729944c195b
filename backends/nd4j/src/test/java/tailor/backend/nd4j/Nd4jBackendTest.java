package tailor.backend.nd4j;

import java.util.ServiceLoader;
import tailor.api.backend.ComputeBackend;
import tailor.backend.testkit.BackendContract;

/** The backend contract on nd4j, the same tests and tolerances as on cpu. */
class Nd4jBackendTest extends BackendContract {
  @Override
  protected ComputeBackend backend() {
    return ServiceLoader.load(ComputeBackend.class).stream().map(ServiceLoader.Provider::get)
        .filter(b -> b.name().equals("nd4j")).findFirst().orElseThrow();
  }

  /** ND4J's jars are on the test path: the backend must run, not skip. */
  @Override
  protected boolean usable() {
    String why = backend().unavailableReason();
    org.junit.jupiter.api.Assertions.assertNull(why, why);
    return true;
  }
}
