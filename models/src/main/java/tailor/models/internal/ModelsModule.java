package tailor.models.internal;

import tailor.api.ModuleVersions;

/** This module's version, read once. */
public final class ModelsModule {
  /** The version of tailor.models. */
  public static final String VERSION = ModuleVersions.of(ModelsModule.class, "tailor.models");

  private ModelsModule() {}
}
