package tailor.optimizers.internal;

import java.util.Map;
import tailor.api.ModuleVersions;
import tailor.api.optim.Optimizer;
import tailor.api.optim.OptimizerProvider;
import tailor.optimizers.Settings;

/** What the optimizer plugins share: name, version, description, defaults. */
abstract class BaseProvider implements OptimizerProvider {
  static final String VERSION = ModuleVersions.of(BaseProvider.class, "tailor.optimizers");

  private final String name;
  private final String description;
  private final Map<String, Object> defaults;

  BaseProvider(String name, String description, Map<String, Object> defaults) {
    this.name = name;
    this.description = description;
    this.defaults = defaults;
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final String version() {
    return VERSION;
  }

  @Override
  public final String description() {
    return description;
  }

  @Override
  public final Map<String, Object> defaults() {
    return defaults;
  }

  @Override
  public final Optimizer create(Map<String, Object> settings) {
    return create(new Settings(name, settings));
  }

  abstract Optimizer create(Settings s);
}
