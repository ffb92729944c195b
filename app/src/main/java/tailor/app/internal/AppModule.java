package tailor.app.internal;

import tailor.api.ModuleVersions;

/** This module's version. */
final class AppModule {
  static final String VERSION = ModuleVersions.of(AppModule.class, "tailor.app");

  private AppModule() {}
}
