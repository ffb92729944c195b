package tailor.api;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * Reads a plugin module's version from {@code META-INF/tailor/<module-key>.properties}, a file
 * each module writes at build time (Maven resource filtering). Resources under {@code META-INF}
 * are not encapsulated, so this works on the module path and on the class path alike.
 */
public final class ModuleVersions {
  private ModuleVersions() {}

  /**
   * The version recorded for {@code moduleKey}, looked up through {@code anchor}'s module (or
   * class loader on the class path); "unknown" if the file is missing.
   */
  public static String of(Class<?> anchor, String moduleKey) {
    String path = "META-INF/tailor/" + moduleKey + ".properties";
    try (InputStream in = open(anchor, path)) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static InputStream open(Class<?> anchor, String path) throws IOException {
    Module m = anchor.getModule();
    if (m.isNamed()) {
      InputStream in = m.getResourceAsStream(path);
      if (in != null) {
        return in;
      }
    }
    ClassLoader cl = anchor.getClassLoader();
    return cl == null ? null : cl.getResourceAsStream(path);
  }
}
