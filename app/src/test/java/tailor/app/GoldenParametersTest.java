package tailor.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Parameters against golden values computed by the reference package: tools/golden/reference.jsonl
 * was written by tools/golden/dks_reference.py running the official
 * dks.base.activation_transform._get_activations_params (google-deepmind/dks @021816e) with
 * the subnet functions of its examples/haiku/modified_resnet.py (see tools/golden/README.md).
 *
 * <p>Tolerance 1e-7 relative (absolute for parameters below 1e-6 in size), the bar; the
 * observed worst case is ~2e-8 (ELU/softsign, where dks's quadrature is emulated to ~1e-9).
 * Expected differences, each explained in the README, are checked for their own property:
 * TAT-LReLU on V1 with w &gt; 0 (Tailor follows the V1 network's stem activation), activations
 * whose targeted derivative jumps at a shifted kink (the reference's residual is a staircase),
 * mirror-image roots of odd activations, and one degenerate reference answer.
 */
class GoldenParametersTest {
  static final Path REFERENCE = Path.of("..", "tools", "golden", "reference.jsonl");
  static final Map<String, Double> POINT_SYMMETRIC = Map.of("tanh", 0.0, "erf", 0.0, "atan", 0.0,
      "asinh", 0.0, "softsign", 0.0, "sigmoid", 0.5);
  static final List<String> KEYS = List.of("method", "activation", "model", "depth",
      "shortcut_weight", "block", "eta", "tau", "zeta", "q_slope");

  @Test
  void parametersEqualTheReferencePackage(@TempDir Path dir) throws Exception {
    List<JsonObject> ref = Files.readAllLines(REFERENCE).stream().filter(l -> !l.isBlank())
        .map(l -> JsonParser.parseString(l).getAsJsonObject()).collect(Collectors.toList());
    assertTrue(ref.size() >= 40, "golden file has " + ref.size() + " cases");
    List<String> lines = new ArrayList<>();
    for (JsonObject r : ref) {
      JsonObject c = new JsonObject();
      for (String k : KEYS) {
        if (r.has(k) && !r.get(k).isJsonNull()) {
          c.add(k, r.get(k));
        }
      }
      lines.add(c.toString());
    }
    Path in = dir.resolve("golden.jsonl");
    Files.write(in, lines);
    CliTest.Run run = CliTest.run("shape", "--batch", in.toString());
    List<String> out = run.out().lines().toList();
    assertEquals(ref.size(), out.size());
    int compared = 0;
    double worst = 0;
    List<String> failures = new ArrayList<>();
    for (int i = 0; i < ref.size(); i++) {
      JsonObject r = ref.get(i);
      JsonObject t = JsonParser.parseString(out.get(i)).getAsJsonObject();
      String tag = lines.get(i);
      if (t.has("error") && r.has("params")
          && Math.abs(r.getAsJsonObject("params").get("output_scale").getAsDouble()) > 1e6) {
        // Known: the reference returned a degenerate point (tanh saturated, output scale 1.4e10)
        // where Q(1) = 9e4 and C'(1) = 1e-5, not a solution; Tailor refuses it.
        continue;
      }
      if (r.has("error") || t.has("error")) {
        if (r.has("error") != t.has("error")) {
          failures.add(tag + ": error on one side only: " + r.get("error") + " / " + t.get("error"));
        }
        continue;
      }
      JsonObject rp = r.getAsJsonObject("params");
      JsonObject tp = t.getAsJsonObject("params");
      double d = maxRel(rp, tp, 0.0, false);
      String act = r.get("activation").getAsString();
      String method = r.get("method").getAsString();
      boolean v1Shortcut = r.has("block") && r.get("block").getAsString().equals("v1")
          && r.has("shortcut_weight") && r.get("shortcut_weight").getAsDouble() != 0.0
          && act.equals("leaky_relu") && method.equals("tat");
      boolean staircase = method.equals("tat") ? List.of("elu", "selu", "softsign").contains(act)
          : List.of("selu", "leaky_relu", "relu").contains(act);
      if (d <= 1e-7) {
        compared++;
        worst = Math.max(worst, d);
      } else if (v1Shortcut || staircase) {
        // Known: V1's stem activation sits elsewhere in dks's function (matters for C maps
        // only, so for TAT-LReLU), or another root of the reference's staircase residual
        // (activations whose targeted derivative jumps at a shifted kink). Tailor's result must
        // meet its target.
        assertTargetMet(r, t, tag);
      } else if (POINT_SYMMETRIC.containsKey(act)
          && maxRel(rp, tp, POINT_SYMMETRIC.get(act), true) <= 1e-7) {
        compared++;
      } else {
        failures.add(tag + ": max relative difference " + d + "; reference " + rp + ", tailor " + tp);
      }
    }
    assertEquals(List.of(), failures);
    assertTrue(compared >= 40, "compared " + compared);
    assertTrue(worst <= 1e-7);
  }

  /**
   * The network quantity the method targets equals the target (to 1e-6 relative: under the
   * dks-compatible quadrature SELU's residual is a staircase and the solve stops near 1e-7).
   */
  static void assertTargetMet(JsonObject ref, JsonObject got, String tag) {
    JsonObject net = got.getAsJsonObject("network");
    JsonObject targets = got.getAsJsonObject("targets");
    if (targets.has("eta")) {
      assertEquals(targets.get("eta").getAsDouble(), net.get("c_0").getAsDouble(), 1e-8, tag);
    } else if (targets.has("tau")) {
      assertEquals(targets.get("tau").getAsDouble(), net.get("c_curv_1").getAsDouble(), 1e-6, tag);
    } else {
      assertEquals(targets.get("zeta").getAsDouble(), net.get("c_slope_1").getAsDouble(), 1e-6, tag);
      assertEquals(0.0, net.get("c_0").getAsDouble(), 1e-9, tag);
    }
  }

  static double maxRel(JsonObject ref, JsonObject got, double c, boolean mirror) {
    double m = 0;
    for (String k : ref.keySet()) {
      if (!got.has(k)) {
        return Double.POSITIVE_INFINITY;
      }
      double v = ref.get(k).getAsDouble();
      if (mirror && k.equals("input_shift")) {
        v = -v;
      } else if (mirror && k.equals("output_shift")) {
        v = -v - 2 * c;
      }
      double w = got.get(k).getAsDouble();
      m = Math.max(m, Math.abs(v) < 1e-6 ? Math.abs(w - v) : Math.abs(w - v) / Math.abs(v));
    }
    return m;
  }
}
