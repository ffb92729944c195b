package tailor.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ServiceLoader;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import tailor.api.TailorException;
import tailor.api.backend.BackendOptions;
import tailor.api.backend.BackendSession;
import tailor.api.backend.ComputeBackend;
import tailor.api.backend.DType;
import tailor.api.backend.Tensor;

/**
 * The cuda backend where there is no GPU (one clear line, a user error) and, tagged gpu and
 * skipped elsewhere, where there is one (arrays live and compute there).
 */
class CudaBackendTest {
  static ComputeBackend cuda() {
    return ServiceLoader.load(ComputeBackend.class).stream().map(ServiceLoader.Provider::get)
        .filter(b -> b.name().equals("cuda")).findFirst().orElseThrow();
  }

  static boolean gpuPresent() {
    return tailor.backend.cpu.internal.DjlDevices.gpuCount() > 0;
  }

  @Test
  void withoutAGpuItSaysWhyInOneLine() {
    assumeTrue(!gpuPresent(), "a GPU is present: the gpu-tagged tests cover this machine");
    ComputeBackend b = cuda();
    String why = b.unavailableReason();
    assertNotNull(why);
    assertEquals(1, why.lines().count(), why);
    assertTrue(why.startsWith("no NVIDIA GPU is visible"), why);
    TailorException e = assertThrows(TailorException.class,
        () -> b.open(new BackendOptions(1, DType.FLOAT32, 0)));
    assertEquals(TailorException.Kind.USER, e.kind());
    assertTrue(e.getMessage().startsWith("backend cuda is not usable here: no NVIDIA GPU"), e.getMessage());
    assertTrue(e.getMessage().endsWith("use --backend cpu"), e.getMessage());
  }

  @Test
  @Tag("gpu")
  void computesOnTheGpu() {
    assumeTrue(gpuPresent(), "no GPU here");
    ComputeBackend b = cuda();
    assertNull(b.unavailableReason());
    try (BackendSession s = b.open(new BackendOptions(1, DType.FLOAT32, 0))) {
      Tensor a = s.tensor(new double[] {1, 2, 3, 4}, 2, 2);
      double[] m = s.matmul(a, a).toArray();
      assertEquals(7, m[0], 0);
      assertEquals(22, m[3], 0);
    }
  }
}
