package tailor.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tailor.app.internal.CliRun;

class CliTest {
  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    CliRun r = CliRun.of(args);
    return new Run(r.code(), r.out(), r.err());
  }

  @Test
  void jsonHasExactlyTheDocumentedKeys() {
    Run r = run("shape", "--method", "tat", "--activation", "leaky_relu", "--model", "resnet",
        "--depth", "101", "--shortcut-weight", "0.6", "--eta", "0.75", "--at", "-1,0,2", "--json");
    assertEquals(0, r.code(), r.err());
    JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
    assertEquals(List.of("method", "activation", "model", "depth", "shortcut_weight", "block",
        "targets", "params", "local", "network", "values", "solve_ms"), List.copyOf(o.keySet()));
    // Golden values: dks tests/test_activation_transform.py (ResNet-101-like, w = 0.6, eta 0.75).
    assertEquals(0.6291800290346146, o.getAsJsonObject("params").get("negative_slope").getAsDouble(), 1e-15);
    assertEquals(1.196996549778802, o.getAsJsonObject("params").get("output_scale").getAsDouble(), 1e-15);
    assertEquals(List.of("negative_slope", "output_scale"), List.copyOf(o.getAsJsonObject("params").keySet()));
    assertEquals(List.of("q_slope_1", "c_0", "c_slope_1", "c_curv_1"), List.copyOf(o.getAsJsonObject("local").keySet()));
    assertEquals(List.of("c_0", "c_slope_1", "c_curv_1"), List.copyOf(o.getAsJsonObject("network").keySet()));
    assertEquals(0.75, o.getAsJsonObject("network").get("c_0").getAsDouble(), 1e-8);
    assertEquals(0.75, o.getAsJsonObject("targets").get("eta").getAsDouble(), 0.0);
    var values = o.getAsJsonArray("values");
    assertEquals(3, values.size());
    assertEquals(-0.6291800290346146 * 1.196996549778802,
        values.get(0).getAsJsonObject().get("y").getAsDouble(), 1e-15);
    assertEquals(2 * 1.196996549778802, values.get(2).getAsJsonObject().get("y").getAsDouble(), 1e-15);
  }

  /** kfac-jax examples/lrelunet101_imagenet: "generated using the TAT method with eta=0.9". */
  @ParameterizedTest
  @CsvSource({"50, 0.4259071946144104, 1.301119175166785",
      "101, 0.5704395323991776, 1.2284042441106242",
      "152, 0.6386479139328003, 1.1918827706862754"})
  void kfacJaxTreluConstants(int depth, double slope, double scale) {
    Run r = run("shape", "--activation", "leaky_relu", "--depth", String.valueOf(depth), "--json");
    JsonObject p = JsonParser.parseString(r.out()).getAsJsonObject().getAsJsonObject("params");
    assertEquals(slope, p.get("negative_slope").getAsDouble(), 1e-7 * slope);
    assertEquals(scale, p.get("output_scale").getAsDouble(), 1e-7 * scale);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "shape --activation tahn | unknown activation 'tahn' (from --activation); known: asinh, atan, bentid, elu, erf, gelu, gelu_exact, leaky_relu, relu, selu, sigmoid, softplus, softsign, square, swish, tanh. Did you mean 'tanh'?",
      "shape --method tta | unknown method 'tta' (from --method); known: dks, tat, tat-lrelu, tat-smooth, untransformed. Did you mean 'tat'?",
      "shape --model resnt | unknown model 'resnt' (from --model); known: cifar-resnet, mlp, resnet. Did you mean 'resnet'?",
      "shape --eta 1.5 | eta = 1.5 (from --eta) is outside [0, 1]",
      "train --holdout 1.5 | --holdout 1.5 (from command line) is outside (0, 1)",
      "train --holdout -0.1 | --holdout -0.1 (from command line) is outside (0, 1)",
      "train --sigma-w big | --sigma-w 'big' (from command line) must be a number > 0 or auto",
      "shape --activation tanh --tau 0 | tau = 0 (from --tau) must be > 0",
      "shape --method dks --activation tanh --zeta 1 | zeta = 1 (from --zeta) must be > 1",
      "shape --shortcut-weight 1.5 | shortcut weight w = 1.5 (from --shortcut-weight) is outside [0, 1]",
      "shape --depth 51 | resnet has no depth 51 (from --depth); known depths: 18, 34, 50, 101, 152, 200",
      "shape --model mlp --depth 10 --eta 0.9 | eta = 0.9 is not reachable for mlp depth 10: the largest C_f(0) any leaky-ReLU slope gives is 0.8715 (negative_slope 0); use eta <= 0.8715 or a deeper network",
      "shape --method tat --activation relu | relu cannot be shaped by TAT; use leaky_relu (TAT-LReLU) or a smooth activation",
      "shape --depth fifty | --depth = 'fifty' is not a whole number",
      "shape --etta 0.9 | unknown option '--etta' (from tailor shape)",
      "shape --method tat --activation square | tat-smooth could not find parameters for square meeting Q(1) = 1, Q'(1) = 1.000000000, C'(1) = 1.000000000, C''(1) = 0.006122449040: tried 50 starts of (input_scale, input_shift, output_shift)",
      "shap | unknown command 'shap' (from tailor); known: bench, compare, eval, experiment, help, model, plugins, shape, train, version. Did you mean 'shape'?",
      "model summary --depth 51 | resnet has no depth 51 (from --depth); known depths: 18, 34, 50, 101, 152, 200",
      "model summary --block v3 | unknown block style 'v3' (from --block); known: v1, v2. Did you mean 'v1'?",
      "model summary --model resnet --input 784 | conv 7x7 at layer 0 needs an image input [channels, height, width], but gets shape [784]",
      "model sumary | unknown model subcommand 'sumary' (from tailor model); known: summary. Did you mean 'summary'?"})
  void badInputIsOneLineAndExitCodeTwo(String args, String expected) {
    Run r = run(args.trim().split(" "));
    assertEquals(2, r.code(), r.out() + r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().startsWith("tailor: " + expected.trim()), r.err());
    assertTrue(!r.err().contains("Exception"), r.err());
  }

  @Test
  void modelSummaryPrintsCountsAndTheNonlinearDepth() {
    Run r = run("model", "summary", "--model", "resnet", "--depth", "50");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("nonlinearities on the longest path: 49"), r.out());
    Run r101 = run("model", "summary", "--depth", "101", "--stem", "cifar", "--width", "0.25", "--layers");
    assertTrue(r101.out().contains("nonlinearities on the longest path: 100"), r101.out());
    assertTrue(r101.out().contains("input 3x32x32"), r101.out());
    Run std = run("model", "summary", "--depth", "50", "--block", "v1", "--shortcut-weight", "none",
        "--norm", "batch");
    assertTrue(std.out().contains("parameters:    25,557,032"), std.out());
    // He et al.'s CIFAR ResNet-110: its CIFAR input and its depth by default
    Run c110 = run("model", "summary", "--model", "cifar-resnet", "--depth", "110");
    assertEquals(0, c110.code(), c110.err());
    assertTrue(c110.out().contains("nonlinearities on the longest path: 109"), c110.out());
    assertTrue(c110.out().contains("parameters:    1,723,914"), c110.out());
    Run c56 = run("model", "summary", "--model", "cifar-resnet");
    assertTrue(c56.out().contains("parameters:    850,986"), c56.out());
    Run bad = run("model", "summary", "--model", "cifar-resnet", "--depth", "50");
    assertEquals(2, bad.code());
    assertTrue(bad.err().strip().startsWith("tailor: cifar-resnet has no depth 50"), bad.err());
    Run stem = run("train", "--model", "cifar-resnet", "--depth", "20", "--stem", "imagenet");
    assertEquals(2, stem.code());
    assertEquals("tailor: unknown stem 'imagenet' (from --stem); known: cifar", stem.err().strip());
  }

  @Test
  void verboseAddsTheStackTrace() {
    Run r = run("shape", "--eta", "2", "--verbose");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("at tailor."), r.err());
  }

  @Test
  void batchWritesOneLinePerCaseAndGoesOnAfterErrors(@TempDir Path dir) throws Exception {
    Path in = dir.resolve("cases.jsonl");
    Files.writeString(in, String.join("\n",
        "{\"method\":\"tat\",\"activation\":\"tanh\",\"model\":\"resnet\",\"depth\":50,\"shortcut_weight\":0.8,\"block\":\"v1\",\"tau\":0.3}",
        "{\"method\":\"tat\",\"activation\":\"nope\"}",
        "not json",
        "{\"method\":\"dks\",\"activation\":\"softplus\",\"model\":\"mlp\",\"depth\":20,\"at\":[0.5]}",
        ""));
    Run r = run("shape", "--batch", in.toString());
    assertEquals(0, r.code(), r.err());
    List<String> lines = r.out().lines().toList();
    assertEquals(4, lines.size());
    JsonObject first = JsonParser.parseString(lines.get(0)).getAsJsonObject();
    assertEquals("v1", first.get("block").getAsString());
    assertEquals(0.3, first.getAsJsonObject("network").get("c_curv_1").getAsDouble(), 1e-7);
    JsonObject err = JsonParser.parseString(lines.get(1)).getAsJsonObject().getAsJsonObject("error");
    assertEquals("user", err.get("kind").getAsString());
    assertTrue(err.get("message").getAsString().contains("line 2 of cases.jsonl, key activation"));
    assertTrue(JsonParser.parseString(lines.get(2)).getAsJsonObject().has("error"));
    JsonObject last = JsonParser.parseString(lines.get(3)).getAsJsonObject();
    assertEquals(1, last.getAsJsonArray("values").size());
    assertEquals(1.5, last.getAsJsonObject("network").get("c_slope_1").getAsDouble(), 1e-7);
  }

  @Test
  void plotWritesAReadablePng(@TempDir Path dir) throws Exception {
    Path png = dir.resolve("cmap.png");
    Run r = run("shape", "--activation", "softplus", "--method", "dks", "--depth", "50", "--plot", png.toString());
    assertEquals(0, r.code(), r.err());
    var img = javax.imageio.ImageIO.read(png.toFile());
    assertEquals(1200, img.getWidth());
    assertEquals(560, img.getHeight());
    try (var files = Files.list(dir)) {
      assertEquals(1, files.count(), "no temporary file left behind");
    }
  }

  @Test
  void pluginsListsEveryKindWithVersionAndModule() {
    Run r = run("plugins");
    assertEquals(0, r.code());
    for (String n : List.of("dks", "tat-lrelu", "tat-smooth", "untransformed", "mlp", "resnet",
        "gelu_exact", "leaky_relu")) {
      assertTrue(r.out().contains(" " + n + " "), n);
    }
    assertTrue(r.out().contains("tailor.kernelshaping"));
    assertTrue(r.out().contains("tailor.models"));
    assertTrue(r.out().contains("tailor.datasets"));
    assertTrue(r.out().contains("tailor.optimizers"));
    // header, 16 activations, 4 transforms, 3 models, 4 initializers, 2 backends, 6 datasets, 4 optimizers
    assertEquals(1 + 16 + 4 + 3 + 4 + 2 + 6 + 4, r.out().lines().count());
    // cuda is listed with whether a GPU is usable here
    assertTrue(r.out().lines().anyMatch(l -> l.startsWith("backend     cuda ")
        && (l.endsWith("[usable here]") || l.contains("[unavailable: "))), r.out());
    assertTrue(r.out().contains("dataset     digits "), r.out());
    assertTrue(r.out().contains("dataset     images "), r.out());
    for (String o : List.of("sgd", "adam", "lars", "kfac")) {
      assertTrue(r.out().contains("optimizer   " + o + " "), r.out());
    }
    assertTrue(r.out().contains("backend     cpu "), r.out());
    assertTrue(r.out().contains("[usable here]"), r.out());
    assertTrue(r.out().contains("initializer suo "), r.out());
    Run json = run("plugins", "--json");
    assertEquals(0, json.code(), json.err());
    JsonObject first = JsonParser.parseString(json.out().lines().findFirst().orElseThrow()).getAsJsonObject();
    assertEquals(List.of("kind", "name", "version", "module", "from", "description"),
        List.copyOf(first.keySet()));
  }
}
