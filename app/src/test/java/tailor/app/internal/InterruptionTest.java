package tailor.app.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Interruptions keep the work: a SIGTERM (or SIGINT) during training finishes the step, writes
 * a checkpoint, says how to resume and exits 143 (130); the resumed run ends where an
 * uninterrupted one does. A run stopped before its first checkpoint can be started again in its
 * folder, and the temporary files of a killed write are removed. (The real signal is sent to the
 * built CLI in .ci/run; here the handler's request is made directly.)
 */
class InterruptionTest {
  static CliRun train(Path out, String... extra) {
    List<String> a = new ArrayList<>(List.of("train", "--threads", "1", "--depth", "20", "--width",
        "0.25", "--batch", "32", "--steps", "120", "--log-every", "1", "--checkpoint-every",
        "1000", "--quiet", "--out", out.toString()));
    a.addAll(List.of(extra));
    return CliRun.of(a.toArray(new String[0]));
  }

  static List<String> losses(Path dir) throws IOException {
    return Files.readAllLines(dir.resolve("metrics.csv")).stream().filter(l -> l.startsWith("train,"))
        .map(l -> l.split(",")[1] + ":" + l.split(",")[3]).toList();
  }

  @Test
  void aSignalStopsAfterTheStepWithACheckpointAndTheRunResumes(@TempDir Path tmp) throws Exception {
    Path whole = tmp.resolve("whole");
    assertEquals(0, train(whole).code());
    Path cut = tmp.resolve("cut");
    // once the loop is running (metrics rows are written), "send" SIGTERM from another thread;
    // the run itself stays on this thread (the backend's gradient mode is per thread)
    Path rows = cut.resolve("metrics.csv");
    Thread watcher = new Thread(() -> {
      try {
        while (!Files.exists(rows) || Files.readAllLines(rows).size() < 3) {
          Thread.sleep(2);
        }
      } catch (IOException | InterruptedException e) {
        return;
      }
      Interruption.request("TERM");
    });
    watcher.setDaemon(true);
    watcher.start();
    CliRun r = train(cut);
    watcher.join(1000);
    assertEquals(143, r.code(), r.err());
    String line = r.err().strip();
    assertTrue(line.matches("tailor train: stopped by SIGTERM after step \\d+ of 120 with a "
        + "checkpoint; continue with: tailor train --resume .*cut"), line);
    assertTrue(Checkpoint.exists(cut));
    assertTrue(JsonParser.parseString(Files.readString(cut.resolve("summary.json")))
        .getAsJsonObject().get("stopped_early").getAsBoolean());
    long at = Checkpoint.read(cut).position.step();
    assertTrue(at > 0 && at < 120, "stopped at " + at);
    assertFalse(ExperimentCommand.finished(cut), "an interrupted run is not a finished one");
    CliRun rest = CliRun.of("train", "--resume", cut.toString(), "--quiet");
    assertEquals(0, rest.code(), rest.err());
    assertEquals(losses(whole), losses(cut));
  }

  @Test
  void aRunStoppedBeforeItsFirstCheckpointStartsAgainInItsFolder(@TempDir Path tmp)
      throws IOException {
    Path dir = tmp.resolve("run");
    assertEquals(0, train(dir, "--steps", "5").code());
    // as if it had been killed before its first checkpoint, in the middle of a write
    Files.delete(dir.resolve(Checkpoint.FILE));
    Files.delete(dir.resolve("summary.json"));
    Path stale = dir.resolve(".checkpoint.tlr4711.tmp");
    Files.writeString(stale, "half a checkpoint");
    CliRun resume = CliRun.of("train", "--resume", dir.toString(), "--quiet");
    assertEquals(2, resume.code());
    assertTrue(resume.err().contains("stopped before its first checkpoint (checkpoint.tlr), so "
        + "there is nothing to resume; start it again with the same command without --resume"),
        resume.err());
    assertEquals(1, resume.err().strip().lines().count(), resume.err());
    CliRun again = train(dir, "--steps", "5");
    assertEquals(0, again.code(), again.err());
    assertTrue(again.out().contains("holds a run that stopped before its first checkpoint; "
        + "starting it again there"), again.out());
    assertFalse(Files.exists(stale), "the killed write's temporary file is removed");
    assertEquals(5, losses(dir).size(), "the metrics start afresh");
    // a folder with a checkpoint is still never overwritten
    CliRun third = train(dir, "--steps", "5");
    assertEquals(2, third.code());
    assertTrue(third.err().contains("already holds a training run"), third.err());
  }
}
