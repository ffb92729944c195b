package tailor.backend.cpu;

import java.util.ServiceLoader;
import tailor.api.backend.ComputeBackend;
import tailor.backend.testkit.BackendContract;

/**
 * The backend contract on cpu (finite differences, definitions, linear algebra, transfers; see
 * {@link BackendContract}).
 */
class CpuBackendTest extends BackendContract {
  @Override
  protected ComputeBackend backend() {
    return ServiceLoader.load(ComputeBackend.class).stream().map(ServiceLoader.Provider::get)
        .filter(b -> b.name().equals("cpu")).findFirst().orElseThrow();
  }
}
