package tailor.app.internal;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.imageio.ImageIO;
import tailor.api.TailorException;

/**
 * {@code tailor compare RUN...}: the training-loss and test-accuracy curves of several runs in
 * one plot (e.g. the same network with different optimizers), and a table of where each ended.
 */
final class CompareCommand {

  /** One run's label and rows. */
  record Run(String label, List<Metrics.Row> rows) {
    List<Metrics.Row> of(String kind) {
      return rows.stream().filter(r -> r.kind().equals(kind)).toList();
    }
  }

  int run(List<String> tokens, PrintStream out) {
    Args a = Args.parse(tokens, Set.of("out", "title"), Set.of("help"), "compare");
    if (a.flag("help") || a.positional().isEmpty()) {
      out.println("usage: tailor compare RUN_DIR RUN_DIR... [--out compare.png] [--title TEXT]\n"
          + "  plots the runs' training loss and test top-1 against steps and prints where each ended");
      return a.flag("help") ? 0 : 2;
    }
    List<Run> runs = new ArrayList<>();
    for (String d : a.positional()) {
      runs.add(load(Path.of(d)));
    }
    out.printf(Locale.ROOT, "%-44s %7s %12s %12s %10s%n", "run", "steps", "train loss*", "test loss",
        "test top-1 (dots)");
    for (Run r : runs) {
      List<Metrics.Row> train = r.of("train");
      List<Metrics.Row> test = r.of("test");
      Metrics.Row lastTrain = train.isEmpty() ? null : train.get(train.size() - 1);
      Metrics.Row lastTest = test.isEmpty() ? null : test.get(test.size() - 1);
      out.printf(Locale.ROOT, "%-44s %7d %12.4f %12s %10s%n", r.label(),
          lastTrain == null ? 0 : lastTrain.step(), lastTrain == null ? Double.NaN : lastTrain.loss(),
          lastTest == null ? "-" : String.format(Locale.ROOT, "%.4f", lastTest.loss()),
          lastTest == null ? "-" : String.format(Locale.ROOT, "%.2f%%", 100 * lastTest.top1()));
    }
    out.println("* mean training loss over the last logging window");
    Path png = Path.of(a.string("out", "compare.png"));
    write(png, a.string("title", "training runs compared"), runs);
    out.println("plot: " + png);
    return 0;
  }

  static Run load(Path dir) {
    Path jsonl = dir.resolve("metrics.jsonl");
    Path config = dir.resolve("config.json");
    if (!Files.isRegularFile(jsonl) || !Files.isRegularFile(config)) {
      throw TailorException.user(dir + " is not a training run (no metrics.jsonl and config.json); "
          + "pass the --out folders of tailor train runs");
    }
    try {
      JsonObject values = JsonParser.parseString(Files.readString(config, StandardCharsets.UTF_8))
          .getAsJsonObject().getAsJsonObject("values");
      String opt = values.get("optimizer").getAsString();
      String lr = values.has("optimizer." + opt + ".learning_rate")
          ? values.get("optimizer." + opt + ".learning_rate").getAsString() : "?";
      String label = String.format(Locale.ROOT, "%s (%s, lr %s)", dir.getFileName(), opt, lr);
      List<Metrics.Row> rows = new ArrayList<>();
      for (String line : Files.readAllLines(jsonl, StandardCharsets.UTF_8)) {
        if (!line.isBlank()) {
          rows.add(Metrics.Row.of(JsonParser.parseString(line).getAsJsonObject()));
        }
      }
      return new Run(label, rows);
    } catch (IOException | RuntimeException e) {
      throw TailorException.user("cannot read the run in " + dir + ": " + e.getMessage());
    }
  }

  static void write(Path file, String title, List<Run> runs) {
    double maxStep = 1;
    double maxLoss = 0;
    for (Run r : runs) {
      for (Metrics.Row row : r.rows()) {
        maxStep = Math.max(maxStep, row.step());
        if (Double.isFinite(row.loss())) {
          maxLoss = Math.max(maxLoss, row.loss());
        }
      }
    }
    maxLoss = maxLoss <= 0 ? 1 : TrainPlot.niceCeil(maxLoss);
    maxStep = TrainPlot.niceCeil(maxStep);
    BufferedImage img = PlotPanel.canvas(1240, 560, title);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    PlotPanel loss = new PlotPanel(g, 80, 70, 480, 420, 0, maxStep, 0, maxLoss, "step", "loss",
        "training loss (lines), test loss (dashed, dots)");
    loss.axes(TrainPlot.ticks(maxStep), TrainPlot.ticks(maxLoss));
    PlotPanel acc = new PlotPanel(g, 700, 70, 480, 420, 0, maxStep, 0, 1, "step", "accuracy",
        "test top-1 (dots)");
    acc.axes(TrainPlot.ticks(maxStep), new double[] {0, 0.2, 0.4, 0.6, 0.8, 1.0});
    String[] names = new String[runs.size()];
    Color[] colors = new Color[runs.size()];
    for (int i = 0; i < runs.size(); i++) {
      Run r = runs.get(i);
      Color c = PlotPanel.COLORS[i % PlotPanel.COLORS.length];
      List<Metrics.Row> train = r.of("train");
      List<Metrics.Row> test = r.of("test");
      loss.line(train.stream().mapToDouble(Metrics.Row::step).toArray(),
          train.stream().mapToDouble(Metrics.Row::loss).toArray(), c, false);
      loss.line(test.stream().mapToDouble(Metrics.Row::step).toArray(),
          test.stream().mapToDouble(Metrics.Row::loss).toArray(), c, true);
      double[] testSteps = test.stream().mapToDouble(Metrics.Row::step).toArray();
      loss.points(testSteps, test.stream().mapToDouble(Metrics.Row::loss).toArray(), c);
      acc.line(testSteps, test.stream().mapToDouble(Metrics.Row::top1).toArray(), c, false);
      acc.points(testSteps, test.stream().mapToDouble(Metrics.Row::top1).toArray(), c);
      names[i] = r.label();
      colors[i] = c;
    }
    loss.legend(names, colors, true);
    acc.legend(names, colors);
    g.dispose();
    Io.writeAtomically(file, tmp -> ImageIO.write(img, "png", tmp.toFile()));
  }
}
