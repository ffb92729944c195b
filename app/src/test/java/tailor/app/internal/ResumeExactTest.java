package tailor.app.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A run stopped part way and resumed ends in exactly the state of the run that was never
 * stopped: every parameter, batch-norm buffer and optimizer state tensor (momentum, K-FAC's
 * factors and inverses) bit for bit, the same position, and the same full-precision
 * metrics.jsonl rows (all but the timing fields). Digits MLP with dropout (so the per-step
 * randomness is replayed too), 1 thread.
 */
class ResumeExactTest {
  static CliRun train(Path out, String optimizer, String... extra) {
    List<String> a = new ArrayList<>(List.of("train", "--threads", "1", "--depth", "12", "--eta", "0.8",
        "--width", "0.25", "--batch", "32", "--epochs", "2", "--dropout", "0.1", "--log-every",
        "1", "--optimizer", optimizer, "--quiet", "--out", out.toString()));
    a.addAll(List.of(extra));
    return CliRun.of(a.toArray(new String[0]));
  }

  /** metrics.jsonl rows without the fields that measure time. */
  static List<JsonObject> rows(Path dir) throws IOException {
    List<JsonObject> out = new ArrayList<>();
    for (String line : Files.readAllLines(dir.resolve("metrics.jsonl"))) {
      JsonObject o = JsonParser.parseString(line).getAsJsonObject();
      o.remove("images_per_s");
      o.remove("elapsed_s");
      out.add(o);
    }
    return out;
  }

  @ParameterizedTest
  @ValueSource(strings = {"sgd", "kfac"})
  void aResumedRunEndsInTheUninterruptedState(String optimizer, @TempDir Path tmp) throws IOException {
    Path a = tmp.resolve("a");
    Path b = tmp.resolve("b");
    CliRun whole = train(a, optimizer);
    assertEquals(0, whole.code(), whole.err());
    CliRun part = train(b, optimizer, "--stop-after", "37");
    assertEquals(0, part.code(), part.err());
    CliRun rest = CliRun.of("train", "--resume", b.toString(), "--quiet");
    assertEquals(0, rest.code(), rest.err());

    Checkpoint ca = Checkpoint.read(a);
    Checkpoint cb = Checkpoint.read(b);
    assertEquals(ca.position.step(), cb.position.step());
    assertEquals(ca.position.epoch(), cb.position.epoch());
    assertEquals(ca.position.batchInEpoch(), cb.position.batchInEpoch());
    assertEquals(ca.position.lastLoss(), cb.position.lastLoss(), 0.0);
    assertEquals(ca.tensors.keySet(), cb.tensors.keySet());
    int state = 0;
    for (Map.Entry<String, double[]> e : ca.tensors.entrySet()) {
      assertArrayEquals(e.getValue(), cb.tensors.get(e.getKey()), e.getKey());
      state += e.getKey().startsWith("opt/") ? 1 : 0;
    }
    assertTrue(state > 0, "the optimizer has state to compare: " + ca.tensors.keySet());
    List<JsonObject> ra = rows(a);
    assertTrue(ra.size() > 50, ra.size() + " rows");
    assertEquals(ra, rows(b));
  }
}
