package tailor.backend.cuda;

import org.junit.jupiter.api.Tag;
import tailor.api.backend.ComputeBackend;
import tailor.backend.testkit.BackendContract;

/** The backend contract on cuda (float64 on the GPU); skipped where no GPU is usable. */
@Tag("gpu")
class CudaContractTest extends BackendContract {
  @Override
  protected ComputeBackend backend() {
    return CudaBackendTest.cuda();
  }
}
