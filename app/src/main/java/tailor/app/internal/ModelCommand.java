package tailor.app.internal;

import jakarta.inject.Inject;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import tailor.api.Names;
import tailor.api.TailorException;
import tailor.api.model.Architecture;
import tailor.api.model.ModelFamily;
import tailor.api.model.ModelSpec;
import tailor.models.LayerGraph;
import tailor.models.ModelSummary;

/** {@code tailor model summary}: layers, parameters, FLOPs and nonlinear depth of an architecture. */
public final class ModelCommand {
  static final Set<String> VALUED = Set.of("model", "depth", "width", "stem", "block",
      "shortcut-weight", "norm", "classes", "input", "dropout", "graph");
  static final Set<String> FLAGS = Set.of("layers", "help");
  static final String HELP = String.join("\n",
      "usage: tailor model summary [--model mlp|resnet|cifar-resnet] [--depth N] [--width W] [--stem imagenet|cifar]",
      "                            [--graph FILE.json [--input CxHxW]] (your own architecture)",
      "                            [--block v1|v2] [--shortcut-weight W|none] [--norm none|batch]",
      "                            [--classes N] [--input CxHxW|D] [--dropout P] [--layers]",
      "",
      "Prints the architecture's layers (with --layers), parameter count, FLOPs per example and",
      "the number of nonlinearities on the longest path. --shortcut-weight none with --norm batch",
      "is the standard ResNet baseline. Defaults: resnet 50 v2, w 0, imagenet stem (input 3x224x224;",
      "cifar: 3x32x32, 10 classes), 1000 classes; cifar-resnet 56 (depth 6n+2), cifar stem;",
      "mlp input 64.");

  private final PluginCatalog plugins;

  @Inject
  ModelCommand(PluginCatalog plugins) {
    this.plugins = plugins;
  }

  int run(List<String> tokens, PrintStream out) {
    Args a = Args.parse(tokens, VALUED, FLAGS, "model");
    if (a.flag("help")) {
      out.println(HELP);
      return 0;
    }
    if (a.positional().isEmpty() || !a.positional().get(0).equals("summary")) {
      String given = a.positional().isEmpty() ? "" : a.positional().get(0);
      throw TailorException.user(given.isEmpty()
          ? "tailor model needs a subcommand; known: summary (see tailor model --help)"
          : Names.unknown("model subcommand", given, "tailor model", List.of("summary")));
    }
    if (a.has("graph")) {
      for (String k : List.of("model", "depth", "width", "stem", "block", "shortcut-weight", "norm",
          "classes", "dropout")) {
        if (a.has(k)) {
          throw TailorException.user("--" + k + " does not apply with --graph: the graph file "
              + "states the architecture (only --input may be given)");
        }
      }
      GraphFile.Read g = GraphFile.read(java.nio.file.Path.of(a.string("graph", "")));
      List<Integer> in = a.has("input") ? parseShape(a.string("input", "")) : g.input();
      if (in == null) {
        throw TailorException.user("--graph " + a.string("graph", "") + " states no input shape; "
            + "give --input CxHxW (e.g. 3x224x224) or D");
      }
      out.print(ModelSummary.of(g.graph(), in).table(a.flag("layers")));
      return 0;
    }
    String model = a.string("model", "resnet");
    ModelFamily family = plugins.model(model, "--model");
    boolean resnet = !family.depths().isEmpty();
    String stem = a.string("stem", family.stems().isEmpty() ? "imagenet" : family.stems().get(0));
    Double w = 0.0;
    if (a.has("shortcut-weight")) {
      w = a.string("shortcut-weight", "").equals("none") ? null : a.number("shortcut-weight");
    }
    // the default: 50, or the family's first depth above it (cifar-resnet: 56)
    int depth = a.has("depth") ? a.integer("depth") : !resnet ? 10
        : family.depths().stream().filter(d -> d >= 50).findFirst().orElse(family.depths().get(0));
    ShapeService.requireDepth(family, model, depth, "--depth");
    int classes = a.has("classes") ? a.integer("classes") : (stem.equals("cifar") || !resnet ? 10 : 1000);
    List<Integer> input = a.has("input") ? parseShape(a.string("input", ""))
        : (!resnet ? List.of(64) : stem.equals("cifar") ? List.of(3, 32, 32) : List.of(3, 224, 224));
    ModelSpec spec = ModelSpec.of(depth).withShortcutWeight(w)
        .withBlock(a.string("block", "v2"))
        .withWidth(a.has("width") ? a.number("width") : 1.0)
        .withStem(stem)
        .withNorm(a.string("norm", "none"))
        .withClasses(classes)
        .withInput(input)
        .withDropout(a.has("dropout") ? a.number("dropout") : 0.0);
    Architecture arch = family.describe(spec);
    LayerGraph graph = LayerGraph.of(arch);
    if (graph == null) {
      throw TailorException.user("model " + model + " does not describe its layers; no summary");
    }
    out.print(ModelSummary.of(graph, input).table(a.flag("layers")));
    return 0;
  }

  static List<Integer> parseShape(String s) {
    List<Integer> out = new ArrayList<>();
    for (String p : s.toLowerCase(java.util.Locale.ROOT).split("x")) {
      out.add(Args.parseInt(p, "--input"));
    }
    if (out.size() != 1 && out.size() != 3) {
      throw TailorException.user("--input " + s + " must be CxHxW (an image) or D (a vector)");
    }
    return out;
  }
}
