package tailor.backend.cuda;

import org.junit.jupiter.api.Tag;
import tailor.api.backend.ComputeBackend;
import tailor.backend.testkit.BackendAgreement;

/**
 * The cross-backend contract on cuda (float32 on the GPU against the cpu backend's float64);
 * skipped where no GPU is usable.
 */
@Tag("gpu")
class CudaAgreementTest extends BackendAgreement {
  @Override
  protected ComputeBackend backend() {
    return CudaBackendTest.cuda();
  }
}
