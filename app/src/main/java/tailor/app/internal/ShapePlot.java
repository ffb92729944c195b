package tailor.app.internal;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
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
    BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, W, H);
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
    String title = String.format(Locale.ROOT, "%s (%s) on %s", o.request().activation(),
        o.transformName(), o.architecture().describe());
    g.drawString(title, 60, 32);

    double qMax = Math.max(3.0, max(qy));
    Panel left = new Panel(g, 70, 70, 500, 420, -1, 1, -1, 1, "input correlation c",
        "output correlation", "C maps (q = 1)");
    left.axes(new double[] {-1, -0.5, 0, 0.5, 1}, new double[] {-1, -0.5, 0, 0.5, 1});
    left.line(new double[] {-1, 1}, new double[] {-1, 1}, IDENTITY, true);
    left.line(cs, localY, LOCAL, false);
    left.line(cs, netY, NETWORK, false);
    left.legend(new String[] {"network C_f(c)", "local C(c)", "identity"},
        new Color[] {NETWORK, LOCAL, IDENTITY});
    left.note(String.format(Locale.ROOT, "max C_f(0) = %.4f", o.network().c0()));

    Panel right = new Panel(g, 680, 70, 480, 420, 0, 3, 0, qMax, "input q", "output q",
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

  /** One chart area. */
  private static final class Panel {
    private final Graphics2D g;
    private final int x0;
    private final int y0;
    private final int w;
    private final int h;
    private final double xmin;
    private final double xmax;
    private final double ymin;
    private final double ymax;
    private final String xlabel;
    private final String ylabel;
    private final String title;

    Panel(Graphics2D g, int x0, int y0, int w, int h, double xmin, double xmax, double ymin,
        double ymax, String xlabel, String ylabel, String title) {
      this.g = g;
      this.x0 = x0;
      this.y0 = y0;
      this.w = w;
      this.h = h;
      this.xmin = xmin;
      this.xmax = xmax;
      this.ymin = ymin;
      this.ymax = ymax;
      this.xlabel = xlabel;
      this.ylabel = ylabel;
      this.title = title;
    }

    double px(double x) {
      return x0 + (x - xmin) / (xmax - xmin) * w;
    }

    double py(double y) {
      return y0 + h - (y - ymin) / (ymax - ymin) * h;
    }

    void axes(double[] xt, double[] yt) {
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
      g.setStroke(new BasicStroke(1f));
      for (double x : xt) {
        g.setColor(new Color(0xEEEEEE));
        g.drawLine((int) px(x), y0, (int) px(x), y0 + h);
        g.setColor(Color.DARK_GRAY);
        String s = label(x);
        g.drawString(s, (int) px(x) - g.getFontMetrics().stringWidth(s) / 2, y0 + h + 18);
      }
      for (double y : yt) {
        g.setColor(new Color(0xEEEEEE));
        g.drawLine(x0, (int) py(y), x0 + w, (int) py(y));
        g.setColor(Color.DARK_GRAY);
        String s = label(y);
        g.drawString(s, x0 - 8 - g.getFontMetrics().stringWidth(s), (int) py(y) + 5);
      }
      g.setColor(Color.BLACK);
      g.drawRect(x0, y0, w, h);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
      g.drawString(xlabel, x0 + w / 2 - g.getFontMetrics().stringWidth(xlabel) / 2, y0 + h + 40);
      Graphics2D r = (Graphics2D) g.create();
      r.rotate(-Math.PI / 2);
      r.drawString(ylabel, -(y0 + h / 2) - r.getFontMetrics().stringWidth(ylabel) / 2, x0 - 45);
      r.dispose();
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
      g.drawString(title, x0, y0 - 10);
    }

    void line(double[] xs, double[] ys, Color c, boolean dashed) {
      Path2D.Double p = new Path2D.Double();
      boolean started = false;
      for (int i = 0; i < xs.length; i++) {
        if (!Double.isFinite(ys[i])) {
          continue;
        }
        double yy = Math.max(ymin, Math.min(ymax, ys[i]));
        if (!started) {
          p.moveTo(px(xs[i]), py(yy));
          started = true;
        } else {
          p.lineTo(px(xs[i]), py(yy));
        }
      }
      g.setColor(c);
      g.setStroke(dashed
          ? new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 1f, new float[] {6f, 5f}, 0f)
          : new BasicStroke(2.5f));
      g.draw(p);
    }

    void legend(String[] names, Color[] colors) {
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
      int lx = x0 + 14;
      int ly = y0 + 20;
      for (int i = 0; i < names.length; i++) {
        g.setColor(colors[i]);
        g.setStroke(new BasicStroke(3f));
        g.drawLine(lx, ly + 20 * i - 4, lx + 24, ly + 20 * i - 4);
        g.setColor(Color.BLACK);
        g.drawString(names[i], lx + 32, ly + 20 * i);
      }
    }

    void note(String s) {
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
      g.setColor(Color.BLACK);
      g.drawString(s, x0 + w - 12 - g.getFontMetrics().stringWidth(s), y0 + h - 12);
    }

    private static String label(double v) {
      return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.1f", v);
    }
  }
}
