package tailor.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * tailor train and tailor eval end to end on the embedded digits set (small networks, 1 thread):
 * outputs, exact resume, checkpoint integrity, safetensors layout, and one-line errors.
 */
class TrainCommandTest {
  static CliTest.Run train(Path out, String... extra) {
    List<String> args = new java.util.ArrayList<>(List.of("train", "--threads", "1", "--depth", "20",
        "--width", "0.25", "--batch", "32", "--quiet", "--out", out.toString()));
    args.addAll(List.of(extra));
    return CliTest.run(args.toArray(new String[0]));
  }

  static List<String> trainLosses(Path dir) throws IOException {
    return Files.readAllLines(dir.resolve("metrics.csv")).stream().filter(l -> l.startsWith("train,"))
        .map(l -> l.split(",")[1] + ":" + l.split(",")[3]).toList();
  }

  @Test
  void trainsAndWritesEveryOutput(@TempDir Path tmp) throws IOException {
    Path out = tmp.resolve("run");
    CliTest.Run r = train(out, "--epochs", "4");
    assertEquals(0, r.code(), r.err());
    for (String f : List.of("config.json", "metrics.csv", "metrics.jsonl", "training.png",
        "checkpoint.tlr", "model.safetensors", "summary.json")) {
      assertTrue(Files.isRegularFile(out.resolve(f)), f);
    }
    JsonObject summary = JsonParser.parseString(Files.readString(out.resolve("summary.json"))).getAsJsonObject();
    assertEquals(20, summary.get("nonlinear_depth").getAsInt());
    // 4 epochs of a 20-layer TAT MLP on digits: well above chance (10%); typically ~93%.
    assertTrue(summary.get("test_top1").getAsDouble() > 0.8, summary.toString());
    JsonObject config = JsonParser.parseString(Files.readString(out.resolve("config.json"))).getAsJsonObject();
    assertEquals("command line", config.getAsJsonObject("sources").get("depth").getAsString());
    assertEquals("tailor train default",
        config.getAsJsonObject("sources").get("optimizer.sgd.learning_rate").getAsString());
    assertEquals(0.005, config.getAsJsonObject("values").get("optimizer.sgd.learning_rate").getAsDouble());
    assertEquals("kind,step,epoch,loss,top1,top5,lr,images_per_s,elapsed_s",
        Files.readAllLines(out.resolve("metrics.csv")).get(0));
    // eval reproduces the final test metrics from the checkpoint.
    CliTest.Run e = CliTest.run("eval", "--checkpoint", out.toString(), "--threads", "1", "--json");
    assertEquals(0, e.code(), e.err());
    JsonObject ev = JsonParser.parseString(e.out()).getAsJsonObject();
    assertEquals(summary.get("test_top1").getAsDouble(), ev.get("top1").getAsDouble(), 1e-12);
    assertEquals(summary.get("test_loss").getAsDouble(), ev.get("loss").getAsDouble(), 1e-6);
    // A second run into the same folder is refused and changes nothing.
    byte[] before = Files.readAllBytes(out.resolve("checkpoint.tlr"));
    CliTest.Run again = train(out, "--epochs", "1");
    assertEquals(2, again.code());
    assertTrue(again.err().contains("already holds a training run"), again.err());
    assertArrayEquals(before, Files.readAllBytes(out.resolve("checkpoint.tlr")));
  }

  @Test
  void resumedRunRepeatsTheUninterruptedLosses(@TempDir Path tmp) throws IOException {
    Path a = tmp.resolve("a");
    Path b = tmp.resolve("b");
    assertEquals(0, train(a, "--epochs", "2", "--log-every", "1", "--dropout", "0.1").code());
    CliTest.Run first = train(b, "--epochs", "2", "--log-every", "1", "--dropout", "0.1", "--stop-after", "50");
    assertEquals(0, first.code(), first.err());
    assertTrue(first.out().contains("stopped after step 50 of 90"), first.out());
    CliTest.Run rest = CliTest.run("train", "--resume", b.toString(), "--quiet");
    assertEquals(0, rest.code(), rest.err());
    List<String> la = trainLosses(a);
    assertEquals(90, la.size());
    assertEquals(la, trainLosses(b));
  }

  /** K-FAC's checkpoint (factors, inverses, velocities, counters) resumes bit for bit. */
  @Test
  void kfacResumeRepeatsTheUninterruptedLosses(@TempDir Path tmp) throws IOException {
    Path a = tmp.resolve("a");
    Path b = tmp.resolve("b");
    String[] opts = {"--optimizer", "kfac", "--steps", "16", "--log-every", "1", "--set",
        "optimizer.kfac.inverse_period=5", "--set", "optimizer.kfac.burnin=2"};
    assertEquals(0, train(a, opts).code());
    List<String> withStop = new java.util.ArrayList<>(List.of(opts));
    withStop.addAll(List.of("--stop-after", "9"));
    CliTest.Run first = train(b, withStop.toArray(new String[0]));
    assertEquals(0, first.code(), first.err());
    CliTest.Run rest = CliTest.run("train", "--resume", b.toString(), "--quiet");
    assertEquals(0, rest.code(), rest.err());
    List<String> la = trainLosses(a);
    assertEquals(16, la.size());
    assertEquals(la, trainLosses(b));
  }

  @Test
  void damagedOrMismatchedCheckpointsAreRefused(@TempDir Path tmp) throws IOException {
    Path a = tmp.resolve("a");
    assertEquals(0, train(a, "--steps", "3").code());
    CliTest.Run other = CliTest.run("train", "--resume", a.toString(), "--depth", "10", "--quiet");
    assertEquals(2, other.code());
    assertTrue(other.err().contains("was written with depth = 20, but this run has depth = 10"), other.err());
    Path ck = a.resolve("checkpoint.tlr");
    byte[] bytes = Files.readAllBytes(ck);
    bytes[bytes.length / 2] ^= 1;
    Files.write(ck, bytes);
    CliTest.Run bad = CliTest.run("train", "--resume", a.toString(), "--quiet");
    assertEquals(2, bad.code());
    assertTrue(bad.err().startsWith("tailor: " + ck + " is corrupt (SHA-256 mismatch"), bad.err());
    assertEquals(1, bad.err().strip().lines().count());
    CliTest.Run ev = CliTest.run("eval", "--checkpoint", a.toString());
    assertEquals(2, ev.code());
  }

  /** The safetensors header names every parameter with its PyTorch shape and float32 offsets. */
  @Test
  void safetensorsExportIsReadable(@TempDir Path tmp) throws IOException {
    Path a = tmp.resolve("a");
    assertEquals(0, train(a, "--steps", "2", "--depth", "2", "--method", "eoc").code());
    byte[] f = Files.readAllBytes(a.resolve("model.safetensors"));
    ByteBuffer b = ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN);
    long n = b.getLong();
    assertEquals(0, n % 8);
    JsonObject h = JsonParser.parseString(new String(f, 8, (int) n, StandardCharsets.UTF_8)).getAsJsonObject();
    assertEquals(List.of("__metadata__", "0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"),
        List.copyOf(h.keySet()), h.toString());
    JsonObject w0 = h.getAsJsonObject("0.weight");
    assertEquals("F32", w0.get("dtype").getAsString());
    assertEquals("[64,64]", w0.get("shape").toString()); // [out, in]: 0.25 * 256 units, 8x8 input
    assertEquals("[10,64]", h.getAsJsonObject("4.weight").get("shape").toString());
    long end = h.getAsJsonObject("4.bias").getAsJsonArray("data_offsets").get(1).getAsLong();
    assertEquals(f.length, 8 + n + end);
    // The last bias equals the checkpoint's value rounded to float32.
    ByteBuffer data = ByteBuffer.wrap(f, (int) (8 + n), (int) end).slice().order(ByteOrder.LITTLE_ENDIAN);
    long start = h.getAsJsonObject("4.bias").getAsJsonArray("data_offsets").get(0).getAsLong();
    float first = data.getFloat((int) start);
    assertTrue(Float.isFinite(first) && first != 0f, "trained bias " + first);
  }

  /**
   * The EOC baseline starts from the initialization of every other method, Orthogonal Delta,
   * at the ReLU edge of chaos sigma_w^2 = 2: its first (square, 64 x 64) layer satisfies
   * W W^T = 2 I to float32 rounding, where TAT's satisfies W W^T = I, and Gaussian He (only by
   * --init he) is not orthogonal at all. Read from the export after one step at learning rate 0.
   */
  @Test
  void eocStartsFromOrthogonalDeltaAtSigmaSquaredTwo(@TempDir Path tmp) throws IOException {
    double[] offDiagonal = new double[3];
    String[][] runs = {{"--method", "eoc"}, {"--method", "tat"}, {"--method", "eoc", "--init", "he"}};
    double[] diag = new double[3];
    for (int r = 0; r < runs.length; r++) {
      Path out = tmp.resolve("r" + r);
      List<String> args = new java.util.ArrayList<>(List.of("--steps", "1", "--lr", "0",
          "--warmup", "0"));
      args.addAll(List.of(runs[r]));
      CliTest.Run run = train(out, args.toArray(new String[0]));
      assertEquals(0, run.code(), run.err() + run.out());
      float[] w = firstWeight(out.resolve("model.safetensors"));
      double off = 0;
      double d = 0;
      for (int i = 0; i < 64; i++) {
        for (int j = 0; j < 64; j++) {
          double dot = 0;
          for (int k = 0; k < 64; k++) {
            dot += (double) w[i * 64 + k] * w[j * 64 + k];
          }
          if (i == j) {
            d += dot / 64;
          } else {
            off = Math.max(off, Math.abs(dot));
          }
        }
      }
      diag[r] = d;
      offDiagonal[r] = off;
    }
    assertEquals(2.0, diag[0], 1e-5, "eoc: mean squared row norm");
    assertTrue(offDiagonal[0] < 1e-5, "eoc rows orthogonal: " + offDiagonal[0]);
    assertEquals(1.0, diag[1], 1e-5, "tat: mean squared row norm");
    assertTrue(offDiagonal[2] > 0.1, "--init he is Gaussian: " + offDiagonal[2]);
  }

  /**
   * --warmup-epochs: the warm-up fraction is the epochs over the run (2 of 4 epochs: 0.5),
   * config.json records it with its source, a resumed run keeps it, and a warm-up longer than
   * the run or given twice is one line, exit 2.
   */
  @Test
  void warmupInEpochsBecomesTheRunsFraction(@TempDir Path tmp) throws IOException {
    Path out = tmp.resolve("w");
    CliTest.Run r = train(out, "--epochs", "4", "--warmup-epochs", "2", "--stop-after", "10");
    assertEquals(0, r.code(), r.err());
    JsonObject config = JsonParser.parseString(Files.readString(out.resolve("config.json"))).getAsJsonObject();
    assertEquals(0.5, config.getAsJsonObject("values").get("optimizer.sgd.warmup").getAsDouble(), 1e-15);
    assertEquals("--warmup-epochs", config.getAsJsonObject("sources").get("optimizer.sgd.warmup").getAsString());
    CliTest.Run rest = CliTest.run("train", "--resume", out.toString(), "--quiet");
    assertEquals(0, rest.code(), rest.err());
    CliTest.Run twice = train(tmp.resolve("t"), "--epochs", "4", "--warmup-epochs", "2", "--warmup", "0.1");
    assertEquals(2, twice.code());
    assertTrue(twice.err().strip().startsWith("tailor: both --warmup-epochs"), twice.err());
    CliTest.Run tooLong = train(tmp.resolve("l"), "--epochs", "4", "--warmup-epochs", "4");
    assertEquals(2, tooLong.code());
    assertTrue(tooLong.err().contains("not shorter than the run's"), tooLong.err());
    assertEquals(1, tooLong.err().strip().lines().count(), tooLong.err());
  }

  static float[] firstWeight(Path safetensors) throws IOException {
    byte[] f = Files.readAllBytes(safetensors);
    ByteBuffer b = ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN);
    long n = b.getLong();
    JsonObject h = JsonParser.parseString(new String(f, 8, (int) n, StandardCharsets.UTF_8)).getAsJsonObject();
    long start = h.getAsJsonObject("0.weight").getAsJsonArray("data_offsets").get(0).getAsLong();
    ByteBuffer data = ByteBuffer.wrap(f, (int) (8 + n + start), 64 * 64 * 4).slice()
        .order(ByteOrder.LITTLE_ENDIAN);
    float[] w = new float[64 * 64];
    data.asFloatBuffer().get(w);
    return w;
  }

  @Test
  void divergenceStopsWithAHint(@TempDir Path tmp) {
    CliTest.Run r = train(tmp.resolve("d"), "--epochs", "3", "--lr", "20", "--warmup", "0");
    assertEquals(2, r.code());
    String err = r.err().strip();
    assertTrue(err.startsWith("tailor: training diverged at step "), err);
    assertTrue(err.contains("no checkpoint had been written yet (--checkpoint-every 500). Hint: "
        + "start it again with a lower learning rate (now 20.0, e.g. --lr 6.67; the same --out works)"), err);
    assertEquals(1, err.lines().count(), err);
    assertTrue(Files.exists(tmp.resolve("d/metrics.csv")));
    // the hint can be followed: the same folder, a lower rate
    CliTest.Run again = train(tmp.resolve("d"), "--epochs", "1", "--lr", "0.005");
    assertEquals(0, again.code(), again.err());
  }

  @Test
  void helpBrokenConfigsAndRefusedRunsAreClean(@TempDir Path tmp) throws IOException {
    CliTest.Run help = CliTest.run("help", "train");
    assertEquals(0, help.code());
    assertTrue(help.out().startsWith("usage: tailor train"), help.out());
    // train --help lists every optimizer plugin's settings too
    assertTrue(help.out().contains("kfac: learning_rate=") && help.out().contains("damping=0.001"), help.out());
    Path bad = tmp.resolve("bad.json");
    Files.writeString(bad, "{\"depth\": 20,\n");
    CliTest.Run config = CliTest.run("train", "--config", bad.toString());
    assertEquals(2, config.code());
    assertEquals(1, config.err().strip().lines().count(), config.err());
    assertTrue(config.err().contains("is not valid JSON: End of input at line 2"), config.err());
    assertFalse(config.err().contains("Exception"), config.err());
    // a run refused before it starts leaves no empty output folder
    Path out = tmp.resolve("never");
    CliTest.Run refused = train(out, "--depth", "3", "--eta", "0.99");
    assertEquals(2, refused.code());
    assertFalse(Files.exists(out), "the refused run left " + out);
  }

  @Test
  void badInputIsOneLineWithExitCode2(@TempDir Path tmp) {
    String[][] cases = {
        {"--method", "tat", "--model", "resnet", "--depth", "18", "--norm", "batch"},
        {"--deph", "20"},
        {"--lr", "fast"},
        {"--dataset", "cifar10"},
        {"--optimizer", "sgdd"},
        {"--model", "resnet", "--depth", "51"},
        {"--block", "v3", "--model", "resnet", "--depth", "18"},
        {"--set", "optimizer.kfac.damping=1e-3"},
        {"--batch", "5000"},
        {"--method", "tat", "--activation", "relu"},
        {"--optimizer", "kfac", "--set", "optimizer.kfac.damping=-1"},
        {"--optimizer", "kfac", "--lr", "-0.1"},
        {"--optimizer", "kfac", "--set", "optimizer.kfac.inverse_period=0"},
        {"--optimizer", "kfac", "--set", "optimizer.kfac.ema=1.5"},
        {"--optimizer", "kfac", "--set", "optimizer.kfac.dampnig=0.1"},
        {"--optimizer", "lars", "--set", "optimizer.lars.trust_coefficient=0"},
    };
    String[] expect = {
        "--norm batch cannot be combined with --method tat",
        "unknown option '--deph' (from tailor train)",
        "is not a finite number",
        "dataset cifar10 needs its files: pass --data DIR",
        "unknown optimizer 'sgdd'",
        "resnet has no depth 51",
        "unknown block style 'v3'",
        "sets optimizer kfac, but the run uses sgd",
        "fewer than one batch of 5000",
        "relu cannot be shaped by TAT",
        "optimizer.kfac.damping = -1.0 is out of range",
        "optimizer.kfac.learning_rate = -0.1 is out of range",
        "optimizer.kfac.inverse_period = 0 is out of range",
        "optimizer.kfac.ema = 1.5 is out of range; allowed: (0, 1]",
        "Did you mean 'optimizer.kfac.damping'",
        "optimizer.lars.trust_coefficient must be > 0",
    };
    for (int i = 0; i < cases.length; i++) {
      CliTest.Run r = train(tmp.resolve("bad" + i), cases[i]);
      assertEquals(2, r.code(), String.join(" ", cases[i]) + ": " + r.err());
      assertTrue(r.err().contains(expect[i]), r.err());
      assertEquals(1, r.err().strip().lines().count(), r.err());
      assertFalse(r.err().contains("Exception"), r.err());
    }
  }
}
