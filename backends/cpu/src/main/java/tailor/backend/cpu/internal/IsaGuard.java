package tailor.backend.cpu.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * On the project's AMD EPYC (Zen 5, AVX-512) machines, libtorch 2.7.1's oneDNN AVX-512
 * convolution kernels return wrong float32 gradients, sometimes NaN, more often with 2 threads
 * (ConvolutionConsistencyTest shows it against float64). Capping oneDNN at AVX2 with the
 * environment variable DNNL_MAX_CPU_ISA=AVX2 removes the fault; it must be set before the
 * process starts, which the tailor launcher and the build's test configuration do. An embedding
 * application that did not set it gets one warning on standard error.
 */
final class IsaGuard {
  private static boolean warned;

  private IsaGuard() {}

  static synchronized void warnIfUncapped() {
    if (warned) {
      return;
    }
    warned = true;
    if (System.getenv("DNNL_MAX_CPU_ISA") != null || System.getenv("ONEDNN_MAX_CPU_ISA") != null) {
      return;
    }
    if (hasAvx512()) {
      System.err.println("tailor: warning: this CPU has AVX-512 and DNNL_MAX_CPU_ISA is not set; "
          + "libtorch 2.7.1's AVX-512 convolution gradients have been wrong on such machines. "
          + "Start the JVM with DNNL_MAX_CPU_ISA=AVX2 in the environment (the tailor launcher does)");
    }
  }

  static boolean hasAvx512() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("flags")) {
          return line.contains(" avx512f");
        }
      }
    } catch (IOException | RuntimeException e) {
      return false;
    }
    return false;
  }
}
