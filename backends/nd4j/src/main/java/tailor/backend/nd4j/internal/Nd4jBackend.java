package tailor.backend.nd4j.internal;

import tailor.api.ModuleVersions;
import tailor.api.SpiVersion;
import tailor.api.TailorException;
import tailor.api.backend.BackendOptions;
import tailor.api.backend.BackendSession;
import tailor.api.backend.ComputeBackend;

/**
 * The {@code nd4j} backend: ND4J 1.0.0-M2.1 with OpenBLAS 0.3.31 on the CPU. An optional plugin:
 * installed by copying its folder (this module's jar and its class-path jars) into tailor's
 * {@code plugins/}.
 */
public final class Nd4jBackend implements ComputeBackend {
  static final String VERSION = ModuleVersions.of(Nd4jBackend.class, "tailor.backend.nd4j");
  private static volatile String reason;
  private static volatile boolean probed;

  @Override
  public String name() {
    return "nd4j";
  }

  @Override
  public String version() {
    return VERSION;
  }

  @Override
  public String description() {
    return "CPU: ND4J 1.0.0-M2.1 (gemm on OpenBLAS 0.3.31, LAPACK Cholesky), tape autodiff, im2col convolutions";
  }

  @Override
  public int spiMajorVersion() {
    return SpiVersion.MAJOR;
  }

  @Override
  public String unavailableReason() {
    if (!probed) {
      synchronized (Nd4jBackend.class) {
        if (!probed) {
          try {
            // A A^-1 = I through both native paths (LAPACK, then ND4J's gemm)
            double[] a = {4, 2, 2, 3};
            double[] inv = Lapack.spdInverse(a, 2, false);
            NdSession s = new NdSession(new BackendOptions(1, tailor.api.backend.DType.FLOAT64, 0));
            double[] p = s.gemm(a, 2, 2, false, inv, 2, 2, false);
            double err = Math.abs(p[0] - 1) + Math.abs(p[1]) + Math.abs(p[2]) + Math.abs(p[3] - 1);
            reason = err < 1e-12 ? null : "ND4J's gemm and LAPACK gave A A^-1 = "
                + java.util.Arrays.toString(p) + " for a 2 x 2 SPD matrix";
          } catch (RuntimeException | LinkageError e) {
            Throwable root = e;
            while (root.getCause() != null) {
              root = root.getCause();
            }
            reason = "ND4J or OpenBLAS could not be loaded (" + String.valueOf(root).lines().findFirst()
                .orElse("") + ")";
          }
          probed = true;
        }
      }
    }
    return reason;
  }

  @Override
  public BackendSession open(BackendOptions options) {
    String why = unavailableReason();
    if (why != null) {
      throw TailorException.user("backend nd4j is not usable here: " + why + "; use --backend cpu");
    }
    return new NdSession(options);
  }
}
