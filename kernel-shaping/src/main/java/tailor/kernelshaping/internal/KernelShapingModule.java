package tailor.kernelshaping.internal;

import tailor.api.ModuleVersions;

/** This module's version, read once. */
public final class KernelShapingModule {
  /** The version of tailor.kernelshaping. */
  public static final String VERSION = ModuleVersions.of(KernelShapingModule.class, "tailor.kernelshaping");

  private KernelShapingModule() {}
}
