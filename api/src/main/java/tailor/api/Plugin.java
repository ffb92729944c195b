package tailor.api;

/**
 * The base type of every Tailor plugin (activations, transforms, model families, and later
 * optimizers, backends and datasets). A plugin is chosen by {@link #name()}, which is
 * lower-kebab-case (or the reference's snake_case for activations) and unique within its kind.
 */
public interface Plugin {

  /** The name a user types to pick this plugin, unique per kind. */
  String name();

  /** The plugin's own version (its module's version). */
  String version();

  /** One line saying what the plugin does. */
  String description();

  /**
   * The SPI major version this plugin was built against; see {@link SpiVersion}. A plugin loaded
   * from a plugin folder must override it with {@code return SpiVersion.MAJOR;}: the constant is
   * copied into the plugin's class when it is compiled, while this default runs in the host's
   * tailor-api and returns the host's version (such a plugin is refused).
   */
  default int spiMajorVersion() {
    return SpiVersion.MAJOR;
  }
}
