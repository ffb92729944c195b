package tailor.app.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A checkpoint records the classes it was trained on, in label order, and {@code tailor eval}
 * refuses data whose classes differ (the labels would silently mean other classes).
 */
class EvalClassesTest {
  @Test
  void evalRefusesDataWithOtherClasses(@TempDir Path tmp) {
    Path run = tmp.resolve("run");
    CliRun t = CliRun.of("train", "--steps", "3", "--threads", "1", "--out",
        run.toString(), "--quiet");
    assertEquals(0, t.code(), t.err());
    Checkpoint ck = Checkpoint.read(run);
    List<String> digits = new ArrayList<>();
    for (int k = 0; k < 10; k++) {
      digits.add(Integer.toString(k));
    }
    assertEquals(digits, ck.classes, "the checkpoint names the digits classes in label order");
    CliRun same = CliRun.of("eval", "--checkpoint", run.toString(), "--threads", "1");
    assertEquals(0, same.code(), same.err());

    // the same checkpoint as if trained on data whose classes 3 and 5 were swapped
    List<String> swapped = new ArrayList<>(digits);
    swapped.set(3, "5");
    swapped.set(5, "3");
    new Checkpoint(ck.config, ck.position, ck.tensors, swapped).write(run);
    CliRun other = CliRun.of("eval", "--checkpoint", run.toString(), "--threads", "1");
    assertEquals(2, other.code(), other.err());
    assertTrue(other.err().contains("was trained on 10 classes (0, 1, 2, 5, 4, ... 9) but the "
        + "digits data has 10 (0, 1, 2, 3, 4, ... 9)"), other.err());
    assertEquals(1, other.err().strip().lines().count(), other.err());
  }
}
