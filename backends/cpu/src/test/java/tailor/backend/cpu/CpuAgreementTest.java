package tailor.backend.cpu;

import java.util.ServiceLoader;
import tailor.api.backend.ComputeBackend;
import tailor.backend.testkit.BackendAgreement;

/** The cross-backend contract on cpu: its float32 path against its float64 path. */
class CpuAgreementTest extends BackendAgreement {
  @Override
  protected ComputeBackend backend() {
    return ServiceLoader.load(ComputeBackend.class).stream().map(ServiceLoader.Provider::get)
        .filter(b -> b.name().equals("cpu")).findFirst().orElseThrow();
  }
}
