package tailor.app.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's own architecture from a layer-graph file ({@code --graph}): shape, summary and train
 * use it as they use a model family (an export's model.json is such a file, and rebuilds the
 * same network), and a broken file is one line naming the place in it, exit 2.
 */
class GraphFileTest {
  static final String MLP = "{\"description\":\"my mlp\",\"graph\":{\"type\":\"seq\",\"layers\":["
      + "{\"type\":\"dense\",\"out\":32},{\"type\":\"act\"},{\"type\":\"dense\",\"out\":32},"
      + "{\"type\":\"act\"},{\"type\":\"dense\",\"out\":32},{\"type\":\"act\"},"
      + "{\"type\":\"dense\",\"out\":10}]}}";

  static void oneLine(CliRun r, String expected) {
    assertEquals(2, r.code(), r.out() + r.err());
    assertTrue(r.err().contains(expected), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
  }

  @Test
  void aGraphFileTrainsAndShapesLikeTheFamilyItDescribes(@TempDir Path tmp) throws IOException {
    Path g = Files.writeString(tmp.resolve("mlp.json"), MLP);
    CliRun t = CliRun.of("train", "--graph", g.toString(), "--eta", "0.5", "--steps", "30",
        "--threads", "1", "--quiet", "--out", tmp.resolve("run").toString());
    assertEquals(0, t.code(), t.err());
    JsonObject card = JsonParser.parseString(Files.readString(tmp.resolve("run/model.json")))
        .getAsJsonObject();
    assertEquals("my mlp", card.getAsJsonObject("model").get("description").getAsString());
    // the card as a graph file: the same architecture, the same shaped activation
    CliRun a = CliRun.of("shape", "--graph", g.toString(), "--eta", "0.5", "--json");
    CliRun b = CliRun.of("shape", "--graph", tmp.resolve("run/model.json").toString(), "--eta",
        "0.5", "--json");
    assertEquals(0, a.code(), a.err());
    assertEquals(JsonParser.parseString(a.out()).getAsJsonObject().get("params"),
        JsonParser.parseString(b.out()).getAsJsonObject().get("params"));
    // an mlp of 3 hidden layers from the family: the same parameters
    CliRun family = CliRun.of("shape", "--model", "mlp", "--depth", "3", "--eta", "0.5", "--json");
    assertEquals(JsonParser.parseString(family.out()).getAsJsonObject().get("params"),
        JsonParser.parseString(a.out()).getAsJsonObject().get("params"));
    CliRun s = CliRun.of("model", "summary", "--graph", g.toString(), "--input", "64");
    assertEquals(0, s.code(), s.err());
    assertTrue(s.out().contains("nonlinearities on the longest path: 3"), s.out());

    oneLine(CliRun.of("train", "--graph", g.toString(), "--depth", "30", "--steps", "1",
        "--quiet", "--out", tmp.resolve("r2").toString()), "--depth (from command line) does not "
        + "apply with --graph");
    Path five = Files.writeString(tmp.resolve("five.json"), MLP.replace("\"out\":10", "\"out\":5"));
    oneLine(CliRun.of("train", "--graph", five.toString(), "--eta", "0.5", "--steps", "1",
        "--quiet", "--out", tmp.resolve("r3").toString()), "gives outputs [5] for inputs");
    oneLine(CliRun.of("model", "summary", "--graph", g.toString()), "states no input shape; give --input");
  }

  @Test
  void aBrokenGraphFileIsOneLineNamingThePlace(@TempDir Path tmp) throws IOException {
    Path notJson = Files.writeString(tmp.resolve("a.json"), "{\"type\": \"seq\", \"layers\": [");
    oneLine(CliRun.of("shape", "--graph", notJson.toString()), "a.json is not JSON");
    Path unknown = Files.writeString(tmp.resolve("b.json"), "{\"type\":\"seq\",\"layers\":["
        + "{\"type\":\"act\"},{\"type\":\"seq\",\"layers\":[{\"type\":\"lstm\"}]}]}");
    oneLine(CliRun.of("shape", "--graph", unknown.toString()),
        "unknown layer type 'lstm' (from --graph " + unknown + " at layers[1].layers[0])");
    Path weights = Files.writeString(tmp.resolve("c.json"), "{\"type\":\"nsum\",\"branches\":["
        + "{\"weight\":0.8,\"body\":{\"type\":\"act\"}},{\"weight\":0.8,\"body\":{\"type\":\"seq\",\"layers\":[]}}]}");
    oneLine(CliRun.of("shape", "--graph", weights.toString()), "(the root): the squared branch "
        + "weights sum to 1.28");
    Path key = Files.writeString(tmp.resolve("d.json"), "{\"graph\":{\"type\":\"seq\",\"layers\":"
        + "[{\"type\":\"conv\",\"out\":4,\"kernel\":3,\"dilation\":2}]}}");
    oneLine(CliRun.of("shape", "--graph", key.toString()), "unknown key of a conv layer 'dilation' "
        + "(from --graph " + key + " at graph.layers[0])");
    Path shapes = Files.writeString(tmp.resolve("e.json"), "{\"input\":[64],\"graph\":{\"type\":"
        + "\"seq\",\"layers\":[{\"type\":\"dense\",\"out\":4},{\"type\":\"conv\",\"out\":4,\"kernel\":3}]}}");
    oneLine(CliRun.of("model", "summary", "--graph", shapes.toString()), "needs an image input");
    Path list = Files.writeString(tmp.resolve("f.json"), "[1, 2]");
    oneLine(CliRun.of("shape", "--graph", list.toString()), "holds a list, not a JSON object");
  }
}
