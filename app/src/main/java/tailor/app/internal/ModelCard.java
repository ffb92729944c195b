package tailor.app.internal;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.Map;
import tailor.api.activation.ShapeParam;
import tailor.api.activation.ShapedActivation;
import tailor.api.data.Preprocessing;
import tailor.models.LayerJson;
import tailor.models.Network;

/**
 * What an exported model says about itself, so that other code can rebuild and feed it from
 * the file alone: the layer graph with each layer's tensor names, the input shape, the input
 * preprocessing, the shaped activation's parameters, the class names and the tensor naming
 * conventions. It is stored as the {@code tailor} entry of the safetensors metadata and as
 * {@code model.json} beside the weights; {@code tools/tailor_torch.py} reads it.
 */
final class ModelCard {
  /** The card's format; a reader refuses a larger one. */
  static final int FORMAT = 1;

  private ModelCard() {}

  static JsonObject of(ModelBuild b, long steps) {
    JsonObject card = new JsonObject();
    card.addProperty("format", "tailor-model");
    card.addProperty("format_version", FORMAT);
    card.addProperty("producer", "tailor " + AppModule.VERSION);
    JsonObject model = new JsonObject();
    model.addProperty("description", b.graph.describe());
    model.addProperty("family", b.config.string("graph").isEmpty() ? b.config.string("model")
        : "graph " + b.config.string("graph"));
    model.addProperty("nonlinear_depth", b.graph.nonlinearDepth());
    model.addProperty("parameters", b.summary.params());
    model.addProperty("method", b.config.string("method"));
    model.addProperty("steps_trained", steps);
    card.add("model", model);

    JsonObject input = new JsonObject();
    input.add("shape", ints(b.input));
    input.addProperty("layout", b.input.size() == 3 ? "NCHW" : "ND");
    card.add("input", input);
    card.add("preprocessing", preprocessing(b));
    card.add("activation", activation(b.activation));
    card.add("graph", JsonParser.parseString(LayerJson.withNames(b.graph.root())));
    JsonArray classes = new JsonArray();
    b.data.classNames().forEach(classes::add);
    card.add("classes", classes);
    card.addProperty("output", "logits, one per class (softmax cross-entropy)");

    JsonObject tensors = new JsonObject();
    tensors.addProperty("dtype", "float32");
    tensors.addProperty("conv", "<name>.weight [out, in, kernel, kernel], <name>.bias [out]; "
        + "padding kernel / 2 on each side, stride as given");
    tensors.addProperty("dense", "<name>.weight [out, in], <name>.bias [out]; an input of "
        + "more than one axis is flattened in [C, H, W] order");
    tensors.addProperty("bn", "<name>.weight (scale), <name>.bias (shift), <name>.running_mean, "
        + "<name>.running_var, <name>.num_batches_tracked (int64), as torch.nn.BatchNorm2d; "
        + "evaluation: (x - running_mean) / sqrt(running_var + eps) * weight + bias; "
        + "PyTorch's momentum is 1 - decay");
    tensors.addProperty("maxpool", "padding window / 2 with -inf");
    tensors.addProperty("nsum", "sum over branches of weight * branch(x)");
    tensors.addProperty("psum", "sum over branches of branch(x)");
    card.add("tensors", tensors);
    return card;
  }

  private static JsonObject preprocessing(ModelBuild b) {
    JsonObject o = new JsonObject();
    Preprocessing p = b.data.preprocessing();
    if (p == null) {
      o.addProperty("known", false);
      o.addProperty("note", "the " + b.config.string("dataset") + " dataset does not describe "
          + "its preprocessing");
    } else {
      o.addProperty("known", true);
      o.addProperty("raw", p.raw());
      o.addProperty("formula", "x = (raw * scale - mean[i]) / std[i], i the channel (mean per "
          + "channel) or the position in [C, H, W] (mean per position)");
      o.addProperty("scale", p.scale());
      o.addProperty("mean_per", p.mean().size() == b.data.exampleShape().get(0)
          && b.data.exampleShape().size() == 3 ? "channel" : "position");
      o.add("mean", doubles(p.mean()));
      o.add("std", doubles(p.std()));
      o.addProperty("eval_transform", p.evalTransform());
    }
    String pln = b.config.string("pln");
    o.addProperty("per_location_normalization", pln);
    if (!pln.equals("off")) {
      o.addProperty("per_location_normalization_formula", "after the normalization above, "
          + "append one channel h (on: h = 1; avg_q: h = sqrt(mean of x^2 over the example)); "
          + "then divide every location's channel vector by sqrt(mean over its channels of x^2)");
    }
    return o;
  }

  static JsonObject activation(ShapedActivation a) {
    JsonObject o = new JsonObject();
    o.addProperty("base", a.base().name());
    o.addProperty("formula", "output_scale * (phi(input_scale * x + input_shift) + output_shift)");
    o.addProperty("negative_slope", a.phi().hasNegativeSlope() ? a.phi().negativeSlope() : 0.0);
    o.addProperty("input_scale", a.inputScale());
    o.addProperty("input_shift", a.inputShift());
    o.addProperty("output_shift", a.outputShift());
    o.addProperty("output_scale", a.outputScale());
    JsonObject set = new JsonObject();
    for (Map.Entry<ShapeParam, Double> e : a.params().entrySet()) {
      set.addProperty(e.getKey().key(), e.getValue());
    }
    o.add("shaped", set);
    return o;
  }

  private static JsonArray ints(java.util.List<Integer> v) {
    JsonArray a = new JsonArray();
    v.forEach(a::add);
    return a;
  }

  private static JsonArray doubles(java.util.List<Double> v) {
    JsonArray a = new JsonArray();
    v.forEach(a::add);
    return a;
  }

  /** The name a parameter has in the export (PyTorch's for batch-norm tensors). */
  static String exportName(Network.Parameter p) {
    String n = p.name();
    switch (p.kind()) {
      case SCALE:
        return replaceSuffix(n, ".scale", ".weight");
      case SHIFT:
        return replaceSuffix(n, ".shift", ".bias");
      default:
        return n;
    }
  }

  private static String replaceSuffix(String n, String from, String to) {
    return n.endsWith(from) ? n.substring(0, n.length() - from.length()) + to : n;
  }

  /** A card as it is parsed back (tests). */
  static JsonObject parse(String json) {
    JsonElement e = JsonParser.parseString(json);
    return e.getAsJsonObject();
  }
}
