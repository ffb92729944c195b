package tailor.app.internal;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import tailor.api.Names;
import tailor.api.TailorException;
import tailor.api.model.Layer;
import tailor.models.LayerGraph;

/**
 * A user's own architecture ({@code --graph FILE}): the layer-graph JSON that {@code
 * tools/export_torch_graph.py} writes from a PyTorch module, that the PyTorch twin reads, and
 * that an export's model card holds. The file is a graph node ({@code {"type": "seq", ...}}), or
 * an object with a {@code graph} node and optionally {@code input} (the example shape) and a
 * {@code description} (model.json is one). Every error is one line naming the place in the file
 * as a path such as {@code graph.layers[3].branches[1].body}. Nodes form a tree (a JSON document
 * cannot refer back to an enclosing node), so the graph has no cycles by construction.
 */
final class GraphFile {
  /** The architecture and the input shape the file declares (null when it declares none). */
  record Read(LayerGraph graph, List<Integer> input) {}

  static final List<String> TYPES = List.of("seq", "conv", "dense", "act", "maxpool", "gap",
      "dropout", "bn", "nsum", "psum");

  private GraphFile() {}

  static Read read(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw TailorException.user("--graph " + file + " cannot be read: " + e.getMessage());
    }
    JsonElement doc;
    try {
      doc = JsonParser.parseString(text);
    } catch (JsonParseException e) {
      String why = e.getCause() != null && e.getCause().getMessage() != null
          ? e.getCause().getMessage() : String.valueOf(e.getMessage());
      throw TailorException.user("--graph " + file + " is not JSON (" + why + "); expected a "
          + "layer graph such as tools/export_torch_graph.py writes");
    }
    if (!doc.isJsonObject()) {
      throw TailorException.user("--graph " + file + " holds " + kind(doc) + ", not a JSON object "
          + "(a graph node, or an object with a \"graph\" node)");
    }
    JsonObject o = doc.getAsJsonObject();
    JsonElement node = o;
    String path = "";
    List<Integer> input = null;
    String description = "graph " + file.getFileName();
    if (!o.has("type")) {
      if (!o.has("graph")) {
        throw TailorException.user("--graph " + file + ": the object has neither \"type\" (a graph "
            + "node) nor \"graph\" (a document holding one); keys: " + o.keySet());
      }
      node = o.get("graph");
      path = "graph";
      if (o.has("input")) {
        JsonElement in = o.get("input");
        if (in.isJsonObject() && in.getAsJsonObject().has("shape")) {
          in = in.getAsJsonObject().get("shape"); // a model card
        }
        input = ints(in, file, "input");
      }
      if (o.has("description") && o.get("description").isJsonPrimitive()) {
        description = o.get("description").getAsString();
      } else if (o.has("model") && o.get("model").isJsonObject()
          && o.getAsJsonObject("model").has("description")) {
        description = o.getAsJsonObject("model").get("description").getAsString();
      }
    }
    Layer root = layer(node, file, path);
    try {
      return new Read(new LayerGraph(description, root), input);
    } catch (IllegalArgumentException e) {
      throw TailorException.user("--graph " + file + ": " + e.getMessage());
    }
  }

  private static Layer layer(JsonElement e, Path file, String path) {
    String at = at(file, path);
    if (!e.isJsonObject()) {
      throw TailorException.user(at + " is " + kind(e) + ", not a layer object {\"type\": ...}");
    }
    JsonObject o = e.getAsJsonObject();
    if (!o.has("type") || !o.get("type").isJsonPrimitive()) {
      throw TailorException.user(at + " has no \"type\"; layer types: " + String.join(", ", TYPES));
    }
    String type = o.get("type").getAsString();
    switch (type) {
      case "seq": {
        keys(o, at, "layers");
        JsonArray a = array(o, "layers", at, true); // empty: the identity (a plain shortcut)
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
          layers.add(layer(a.get(i), file, join(path, "layers[" + i + "]")));
        }
        return new Layer.Sequence(layers);
      }
      case "conv": {
        keys(o, at, "out", "kernel", "stride", "bias");
        int kernel = positive(o, "kernel", at);
        if (kernel % 2 == 0) {
          throw TailorException.user(at + ": kernel " + kernel + " is even; convolutions pad "
              + "kernel / 2 on each side, which keeps the size only for odd kernels");
        }
        return new Layer.Conv(positive(o, "out", at), kernel,
            o.has("stride") ? positive(o, "stride", at) : 1, bool(o, "bias", at, true));
      }
      case "dense":
        keys(o, at, "out", "bias");
        return new Layer.Dense(positive(o, "out", at), bool(o, "bias", at, true));
      case "act":
        keys(o, at);
        return new Layer.Activation();
      case "maxpool": {
        keys(o, at, "window", "stride");
        int window = positive(o, "window", at);
        return new Layer.MaxPool(window, o.has("stride") ? positive(o, "stride", at) : window);
      }
      case "gap":
        keys(o, at);
        return new Layer.GlobalAvgPool();
      case "dropout": {
        keys(o, at, "rate");
        double r = number(o, "rate", at);
        if (!(r >= 0 && r < 1)) {
          throw TailorException.user(at + ": dropout rate " + r + " is outside [0, 1)");
        }
        return new Layer.Dropout(r);
      }
      case "bn": {
        keys(o, at, "decay", "eps");
        double d = o.has("decay") ? number(o, "decay", at) : 0.9;
        if (!(d >= 0 && d < 1)) {
          throw TailorException.user(at + ": batch-norm decay " + d + " is outside [0, 1)");
        }
        return new Layer.BatchNorm(d);
      }
      case "nsum": {
        keys(o, at, "branches");
        JsonArray a = array(o, "branches", at, false);
        List<Layer.Branch> branches = new ArrayList<>();
        double squares = 0;
        for (int i = 0; i < a.size(); i++) {
          String bp = join(path, "branches[" + i + "]");
          if (!a.get(i).isJsonObject()) {
            throw TailorException.user(at(file, bp) + " is " + kind(a.get(i))
                + ", not a branch {\"weight\": w, \"body\": layer}");
          }
          JsonObject b = a.get(i).getAsJsonObject();
          keys(b, at(file, bp), "weight", "body");
          double w = number(b, "weight", at(file, bp));
          if (!(w >= 0)) {
            throw TailorException.user(at(file, bp) + ": weight " + w + " is negative");
          }
          squares += w * w;
          if (!b.has("body")) {
            throw TailorException.user(at(file, bp) + " has no \"body\"");
          }
          branches.add(new Layer.Branch(w, layer(b.get("body"), file, join(bp, "body"))));
        }
        if (Math.abs(squares - 1) > 1e-9) {
          throw TailorException.user(String.format(Locale.ROOT, "%s: the squared branch weights "
              + "sum to %.12g, not 1; a normalized sum needs sum w_i^2 = 1 (for a residual "
              + "block: w * shortcut + sqrt(1 - w^2) * residual)", at, squares));
        }
        // rounding of weights written to a few digits: renormalized, as the sum asks
        double norm = Math.sqrt(squares);
        List<Layer.Branch> exact = new ArrayList<>();
        for (Layer.Branch b : branches) {
          exact.add(new Layer.Branch(b.weight() / norm, b.body()));
        }
        return new Layer.NormalizedSum(exact);
      }
      case "psum": {
        keys(o, at, "branches");
        JsonArray a = array(o, "branches", at, false);
        List<Layer> branches = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
          branches.add(layer(a.get(i), file, join(path, "branches[" + i + "]")));
        }
        return new Layer.PlainSum(branches);
      }
      default:
        throw TailorException.user(Names.unknown("layer type", type, at, TYPES));
    }
  }

  private static String at(Path file, String path) {
    return "--graph " + file + (path.isEmpty() ? " (the root)" : " at " + path);
  }

  private static String join(String path, String part) {
    return path.isEmpty() ? part : path + "." + part;
  }

  /** Refuses keys a layer does not have ("name" is allowed everywhere: exports write it). */
  private static void keys(JsonObject o, String at, String... allowed) {
    Set<String> ok = new java.util.HashSet<>(List.of(allowed));
    ok.add("type");
    ok.add("name");
    for (String k : o.keySet()) {
      if (!ok.contains(k)) {
        throw TailorException.user(Names.unknown("key of a " + o.get("type").getAsString()
            + " layer", k, at, ok.stream().sorted().toList()));
      }
    }
  }

  private static JsonArray array(JsonObject o, String key, String at, boolean mayBeEmpty) {
    if (!o.has(key) || !o.get(key).isJsonArray()) {
      throw TailorException.user(at + " needs \"" + key + "\" as a list");
    }
    if (!mayBeEmpty && o.getAsJsonArray(key).isEmpty()) {
      throw TailorException.user(at + ": \"" + key + "\" is empty");
    }
    return o.getAsJsonArray(key);
  }

  private static double number(JsonObject o, String key, String at) {
    JsonElement e = o.get(key);
    if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
      throw TailorException.user(at + " needs \"" + key + "\" as a number"
          + (e == null ? "" : ", not " + e));
    }
    return e.getAsDouble();
  }

  private static int positive(JsonObject o, String key, String at) {
    double v = number(o, key, at);
    if (v != Math.rint(v) || v < 1 || v > 1 << 20) {
      throw TailorException.user(at + ": \"" + key + "\" is " + o.get(key) + "; a whole number >= 1");
    }
    return (int) v;
  }

  private static boolean bool(JsonObject o, String key, String at, boolean def) {
    if (!o.has(key)) {
      return def;
    }
    JsonElement e = o.get(key);
    if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
      throw TailorException.user(at + ": \"" + key + "\" is " + e + "; true or false");
    }
    return e.getAsBoolean();
  }

  private static List<Integer> ints(JsonElement e, Path file, String key) {
    if (!e.isJsonArray()) {
      throw TailorException.user("--graph " + file + ": \"" + key + "\" is " + e
          + "; expected [C, H, W] or [D]");
    }
    List<Integer> out = new ArrayList<>();
    for (JsonElement v : e.getAsJsonArray()) {
      if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber() || v.getAsDouble() < 1
          || v.getAsDouble() != Math.rint(v.getAsDouble())) {
        throw TailorException.user("--graph " + file + ": \"" + key + "\" is " + e
            + "; expected whole numbers >= 1, [C, H, W] or [D]");
      }
      out.add(v.getAsInt());
    }
    if (out.size() != 1 && out.size() != 3) {
      throw TailorException.user("--graph " + file + ": \"" + key + "\" is " + e
          + "; expected [C, H, W] or [D]");
    }
    return out;
  }

  private static String kind(JsonElement e) {
    return e.isJsonArray() ? "a list" : e.isJsonNull() ? "null" : e.isJsonPrimitive()
        ? "the value " + e : "an object";
  }
}
