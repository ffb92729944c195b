package tailor.app.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Divergence is more than NaN: a loss that leaves its band around the recent median stops the
 * run; checkpoints are taken only while the loss is healthy; and the hint (resume with a lower
 * learning rate) can be followed, the change recorded in config.json.
 */
class DivergenceTest {
  @Test
  void theBandIsTenTimesTheRecentMedianAfterTheWarmUp() {
    // a window of 50 steps, warm-up to step 80
    Trainer.LossBand band = new Trainer.LossBand(10, 50, 80);
    for (int step = 0; step < 80; step++) {
      // during the warm-up even a large jump is left alone (only NaN would stop it)
      assertNull(band.check(step, step == 60 ? 1e3 : 2.0), "step " + step);
    }
    assertTrue(band.check(80, Double.NaN).contains("the loss is NaN"));
    assertNull(band.check(80, 19.9), "below 10 x the median 2.0");
    String why = band.check(81, 20.5);
    assertTrue(why != null && why.contains("the loss 20.50 is above 10 times the median 2.000 of the "
        + "last 50 steps"), why);
    assertTrue(band.healthy(5.9));
    assertFalse(band.healthy(6.1), "above 3 x the median: no checkpoint");
    // a converged run (median 0.016) may wobble to 0.2: the scale never drops below chance
    Trainer.LossBand low = new Trainer.LossBand(10, 50, 0, Math.log(10));
    for (int step = 0; step < 50; step++) {
      assertNull(low.check(step, 0.016));
    }
    assertNull(low.check(50, 0.2), "0.2 is no divergence");
    assertTrue(low.check(51, 30.0) != null, "above 10 x ln 10");
    Trainer.LossBand off = new Trainer.LossBand(0, 50, 0);
    for (int step = 0; step < 60; step++) {
      assertNull(off.check(step, 2.0));
    }
    assertNull(off.check(60, 2e6), "factor 0: only NaN and infinity stop a run");
    assertTrue(off.check(61, Double.POSITIVE_INFINITY).contains("Infinity"));
  }

  @Test
  void aRunResumesAtALowerLearningRateAndConfigJsonRecordsIt(@TempDir Path tmp) throws IOException {
    Path dir = tmp.resolve("run");
    CliRun first = CliRun.of("train", "--threads", "1", "--depth", "20", "--width", "0.25",
        "--steps", "30", "--stop-after", "10", "--lr", "0.01", "--quiet", "--out", dir.toString());
    assertEquals(0, first.code(), first.err());
    CliRun other = CliRun.of("train", "--resume", dir.toString(), "--width", "0.5", "--quiet");
    assertEquals(2, other.code(), "the learning rate may change, the network may not");
    CliRun rest = CliRun.of("train", "--resume", dir.toString(), "--lr", "0.003", "--quiet");
    assertEquals(0, rest.code(), rest.err());
    JsonObject config = JsonParser.parseString(Files.readString(dir.resolve("config.json")))
        .getAsJsonObject();
    JsonArray changes = config.getAsJsonArray("changes_on_resume");
    assertEquals(1, changes.size(), config.toString());
    JsonObject ch = changes.get(0).getAsJsonObject();
    assertEquals(10, ch.get("step").getAsLong());
    assertEquals("optimizer.sgd.learning_rate", ch.get("key").getAsString());
    assertEquals(0.01, Double.parseDouble(ch.get("from").getAsString()));
    assertEquals(0.003, Double.parseDouble(ch.get("to").getAsString()));
    assertEquals(0.003, config.getAsJsonObject("values").get("optimizer.sgd.learning_rate").getAsDouble());
    // the record travels with the checkpoint
    assertEquals(changes, Checkpoint.read(dir).config.getAsJsonArray("changes_on_resume"));
    assertEquals(30, JsonParser.parseString(Files.readString(dir.resolve("summary.json")))
        .getAsJsonObject().get("steps").getAsInt());
  }
}
