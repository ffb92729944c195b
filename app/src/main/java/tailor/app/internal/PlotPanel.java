package tailor.app.internal;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.geom.Path2D;
import java.util.Locale;

/** One chart area. */
final class PlotPanel {
  /** Line colours for several series, in order. */
  static final Color[] COLORS = {new Color(0x2471A3), new Color(0xC0392B),
      new Color(0x27AE60), new Color(0x8E44AD), new Color(0xE67E22), new Color(0x17A589)};

  /** A white canvas with anti-aliasing and a bold title at the top left. */
  static java.awt.image.BufferedImage canvas(int w, int h, String title) {
    java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(w, h,
        java.awt.image.BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(java.awt.RenderingHints.KEY_ANTIALIASING, java.awt.RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(java.awt.RenderingHints.KEY_TEXT_ANTIALIASING,
        java.awt.RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, w, h);
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
    g.drawString(title, 60, 32);
    g.dispose();
    return img;
  }

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

  PlotPanel(Graphics2D g, int x0, int y0, int w, int h, double xmin, double xmax, double ymin,
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

  /** Filled dots (evaluations, which may be a single point). */
  void points(double[] xs, double[] ys, Color c) {
    g.setColor(c);
    for (int i = 0; i < xs.length; i++) {
      if (Double.isFinite(ys[i])) {
        double yy = Math.max(ymin, Math.min(ymax, ys[i]));
        g.fill(new java.awt.geom.Ellipse2D.Double(px(xs[i]) - 4, py(yy) - 4, 8, 8));
      }
    }
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
    legend(names, colors, false);
  }

  /** The legend at the top left, or at the bottom left (for curves that fall). */
  void legend(String[] names, Color[] colors, boolean bottom) {
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
    int lx = x0 + 14;
    int ly = bottom ? y0 + h - 12 - 20 * (names.length - 1) : y0 + 20;
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
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    String s = String.format(Locale.ROOT, "%.3f", v);
    return s.replaceAll("0+$", "");
  }
}
