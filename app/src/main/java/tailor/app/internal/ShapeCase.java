package tailor.app.internal;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tailor.api.Names;
import tailor.api.TailorException;

/**
 * One {@code tailor shape} request, from command-line options or one line of a batch file.
 * Unset targets are null (their defaults apply).
 */
record ShapeCase(
    String method,
    String activation,
    String model,
    int depth,
    Double shortcutWeight,
    String block,
    Double eta,
    Double tau,
    Double zeta,
    Double qSlope,
    double[] at,
    String quadrature,
    String graph,
    Map<String, String> sources) {

  static final String DEFAULT_METHOD = "tat";
  static final String DEFAULT_ACTIVATION = "leaky_relu";
  static final String DEFAULT_MODEL = "resnet";
  static final int DEFAULT_DEPTH = 50;

  /** The batch keys: the option names with underscores. */
  static final List<String> KEYS = List.of("method", "activation", "model", "depth",
      "shortcut_weight", "block", "eta", "tau", "zeta", "q_slope", "at", "quadrature", "graph");

  /** Where a value came from, for messages ("--eta", "line 3 of cases.jsonl, key eta"). */
  String source(String key) {
    return sources.getOrDefault(key, "--" + key.replace('_', '-'));
  }

  static ShapeCase fromArgs(Args a) {
    double[] at = a.has("at") ? Args.parseList(a.string("at", ""), "--at") : new double[0];
    return new ShapeCase(
        a.string("method", DEFAULT_METHOD),
        a.string("activation", DEFAULT_ACTIVATION),
        a.string("model", DEFAULT_MODEL),
        a.has("depth") ? a.integer("depth") : DEFAULT_DEPTH,
        a.number("shortcut-weight"),
        a.string("block", null),
        a.number("eta"),
        a.number("tau"),
        a.number("zeta"),
        a.number("q-slope"),
        at,
        a.string("quadrature", null),
        a.string("graph", null),
        Map.of());
  }

  static ShapeCase fromJson(JsonObject o, String where) {
    for (String k : o.keySet()) {
      if (!KEYS.contains(k)) {
        throw TailorException.user(Names.unknown("key", k, where, KEYS));
      }
    }
    java.util.Map<String, String> src = new java.util.HashMap<>();
    for (String k : KEYS) {
      src.put(k, where + ", key " + k);
    }
    double[] at = new double[0];
    if (o.has("at") && !o.get("at").isJsonNull()) {
      JsonElement e = o.get("at");
      if (e.isJsonArray()) {
        JsonArray arr = e.getAsJsonArray();
        at = new double[arr.size()];
        for (int i = 0; i < arr.size(); i++) {
          at[i] = num(arr.get(i), src.get("at"));
        }
      } else {
        at = Args.parseList(str(e, src.get("at")), src.get("at"));
      }
    }
    return new ShapeCase(
        o.has("method") ? str(o.get("method"), src.get("method")) : DEFAULT_METHOD,
        o.has("activation") ? str(o.get("activation"), src.get("activation")) : DEFAULT_ACTIVATION,
        o.has("model") ? str(o.get("model"), src.get("model")) : DEFAULT_MODEL,
        o.has("depth") ? integer(o.get("depth"), src.get("depth")) : DEFAULT_DEPTH,
        optNum(o, "shortcut_weight", src),
        o.has("block") && !o.get("block").isJsonNull() ? str(o.get("block"), src.get("block")) : null,
        optNum(o, "eta", src),
        optNum(o, "tau", src),
        optNum(o, "zeta", src),
        optNum(o, "q_slope", src),
        at,
        o.has("quadrature") && !o.get("quadrature").isJsonNull()
            ? str(o.get("quadrature"), src.get("quadrature")) : null,
        o.has("graph") && !o.get("graph").isJsonNull() ? str(o.get("graph"), src.get("graph")) : null,
        Map.copyOf(src));
  }

  private static Double optNum(JsonObject o, String k, Map<String, String> src) {
    return o.has(k) && !o.get(k).isJsonNull() ? num(o.get(k), src.get(k)) : null;
  }

  private static String str(JsonElement e, String source) {
    if (e.isJsonPrimitive() && ((JsonPrimitive) e).isString()) {
      return e.getAsString();
    }
    throw TailorException.user(source + " must be a string, not " + e);
  }

  private static double num(JsonElement e, String source) {
    if (e.isJsonPrimitive()) {
      JsonPrimitive p = (JsonPrimitive) e;
      if (p.isNumber()) {
        return p.getAsDouble();
      }
      if (p.isString()) {
        return Args.parseNumber(p.getAsString(), source);
      }
    }
    throw TailorException.user(source + " must be a number, not " + e);
  }

  private static int integer(JsonElement e, String source) {
    double d = num(e, source);
    if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) {
      throw TailorException.user(String.format(Locale.ROOT, "%s = %s is not a whole number", source, e));
    }
    return (int) d;
  }
}
