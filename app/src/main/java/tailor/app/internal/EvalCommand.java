package tailor.app.internal;

import com.google.gson.JsonObject;
import jakarta.inject.Inject;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import tailor.api.TailorException;

/**
 * {@code tailor eval --checkpoint DIR}: rebuilds the network a checkpoint was trained as, loads
 * its weights and reports loss, top-1 and top-5 on a dataset's test split (by default the one it
 * was trained on).
 */
final class EvalCommand {
  private final PluginCatalog plugins;

  @Inject
  EvalCommand(PluginCatalog plugins) {
    this.plugins = plugins;
  }

  static final String USAGE = String.join("\n",
      "usage: tailor eval --checkpoint DIR [--dataset NAME] [--data DIR] [--batch N] [--threads N]",
      "                   [--predictions FILE.csv] [--json]",
      "",
      "Evaluates the weights in DIR/checkpoint.tlr (the --out folder of tailor train) on the test",
      "split of the dataset it was trained on, or of --dataset/--data (the same classes in the same",
      "order). --predictions writes one row per example in file order: index, label, predicted",
      "class, and the logits logit_0 .. logit_<classes-1> (float32 values, shortest exact form).");

  int run(List<String> tokens, PrintStream out) {
    Args a = Args.parse(tokens, Set.of("checkpoint", "dataset", "data", "batch", "threads",
        "loader-threads", "predictions"), Set.of("json", "help"), "eval");
    if (a.flag("help")) {
      out.println(USAGE);
      return 0;
    }
    if (!a.has("checkpoint")) {
      throw TailorException.user("tailor eval needs --checkpoint DIR (the --out folder of a training run)");
    }
    Path dir = Path.of(a.string("checkpoint", ""));
    Checkpoint ck = Checkpoint.read(dir);
    Map<String, String> saved = TrainCommand.values(ck.config);
    Map<String, String> over = new LinkedHashMap<>();
    if (a.has("dataset")) {
      over.put("dataset", a.string("dataset", ""));
      over.put("data", a.string("data", ""));
    } else if (a.has("data")) {
      over.put("data", a.string("data", ""));
    }
    if (a.has("threads")) {
      over.put("threads", a.string("threads", ""));
    }
    if (a.has("loader-threads")) {
      over.put("loader_threads", a.string("loader-threads", ""));
    }
    List<RunConfig.Layer> layers = new ArrayList<>();
    layers.add(RunConfig.Layer.saved("checkpoint " + dir, saved, RunConfig.savedDefaults(ck.config)));
    layers.add(new RunConfig.Layer("command line", over));
    RunConfig c = RunConfig.resolve((kind, name) -> plugins.settings(kind, name, "checkpoint"), layers);
    int batch = a.has("batch") ? a.integer("batch") : 256;
    if (batch < 1) {
      throw TailorException.user("--batch " + batch + " must be >= 1");
    }
    String trainedOn = saved.get("dataset");
    Path predictions = a.has("predictions") ? Path.of(a.string("predictions", "")) : null;
    if (predictions != null) {
      Path parent = predictions.toAbsolutePath().getParent();
      if (parent == null || !java.nio.file.Files.isDirectory(parent)) {
        throw TailorException.user("--predictions " + predictions + ": its folder " + parent
            + " does not exist; create it or name a file in an existing folder");
      }
      if (java.nio.file.Files.isDirectory(predictions)) {
        throw TailorException.user("--predictions " + predictions + " is a folder; name a file, "
            + "e.g. " + predictions.resolve("predictions.csv"));
      }
    }
    try (ModelBuild b = new ModelBuild(plugins, c)) {
      List<String> have = b.data.classNames();
      if (ck.classes != null && !ck.classes.equals(have)) {
        throw TailorException.user(String.format(Locale.ROOT, "%s was trained on %d classes (%s) "
            + "but %s has %d (%s): its labels would mean other classes; evaluate on data with "
            + "the same classes in the same order", dir, ck.classes.size(),
            abbreviate(ck.classes), c.string("data").isEmpty() ? "the " + c.string("dataset")
                + " data" : c.string("data"), have.size(), abbreviate(have)));
      }
      Trainer.restoreWeights(b, ck);
      StringBuilder rows = predictions == null ? null : header(have.size());
      Trainer.Eval e = Trainer.evaluate(b, batch, rows == null ? null
          : (first, labels, z, classes) -> rows(rows, first, labels, z, classes));
      if (predictions != null) {
        Io.writeAtomically(predictions, tmp -> java.nio.file.Files.writeString(tmp, rows));
      }
      if (a.flag("json")) {
        JsonObject o = new JsonObject();
        o.addProperty("checkpoint", dir.toString());
        o.addProperty("step", ck.position.step());
        o.addProperty("dataset", c.string("dataset"));
        o.addProperty("examples", e.examples());
        o.addProperty("loss", e.loss());
        o.addProperty("top1", e.top1());
        if (!Double.isNaN(e.top5())) {
          o.addProperty("top5", e.top5());
        }
        out.println(o);
      } else {
        out.printf(Locale.ROOT, "%s, step %d (trained on %s): %s%n", b.graph.describe(),
            ck.position.step(), trainedOn, b.data.describe());
        out.printf(Locale.ROOT, "test: %,d examples, loss %.4f, top-1 %.2f%%%s%n", e.examples(),
            e.loss(), 100 * e.top1(), Double.isNaN(e.top5()) ? ""
                : String.format(Locale.ROOT, ", top-5 %.2f%%", 100 * e.top5()));
      }
      return 0;
    }
  }

  private static StringBuilder header(int classes) {
    StringBuilder sb = new StringBuilder("index,label,predicted");
    for (int k = 0; k < classes; k++) {
      sb.append(",logit_").append(k);
    }
    return sb.append('\n');
  }

  /** Appends one row per example: the logits as the float32 values the network computed. */
  private static void rows(StringBuilder sb, int first, int[] labels, double[] z, int classes) {
    for (int e = 0; e < labels.length; e++) {
      int best = 0;
      for (int k = 1; k < classes; k++) {
        if (z[e * classes + k] > z[e * classes + best]) {
          best = k;
        }
      }
      sb.append(first + e).append(',').append(labels[e]).append(',').append(best);
      for (int k = 0; k < classes; k++) {
        sb.append(',').append(Float.toString((float) z[e * classes + k]));
      }
      sb.append('\n');
    }
  }

  /** The first few names of a class list, for a one-line message. */
  private static String abbreviate(List<String> names) {
    return names.size() <= 6 ? String.join(", ", names)
        : String.join(", ", names.subList(0, 5)) + ", ... " + names.get(names.size() - 1);
  }
}
