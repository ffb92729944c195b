package tailor.app.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The export describes itself: every tensor of model.safetensors equals the checkpoint's value
 * rounded to float32 at the offsets its header gives, batch-norm tensors carry PyTorch's names,
 * the model card in the metadata (and model.json) names every tensor through its graph and
 * states the preprocessing and the activation; {@code tailor eval --predictions} writes the
 * logits the evaluation scored.
 */
class ExportTest {

  /** A file read by the format's definition, independently of the writer. */
  record Read(Map<String, String> meta, Map<String, float[]> f32, Map<String, long[]> i64,
      Map<String, String> shapes) {}

  static Read read(Path file) throws IOException {
    byte[] f = Files.readAllBytes(file);
    ByteBuffer b = ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN);
    long n = b.getLong();
    assertEquals(0, n % 8, "the header is padded to 8 bytes");
    JsonObject h = JsonParser.parseString(new String(f, 8, (int) n, StandardCharsets.UTF_8))
        .getAsJsonObject();
    Map<String, String> meta = new LinkedHashMap<>();
    h.getAsJsonObject("__metadata__").entrySet()
        .forEach(e -> meta.put(e.getKey(), e.getValue().getAsString()));
    Map<String, float[]> f32 = new LinkedHashMap<>();
    Map<String, long[]> i64 = new LinkedHashMap<>();
    Map<String, String> shapes = new LinkedHashMap<>();
    long expectedStart = 0;
    for (Map.Entry<String, JsonElement> e : h.entrySet()) {
      if (e.getKey().equals("__metadata__")) {
        continue;
      }
      JsonObject t = e.getValue().getAsJsonObject();
      long count = 1;
      for (JsonElement d : t.getAsJsonArray("shape")) {
        count *= d.getAsLong();
      }
      long start = t.getAsJsonArray("data_offsets").get(0).getAsLong();
      long end = t.getAsJsonArray("data_offsets").get(1).getAsLong();
      assertEquals(expectedStart, start, e.getKey() + " starts where the previous tensor ends");
      ByteBuffer data = ByteBuffer.wrap(f, (int) (8 + n + start), (int) (end - start)).slice()
          .order(ByteOrder.LITTLE_ENDIAN);
      String dtype = t.get("dtype").getAsString();
      if (dtype.equals("F32")) {
        assertEquals(4 * count, end - start, e.getKey());
        float[] v = new float[(int) count];
        data.asFloatBuffer().get(v);
        f32.put(e.getKey(), v);
      } else {
        assertEquals("I64", dtype, e.getKey());
        assertEquals(8 * count, end - start, e.getKey());
        long[] v = new long[(int) count];
        data.asLongBuffer().get(v);
        i64.put(e.getKey(), v);
      }
      shapes.put(e.getKey(), t.getAsJsonArray("shape").toString());
      expectedStart = end;
    }
    assertEquals(f.length, 8 + n + expectedStart, "every byte after the header is a tensor's");
    return new Read(meta, f32, i64, shapes);
  }

  /** The tensor name prefixes the card's graph declares, collected from its named nodes. */
  static void names(JsonElement node, List<String[]> out) {
    JsonObject o = node.getAsJsonObject();
    if (o.has("name")) {
      out.add(new String[] {o.get("type").getAsString(), o.get("name").getAsString(),
          o.has("bias") ? o.get("bias").getAsString() : "false"});
    }
    for (String k : List.of("layers", "branches")) {
      if (o.has(k)) {
        for (JsonElement c : o.getAsJsonArray(k)) {
          names(c.getAsJsonObject().has("body") ? c.getAsJsonObject().get("body") : c, out);
        }
      }
    }
  }

  /** The tensors the card's graph says the file holds, by name. */
  static Set<String> declared(JsonObject card) {
    List<String[]> nodes = new ArrayList<>();
    names(card.get("graph"), nodes);
    Set<String> out = new LinkedHashSet<>();
    for (String[] n : nodes) {
      if (n[0].equals("bn")) {
        for (String s : List.of("weight", "bias", "running_mean", "running_var", "num_batches_tracked")) {
          out.add(n[1] + "." + s);
        }
      } else {
        out.add(n[1] + ".weight");
        if (n[2].equals("true")) {
          out.add(n[1] + ".bias");
        }
      }
    }
    return out;
  }

  @Test
  void everyTensorIsTheCheckpointsValueAndTheCardNamesThemAll(@TempDir Path tmp) throws IOException {
    Path run = tmp.resolve("run");
    CliRun t = CliRun.of("train", "--steps", "5", "--depth", "3", "--eta", "0.5", "--width", "0.25",
        "--threads", "1", "--quiet", "--out", run.toString());
    assertEquals(0, t.code(), t.err());
    Read r = read(run.resolve("model.safetensors"));
    Checkpoint ck = Checkpoint.read(run);
    int params = 0;
    for (Map.Entry<String, double[]> e : ck.tensors.entrySet()) {
      if (!e.getKey().startsWith("param/")) {
        continue;
      }
      params++;
      String name = e.getKey().substring("param/".length());
      float[] got = r.f32().get(name);
      assertTrue(got != null, "no tensor " + name + " in " + r.f32().keySet());
      assertEquals(e.getValue().length, got.length, name);
      for (int i = 0; i < got.length; i++) {
        assertEquals((float) e.getValue()[i], got[i], 0.0f, name + "[" + i + "]");
      }
    }
    assertEquals(params, r.f32().size(), "the file holds the parameters and nothing else");
    JsonObject card = JsonParser.parseString(r.meta().get("tailor")).getAsJsonObject();
    assertEquals(card, JsonParser.parseString(Files.readString(run.resolve("model.json"))),
        "model.json is the card in the metadata");
    assertEquals(r.f32().keySet(), declared(card));
    assertEquals("[64,64]", r.shapes().get("0.weight")); // [out, in]
    JsonObject act = card.getAsJsonObject("activation");
    assertEquals("leaky_relu", act.get("base").getAsString());
    JsonObject saved = ck.config.getAsJsonObject("values");
    assertEquals("tat", saved.get("method").getAsString());
    // the shaped activation's parameters as numbers, equal to the run's
    String summary = Files.readString(run.resolve("summary.json"));
    assertTrue(summary.contains("negative_slope=" + act.get("negative_slope").getAsDouble()), summary);
    assertTrue(summary.contains("output_scale=" + act.get("output_scale").getAsDouble()), summary);
    assertEquals(1.0, act.get("input_scale").getAsDouble());
    // digits: per-position means over the 64 pixels, one common scale
    JsonObject p = card.getAsJsonObject("preprocessing");
    assertEquals("position", p.get("mean_per").getAsString());
    assertEquals(64, p.getAsJsonArray("mean").size());
    assertEquals(1.0 / 255, p.get("scale").getAsDouble(), 0.0);
    assertEquals(10, card.getAsJsonArray("classes").size());
    assertEquals(5, card.getAsJsonObject("model").get("steps_trained").getAsInt());
  }

  /** A tiny CIFAR-10 binary folder: labels k % 10, pixels from a fixed formula. */
  static Path cifar(Path dir, int perFile) throws IOException {
    Files.createDirectories(dir);
    int image = 0;
    for (String name : List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
        "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin")) {
      try (OutputStream out = Files.newOutputStream(dir.resolve(name))) {
        for (int k = 0; k < perFile; k++, image++) {
          out.write(image % 10);
          for (int i = 0; i < 3072; i++) {
            out.write((image * 131 + i * 7 + (i / 1024) * 50) & 0xff);
          }
        }
      }
    }
    return dir;
  }

  @Test
  void batchNormTensorsHavePyTorchsNamesAndTheCardStatesCifarsPreprocessing(@TempDir Path tmp)
      throws IOException {
    Path data = cifar(tmp.resolve("cifar"), 8);
    Path run = tmp.resolve("run");
    CliRun t = CliRun.of("train", "--dataset", "cifar10", "--data", data.toString(), "--model",
        "cifar-resnet", "--depth", "8", "--width", "0.25", "--norm", "batch", "--method", "eoc",
        "--shortcut-weight", "none", "--batch", "8", "--steps", "3", "--stop-after", "2",
        "--threads", "1", "--quiet", "--out", run.toString());
    assertEquals(0, t.code(), t.err());
    // the resume of a run trained with --method eoc and the default activation (it once
    // refused: the saved default leaky_relu read as a user's --activation)
    CliRun rest = CliRun.of("train", "--resume", run.toString(), "--quiet");
    assertEquals(0, rest.code(), rest.err());
    Read r = read(run.resolve("model.safetensors"));
    Set<String> all = new LinkedHashSet<>(r.f32().keySet());
    all.addAll(r.i64().keySet());
    JsonObject card = JsonParser.parseString(r.meta().get("tailor")).getAsJsonObject();
    assertEquals(declared(card), all, "the graph names every tensor, and only those");
    assertFalse(all.stream().anyMatch(n -> n.endsWith(".scale") || n.endsWith(".shift")), all.toString());
    Checkpoint ck = Checkpoint.read(run);
    int bn = 0;
    for (String n : r.i64().keySet()) {
      assertTrue(n.endsWith(".num_batches_tracked"), n);
      assertEquals(3, r.i64().get(n)[0], n);
      assertEquals("[]", r.shapes().get(n), n);
      String layer = n.substring(0, n.length() - ".num_batches_tracked".length());
      assertArrayEquals(ck.tensors.get("param/" + layer + ".scale"), r.f32().get(layer + ".weight"));
      assertArrayEquals(ck.tensors.get("param/" + layer + ".shift"), r.f32().get(layer + ".bias"));
      assertArrayEquals(ck.tensors.get("buffer/" + layer + ".running_var"),
          r.f32().get(layer + ".running_var"));
      bn++;
    }
    assertTrue(bn >= 7, bn + " batch-norm layers in a ResNet-8");
    JsonObject p = card.getAsJsonObject("preprocessing");
    assertEquals("channel", p.get("mean_per").getAsString());
    assertEquals((double) 0.4914f, p.getAsJsonArray("mean").get(0).getAsDouble(), 0.0);
    assertEquals((double) 0.2616f, p.getAsJsonArray("std").get(2).getAsDouble(), 0.0);
    assertEquals("none", p.get("eval_transform").getAsString());
    assertEquals("[3,32,32]", card.getAsJsonObject("input").get("shape").toString());
    assertEquals("relu", card.getAsJsonObject("activation").get("base").getAsString());

    // eval of the same (it refused for the same reason)
    Path csv = tmp.resolve("p.csv");
    CliRun e = CliRun.of("eval", "--checkpoint", run.toString(), "--threads", "1",
        "--predictions", csv.toString(), "--json");
    assertEquals(0, e.code(), e.err());
    JsonObject ev = JsonParser.parseString(e.out()).getAsJsonObject();
    List<String> rows = Files.readAllLines(csv);
    assertEquals("index,label,predicted,logit_0,logit_1,logit_2,logit_3,logit_4,logit_5,logit_6,"
        + "logit_7,logit_8,logit_9", rows.get(0));
    assertEquals(9, rows.size(), "a row per test example");
    double loss = 0;
    int hits = 0;
    for (int i = 1; i < rows.size(); i++) {
      String[] c = rows.get(i).split(",");
      assertEquals(i - 1, Integer.parseInt(c[0]), "file order");
      int label = Integer.parseInt(c[1]);
      assertEquals((i - 1 + 40) % 10, label, "the test records' labels");
      double[] z = new double[10];
      int best = 0;
      for (int k = 0; k < 10; k++) {
        z[k] = Float.parseFloat(c[3 + k]);
        best = z[k] > z[best] ? k : best;
      }
      assertEquals(best, Integer.parseInt(c[2]), "predicted is the largest logit");
      double max = java.util.Arrays.stream(z).max().getAsDouble();
      double s = 0;
      for (double v : z) {
        s += Math.exp(v - max);
      }
      loss += max + Math.log(s) - z[label];
      hits += best == label ? 1 : 0;
    }
    // the logits are the float32 values the evaluation scored, written exactly
    assertEquals(ev.get("loss").getAsDouble(), loss / 8, 1e-12);
    assertEquals(ev.get("top1").getAsDouble(), hits / 8.0, 0.0);

    CliRun bad = CliRun.of("eval", "--checkpoint", run.toString(), "--threads", "1",
        "--predictions", tmp.resolve("no/such/p.csv").toString());
    assertEquals(2, bad.code(), bad.err());
    assertTrue(bad.err().contains("does not exist"), bad.err());
    assertEquals(1, bad.err().strip().lines().count(), bad.err());
  }

  static void assertArrayEquals(double[] expected, float[] got) {
    assertEquals(expected.length, got.length);
    for (int i = 0; i < got.length; i++) {
      assertEquals((float) expected[i], got[i], 0.0f, "[" + i + "]");
    }
  }
}
