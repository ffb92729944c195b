package tailor.app.internal;

import java.io.PrintStream;
import java.util.Locale;

/**
 * The progress line on the terminal: step, epoch, loss, images/s, ETA and the last test
 * accuracy. On a terminal one line is redrawn in place; otherwise (logs, CI) a line is printed
 * every 10% of the run. Quiet mode prints nothing.
 */
final class Progress {
  private final PrintStream err;
  private final boolean interactive;
  private final boolean quiet;
  private long total;
  private long perEpoch;
  private long startStep;
  private long startNanos;
  private long lastDraw;
  private long nextPrint;
  private boolean drawn;

  Progress(PrintStream err, boolean interactive, boolean quiet) {
    this.err = err;
    this.interactive = interactive;
    this.quiet = quiet;
  }

  void start(long step, long total, long perEpoch) {
    this.total = total;
    this.perEpoch = perEpoch;
    this.startStep = step;
    this.startNanos = System.nanoTime();
    this.nextPrint = step + Math.max(1, total / 10);
  }

  void update(long step, long epoch, double loss, double imagesPerSecond, Trainer.Eval eval) {
    if (quiet) {
      return;
    }
    long now = System.nanoTime();
    if (interactive) {
      if (now - lastDraw < 200_000_000L && step < total) {
        return;
      }
      lastDraw = now;
      err.print("\r" + line(step, epoch, loss, imagesPerSecond, eval, now) + "   ");
      err.flush();
      drawn = true;
    } else if (step >= nextPrint || step == total) {
      nextPrint = step + Math.max(1, total / 10);
      err.println(line(step, epoch, loss, imagesPerSecond, eval, now));
    }
  }

  void evaluated(long step, long epoch, Trainer.Eval e) {
    if (quiet || !interactive) {
      return;
    }
    // Keep one line per evaluation in the scrollback.
    err.print("\r");
    err.println(String.format(Locale.ROOT, "epoch %d (step %d): test loss %.4f, top-1 %.2f%%%s%s",
        epoch, step, e.loss(), 100 * e.top1(), Double.isNaN(e.top5()) ? ""
            : String.format(Locale.ROOT, ", top-5 %.2f%%", 100 * e.top5()),
        "                    "));
    drawn = false;
  }

  void finish() {
    if (!quiet && interactive && drawn) {
      err.println();
      drawn = false;
    }
  }

  private String line(long step, long epoch, double loss, double ips, Trainer.Eval eval, long now) {
    double elapsed = (now - startNanos) / 1e9;
    long done = step - startStep;
    double eta = done > 0 ? elapsed / done * (total - step) : Double.NaN;
    int width = 24;
    int filled = (int) Math.round(width * (double) step / total);
    String bar = "#".repeat(filled) + ".".repeat(width - filled);
    return String.format(Locale.ROOT, "[%s] step %d/%d  epoch %d  loss %.4f  %.0f img/s  ETA %s%s",
        bar, step, total, Math.min(epoch + 1, (total + perEpoch - 1) / perEpoch), loss, ips,
        duration(eta), eval == null ? "" : String.format(Locale.ROOT, "  test top-1 %.2f%%", 100 * eval.top1()));
  }

  static String duration(double s) {
    if (Double.isNaN(s)) {
      return "--";
    }
    long t = Math.round(s);
    return t >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", t / 3600, t % 3600 / 60)
        : String.format(Locale.ROOT, "%dm%02ds", t / 60, t % 60);
  }
}
