package tailor.app.internal;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import tailor.api.TailorException;

/**
 * The run's metrics, appended as rows to {@code metrics.csv} and {@code metrics.jsonl} (one
 * training row every few steps, one test row per evaluation) and kept in memory for the plots.
 * Rows are flushed as they are written, so an interrupted run keeps everything logged so far.
 */
final class Metrics implements AutoCloseable {
  static final String CSV_HEADER = "kind,step,epoch,loss,top1,top5,lr,images_per_s,elapsed_s";

  /** One row; top5 and lr are NaN where they do not apply. */
  record Row(String kind, long step, double epoch, double loss, double top1, double top5, double lr,
      double imagesPerSecond, double elapsed) {
    String csv() {
      return String.format(Locale.ROOT, "%s,%d,%.4f,%s,%s,%s,%s,%.1f,%.2f", kind, step, epoch,
          num(loss), num(top1), num(top5), num(lr), imagesPerSecond, elapsed);
    }

    JsonObject json() {
      JsonObject o = new JsonObject();
      o.addProperty("kind", kind);
      o.addProperty("step", step);
      o.addProperty("epoch", epoch);
      put(o, "loss", loss);
      put(o, "top1", top1);
      put(o, "top5", top5);
      put(o, "lr", lr);
      o.addProperty("images_per_s", Math.round(imagesPerSecond * 10) / 10.0);
      o.addProperty("elapsed_s", Math.round(elapsed * 100) / 100.0);
      return o;
    }

    static Row of(JsonObject o) {
      return new Row(o.get("kind").getAsString(), o.get("step").getAsLong(),
          o.get("epoch").getAsDouble(), get(o, "loss"), get(o, "top1"), get(o, "top5"),
          get(o, "lr"), o.get("images_per_s").getAsDouble(), o.get("elapsed_s").getAsDouble());
    }
  }

  private final Path csv;
  private final Path jsonl;
  private final List<Row> rows = new ArrayList<>();
  private BufferedWriter csvOut;
  private BufferedWriter jsonOut;

  /**
   * The rows of a metrics.jsonl file, skipping a line an interruption cut.
   *
   * @throws IOException if the file cannot be read
   */
  static List<Row> read(Path jsonl) throws IOException {
    List<Row> rows = new ArrayList<>();
    for (String line : Files.readAllLines(jsonl, StandardCharsets.UTF_8)) {
      if (line.isBlank()) {
        continue;
      }
      try {
        rows.add(Row.of(JsonParser.parseString(line).getAsJsonObject()));
      } catch (RuntimeException e) {
        // a line cut by an interruption
      }
    }
    return rows;
  }

  /**
   * Opens the metrics of {@code dir}. When resuming, rows after {@code keepUpToStep} (written
   * after the checkpoint by the interrupted run) are dropped; otherwise the files start empty.
   */
  Metrics(Path dir, boolean resume, long keepUpToStep) {
    this.csv = dir.resolve("metrics.csv");
    this.jsonl = dir.resolve("metrics.jsonl");
    try {
      if (resume && Files.exists(jsonl)) {
        for (Row r : read(jsonl)) {
          if (r.step() <= keepUpToStep) {
            rows.add(r);
          }
        }
      }
      StringBuilder c = new StringBuilder(CSV_HEADER).append('\n');
      StringBuilder j = new StringBuilder();
      for (Row r : rows) {
        c.append(r.csv()).append('\n');
        j.append(r.json()).append('\n');
      }
      Io.writeAtomically(csv, tmp -> Files.writeString(tmp, c, StandardCharsets.UTF_8));
      Io.writeAtomically(jsonl, tmp -> Files.writeString(tmp, j, StandardCharsets.UTF_8));
      csvOut = Files.newBufferedWriter(csv, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
      jsonOut = Files.newBufferedWriter(jsonl, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw TailorException.resource("cannot write metrics in " + dir + ": " + e.getMessage(), e);
    }
  }

  void add(Row r) {
    rows.add(r);
    try {
      csvOut.write(r.csv());
      csvOut.newLine();
      csvOut.flush();
      jsonOut.write(r.json().toString());
      jsonOut.newLine();
      jsonOut.flush();
    } catch (IOException e) {
      throw TailorException.resource("cannot append to " + csv + ": " + e.getMessage(), e);
    }
  }

  List<Row> rows() {
    return List.copyOf(rows);
  }

  @Override
  public void close() {
    try {
      csvOut.close();
      jsonOut.close();
    } catch (IOException e) {
      throw TailorException.resource("cannot close " + csv + ": " + e.getMessage(), e);
    }
  }

  static String num(double v) {
    return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.6g", v);
  }

  private static void put(JsonObject o, String k, double v) {
    if (Double.isFinite(v)) {
      o.addProperty(k, v);
    } else if (!Double.isNaN(v) || k.equals("loss")) {
      o.addProperty(k, Double.toString(v));
    }
  }

  private static double get(JsonObject o, String k) {
    if (!o.has(k)) {
      return Double.NaN;
    }
    var e = o.get(k).getAsJsonPrimitive();
    return e.isNumber() ? e.getAsDouble() : Double.parseDouble(e.getAsString());
  }
}
