package tailor.app.internal;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/** {@code training.png}: loss and accuracy against steps, training rows and test evaluations. */
final class TrainPlot {
  private static final Color TRAIN = new Color(0x2471A3);
  private static final Color TEST = new Color(0xC0392B);
  private static final Color TEST5 = new Color(0xE67E22);

  private TrainPlot() {}

  static void write(Path file, String title, List<Metrics.Row> rows) {
    List<Metrics.Row> train = rows.stream().filter(r -> r.kind().equals("train")).toList();
    List<Metrics.Row> test = rows.stream().filter(r -> r.kind().equals("test")).toList();
    double maxStep = 1;
    double maxLoss = 0;
    for (Metrics.Row r : rows) {
      maxStep = Math.max(maxStep, r.step());
      if (Double.isFinite(r.loss())) {
        maxLoss = Math.max(maxLoss, r.loss());
      }
    }
    maxLoss = maxLoss <= 0 ? 1 : niceCeil(maxLoss);
    maxStep = niceCeil(maxStep);
    int w = 1240;
    int h = 560;
    BufferedImage img = PlotPanel.canvas(w, h, title);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    PlotPanel loss = new PlotPanel(g, 80, 70, 480, 420, 0, maxStep, 0, maxLoss, "step", "loss",
        "cross-entropy loss");
    loss.axes(ticks(maxStep), ticks(maxLoss));
    loss.line(xs(train), col(train, 0), TRAIN, false);
    loss.line(xs(test), col(test, 0), TEST, false);
    loss.legend(new String[] {"train (mean since last row)", "test"}, new Color[] {TRAIN, TEST});
    PlotPanel acc = new PlotPanel(g, 700, 70, 480, 420, 0, maxStep, 0, 1, "step", "accuracy",
        "accuracy");
    acc.axes(ticks(maxStep), new double[] {0, 0.2, 0.4, 0.6, 0.8, 1.0});
    acc.line(xs(train), col(train, 1), TRAIN, false);
    acc.line(xs(test), col(test, 1), TEST, false);
    boolean top5 = test.stream().anyMatch(r -> !Double.isNaN(r.top5()));
    if (top5) {
      acc.line(xs(test), col(test, 2), TEST5, false);
      acc.legend(new String[] {"train top-1 (batches)", "test top-1", "test top-5"},
          new Color[] {TRAIN, TEST, TEST5});
    } else {
      acc.legend(new String[] {"train top-1 (batches)", "test top-1"}, new Color[] {TRAIN, TEST});
    }
    if (!test.isEmpty()) {
      acc.note(String.format(java.util.Locale.ROOT, "last test top-1 %.2f%%",
          100 * test.get(test.size() - 1).top1()));
    }
    g.dispose();
    Io.writeAtomically(file, tmp -> ImageIO.write(img, "png", tmp.toFile()));
  }

  private static double[] xs(List<Metrics.Row> rows) {
    return rows.stream().mapToDouble(Metrics.Row::step).toArray();
  }

  private static double[] col(List<Metrics.Row> rows, int which) {
    return rows.stream().mapToDouble(r -> which == 0 ? r.loss() : which == 1 ? r.top1() : r.top5())
        .toArray();
  }

  /** The smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a power of ten that is at least v. */
  static double niceCeil(double v) {
    double p = Math.pow(10, Math.floor(Math.log10(v)));
    for (double m : new double[] {1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10}) {
      if (m * p >= v) {
        return m * p;
      }
    }
    return 10 * p;
  }

  /** Six ticks, 0 to {@code max} in fifths. */
  static double[] ticks(double max) {
    double[] t = new double[6];
    for (int i = 0; i < 6; i++) {
      t[i] = max * i / 5;
    }
    return t;
  }
}
