package tailor.backend.cpu.internal;

import tailor.api.ModuleVersions;
import tailor.api.TailorException;
import tailor.api.backend.BackendOptions;
import tailor.api.backend.BackendSession;
import tailor.api.backend.ComputeBackend;

/**
 * The {@code cpu} backend: DJL 0.25 with the PyTorch 2.0.1 engine, libtorch loaded from the
 * {@code pytorch-native-cpu} jar. Offline mode is set before the engine loads, so a missing
 * native jar fails instead of downloading.
 */
public final class CpuBackend implements ComputeBackend {
  static final String VERSION = ModuleVersions.of(CpuBackend.class, "tailor.backend.cpu");

  @Override
  public String name() {
    return "cpu";
  }

  @Override
  public String version() {
    return VERSION;
  }

  @Override
  public String description() {
    return "CPU: DJL 0.25 with libtorch 2.0.1 (PyTorch engine), loaded offline from the native jar";
  }

  @Override
  public String unavailableReason() {
    try {
      DjlSession.engine(1);
      return null;
    } catch (RuntimeException | UnsatisfiedLinkError e) {
      return "libtorch could not be loaded (" + e.getMessage() + ")";
    }
  }

  @Override
  public BackendSession open(BackendOptions options) {
    try {
      return new DjlSession(options);
    } catch (UnsatisfiedLinkError e) {
      throw TailorException.resource("the cpu backend cannot load libtorch: " + e.getMessage()
          + "; is the pytorch-native-cpu jar on the class path?", null);
    }
  }
}
