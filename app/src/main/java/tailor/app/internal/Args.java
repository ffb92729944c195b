package tailor.app.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import tailor.api.Names;
import tailor.api.TailorException;

/**
 * Command-line options of one command: {@code --name value}, {@code --name=value} and boolean
 * {@code --flag}s, checked against the options the command knows, with typed getters whose
 * errors name the option.
 */
final class Args {
  private final Map<String, String> values = new LinkedHashMap<>();
  private final List<String> positional = new ArrayList<>();

  private Args() {}

  /**
   * Parses {@code tokens}.
   *
   * @param valued options that take a value (without "--")
   * @param flags options that take none
   */
  static Args parse(List<String> tokens, Set<String> valued, Set<String> flags, String command) {
    Args a = new Args();
    for (int i = 0; i < tokens.size(); i++) {
      String t = tokens.get(i);
      if (!t.startsWith("--") || t.equals("--")) {
        a.positional.add(t);
        continue;
      }
      String name = t.substring(2);
      String value = null;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      }
      if (flags.contains(name)) {
        if (value != null) {
          throw TailorException.user("--" + name + " takes no value (got '" + value + "')");
        }
        a.values.put(name, "true");
      } else if (valued.contains(name)) {
        if (value == null) {
          if (i + 1 >= tokens.size()) {
            throw TailorException.user("--" + name + " needs a value; see tailor " + command + " --help");
          }
          value = tokens.get(++i);
        }
        a.values.put(name, value);
      } else {
        List<String> known = new ArrayList<>();
        valued.forEach(v -> known.add("--" + v));
        flags.forEach(v -> known.add("--" + v));
        throw TailorException.user(Names.unknown("option", "--" + name, "tailor " + command, known));
      }
    }
    return a;
  }

  boolean has(String name) {
    return values.containsKey(name);
  }

  boolean flag(String name) {
    return values.containsKey(name);
  }

  String string(String name, String def) {
    return values.getOrDefault(name, def);
  }

  List<String> positional() {
    return positional;
  }

  Double number(String name) {
    String v = values.get(name);
    return v == null ? null : parseNumber(v, "--" + name);
  }

  Integer integer(String name) {
    String v = values.get(name);
    return v == null ? null : parseInt(v, "--" + name);
  }

  static double parseNumber(String v, String source) {
    try {
      double d = Double.parseDouble(v.trim());
      if (Double.isNaN(d)) {
        throw new NumberFormatException();
      }
      return d;
    } catch (NumberFormatException e) {
      throw TailorException.user(String.format(Locale.ROOT,
          "%s = '%s' is not a number; write it like 0.9 or 1e-3", source, v));
    }
  }

  static int parseInt(String v, String source) {
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw TailorException.user(String.format(Locale.ROOT,
          "%s = '%s' is not a whole number", source, v));
    }
  }

  static double[] parseList(String v, String source) {
    String[] parts = v.split(",");
    double[] out = new double[parts.length];
    for (int i = 0; i < parts.length; i++) {
      out[i] = parseNumber(parts[i], source);
    }
    return out;
  }
}
