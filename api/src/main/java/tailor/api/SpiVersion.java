package tailor.api;

/** The version of the Tailor SPI. A plugin built against another major version is refused. */
public final class SpiVersion {
  /** Incremented on every incompatible change of an interface in {@code tailor.api}. */
  public static final int MAJOR = 1;

  /** Incremented on compatible additions. */
  public static final int MINOR = 2;

  private SpiVersion() {}

  /** "MAJOR.MINOR". */
  public static String string() {
    return MAJOR + "." + MINOR;
  }
}
