package tailor.app.internal;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.DoubleUnaryOperator;
import javax.imageio.ImageIO;
import tailor.api.shaping.SubnetMaxFunction;
import tailor.kernelshaping.CMap;
import tailor.kernelshaping.QMap;

/**
 * The PNG of {@code tailor shape --plot}: left, the network's C map C_f(c) on [-1, 1] beside
 * the local C map and the identity; right, the local Q map beside the identity.
 */
final class ShapePlot {
  private static final int W = 1200;
  private static final int H = 560;
  private static final Color NETWORK = new Color(0xC0392B);
  private static final Color LOCAL = new Color(0x2471A3);
  private static final Color IDENTITY = new Color(0x7F8C8D);

  private ShapePlot() {}

  static void write(ShapeService.Outcome o, Path file) {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    if (!name.endsWith(".png")) {
      throw tailor.api.TailorException.user("--plot " + file + ": the plot is a PNG; name the file *.png");
    }
    CMap cmap = CMap.of(o.shaped());
    DoubleUnaryOperator local = cmap.usesSeries() ? cmap::value : tabulate(cmap);
    SubnetMaxFunction net = o.architecture().subnetMaxFunction();
    int n = 161;
    double[] cs = new double[n];
    double[] localY = new double[n];
    double[] netY = new double[n];
    for (int i = 0; i < n; i++) {
      cs[i] = -1.0 + 2.0 * i / (n - 1);
      localY[i] = local.applyAsDouble(cs[i]);
      netY[i] = net.full(cs[i], local);
    }
    QMap qmap = QMap.of(o.shaped());
    int m = 81;
    double[] qs = new double[m];
    double[] qy = new double[m];
    for (int i = 0; i < m; i++) {
      qs[i] = 3.0 * i / (m - 1);
      qy[i] = qmap.value(qs[i]);
    }
    String title = String.format(Locale.ROOT, "%s (%s) on %s", o.request().activation(),
        o.transformName(), o.architecture().describe());
    BufferedImage img = PlotPanel.canvas(W, H, title);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);

    double qMax = Math.max(3.0, max(qy));
    PlotPanel left = new PlotPanel(g, 70, 70, 500, 420, -1, 1, -1, 1, "input correlation c",
        "output correlation", "C maps (q = 1)");
    left.axes(new double[] {-1, -0.5, 0, 0.5, 1}, new double[] {-1, -0.5, 0, 0.5, 1});
    left.line(new double[] {-1, 1}, new double[] {-1, 1}, IDENTITY, true);
    left.line(cs, localY, LOCAL, false);
    left.line(cs, netY, NETWORK, false);
    left.legend(new String[] {"network C_f(c)", "local C(c)", "identity"},
        new Color[] {NETWORK, LOCAL, IDENTITY});
    left.note(String.format(Locale.ROOT, "max C_f(0) = %.4f", o.network().c0()));

    PlotPanel right = new PlotPanel(g, 680, 70, 480, 420, 0, 3, 0, qMax, "input q", "output q",
        "local Q map");
    right.axes(new double[] {0, 1, 2, 3}, ticks(qMax));
    right.line(new double[] {0, 3}, new double[] {0, 3}, IDENTITY, true);
    right.line(qs, qy, LOCAL, false);
    right.legend(new String[] {"Q(q)", "identity"}, new Color[] {LOCAL, IDENTITY});
    right.note(String.format(Locale.ROOT, "Q(1) = %.6f, Q'(1) = %.6f", o.local().q1(),
        o.local().qSlope1()));
    g.dispose();
    Io.writeAtomically(file, tmp -> ImageIO.write(img, "png", tmp.toFile()));
  }

  /** A linear interpolant of the local C map on 257 points (for activations without a series). */
  private static DoubleUnaryOperator tabulate(CMap cmap) {
    int n = 257;
    double[] ys = new double[n];
    for (int i = 0; i < n; i++) {
      ys[i] = cmap.value(-1.0 + 2.0 * i / (n - 1));
    }
    return c -> {
      double t = (Math.max(-1, Math.min(1, c)) + 1.0) * (n - 1) / 2.0;
      int i = Math.min(n - 2, (int) Math.floor(t));
      double f = t - i;
      return ys[i] * (1 - f) + ys[i + 1] * f;
    };
  }

  private static double max(double[] v) {
    double m = Double.NEGATIVE_INFINITY;
    for (double d : v) {
      if (Double.isFinite(d)) {
        m = Math.max(m, d);
      }
    }
    return m;
  }

  private static double[] ticks(double max) {
    int k = (int) Math.ceil(max);
    int step = Math.max(1, k / 5);
    double[] t = new double[k / step + 1];
    for (int i = 0; i < t.length; i++) {
      t[i] = i * step;
    }
    return t;
  }
}
