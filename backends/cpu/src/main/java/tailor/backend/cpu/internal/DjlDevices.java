package tailor.backend.cpu.internal;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import tailor.api.backend.BackendOptions;
import tailor.api.backend.BackendSession;

/**
 * The DJL sessions of this module on other devices, for the cuda backend (this package is
 * exported to {@code tailor.backend.cuda} only): the same operations, gradients and K-FAC taps
 * as {@code cpu}, with every array on one GPU.
 */
public final class DjlDevices {
  private DjlDevices() {}

  /** GPUs the PyTorch engine sees (0 without an NVIDIA driver); loads the engine. */
  public static int gpuCount() {
    return DjlSession.engine(1).getGpuCount();
  }

  /**
   * Null if libtorch can compute on GPU {@code index}, else why not (the loaded libtorch is a
   * CPU build, the device is busy or broken): a one-element array is made and read back there.
   */
  public static String probeGpu(int index) {
    Engine e = DjlSession.engine(1);
    try (NDManager m = e.newBaseManager(Device.gpu(index))) {
      NDArray a = m.ones(new Shape(2)).mul(3);
      float[] v = a.toFloatArray();
      return v.length == 2 && v[1] == 3f ? null : "GPU " + index + " computed 1 * 3 = " + v[1];
    } catch (RuntimeException | UnsatisfiedLinkError err) {
      String m = String.valueOf(err.getMessage()).lines().findFirst().orElse("");
      return "libtorch cannot compute on GPU " + index + " (" + m + ")";
    }
  }

  /** A session on GPU {@code index}. */
  public static BackendSession openGpu(BackendOptions options, int index) {
    return new DjlSession(options, Device.gpu(index));
  }

  /** The version of the libtorch build DJL loaded, e.g. "2.0.1". */
  public static String engineVersion() {
    return DjlSession.engine(1).getVersion();
  }
}
