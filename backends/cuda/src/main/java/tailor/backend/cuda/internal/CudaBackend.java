package tailor.backend.cuda.internal;

import tailor.api.ModuleVersions;
import tailor.api.TailorException;
import tailor.api.backend.BackendOptions;
import tailor.api.backend.BackendSession;
import tailor.api.backend.ComputeBackend;
import tailor.backend.cpu.internal.DjlDevices;

/**
 * The {@code cuda} backend: DJL 0.25 with libtorch 2.0.1 built for CUDA 11.8
 * ({@code pytorch-native-cu118}), the same sessions as {@code cpu} on GPU 0 (or the one
 * {@code TAILOR_CUDA_DEVICE} names). Where there is no usable GPU it says why in one line.
 */
public final class CudaBackend implements ComputeBackend {
  static final String VERSION = ModuleVersions.of(CudaBackend.class, "tailor.backend.cuda");
  private static volatile String reason;
  private static volatile boolean probed;

  @Override
  public String name() {
    return "cuda";
  }

  @Override
  public String version() {
    return VERSION;
  }

  @Override
  public String description() {
    return "NVIDIA GPU: DJL 0.25 with libtorch 2.0.1 for CUDA 11.8 (the cpu backend's sessions on a GPU)";
  }

  /** The GPU index: TAILOR_CUDA_DEVICE, default 0. */
  static int device() {
    String v = System.getenv("TAILOR_CUDA_DEVICE");
    if (v == null || v.isBlank()) {
      return 0;
    }
    try {
      int d = Integer.parseInt(v.trim());
      if (d < 0) {
        throw new NumberFormatException();
      }
      return d;
    } catch (NumberFormatException e) {
      throw TailorException.user("TAILOR_CUDA_DEVICE is '" + v + "'; give a GPU index such as 0");
    }
  }

  @Override
  public String unavailableReason() {
    if (!probed) {
      synchronized (CudaBackend.class) {
        if (!probed) {
          reason = probe();
          probed = true;
        }
      }
    }
    return reason;
  }

  private static String probe() {
    int count;
    try {
      count = DjlDevices.gpuCount();
    } catch (RuntimeException | UnsatisfiedLinkError e) {
      return "libtorch could not be loaded (" + e.getMessage() + ")";
    }
    if (count == 0) {
      return "no NVIDIA GPU is visible (no driver or libcudart, or CUDA_VISIBLE_DEVICES hides them)";
    }
    int d = device();
    if (d >= count) {
      return "TAILOR_CUDA_DEVICE is " + d + " but there are " + count + " GPUs (0.." + (count - 1) + ")";
    }
    String why = DjlDevices.probeGpu(d);
    if (why != null) {
      return why + "; the CUDA build of libtorch comes with the cuda profile: mvn -Pcuda -DskipTests package";
    }
    return null;
  }

  @Override
  public BackendSession open(BackendOptions options) {
    String why = unavailableReason();
    if (why != null) {
      throw TailorException.user("backend cuda is not usable here: " + why + "; use --backend cpu");
    }
    return DjlDevices.openGpu(options, device());
  }
}
