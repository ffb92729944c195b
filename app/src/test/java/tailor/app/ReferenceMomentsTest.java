package tailor.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import tailor.api.activation.BaseActivation;
import tailor.api.shaping.Quadrature;
import tailor.kernelshaping.ActivationMoments;
import tailor.kernelshaping.Activations;

/**
 * Gaussian moments of every activation (plain, and under input scale 0.7, shift 0.3) against
 * the reference package's own quadrature (tools/golden/local_maps.jsonl: dks's
 * _estimate_gaussian_mean, 100,000 Gauss-Legendre nodes on [-10, 10]). Smooth activations agree
 * to ~1e-14. For kinked ones the dks-compatible rule reproduces the reference's first-order
 * error (the kink moved to the node midpoint) but not its second-order one: a partial
 * Gauss-Legendre sum differs from the integral it stands for by about (h^2 / 24) * jump * pdf,
 * with node spacing h ~ 3.1e-4, i.e. ~1e-9 per unit jump. Hence the bound 3e-9 absolute +
 * 2e-8 relative (measured worst: SELU, whose phi'^2 jumps by 2 at 0: E[phi'^2] is 9.4e-9
 * relative below the exact value in the reference; its E[phi] is -1.16e-9, exactly 0).
 */
class ReferenceMomentsTest {
  @Test
  void momentsMatchTheReferenceQuadrature() throws Exception {
    List<String> lines = Files.readAllLines(Path.of("..", "tools", "golden", "local_maps.jsonl"));
    int checked = 0;
    for (String line : lines) {
      if (line.isBlank()) {
        continue;
      }
      JsonObject o = JsonParser.parseString(line).getAsJsonObject();
      BaseActivation phi = Activations.byName(o.get("activation").getAsString());
      if (o.has("negative_slope") && !o.get("negative_slope").isJsonNull()) {
        phi = phi.withNegativeSlope(o.get("negative_slope").getAsDouble());
      }
      double a = o.get("input_scale").getAsDouble();
      double b = o.get("input_shift").getAsDouble();
      ActivationMoments m = ActivationMoments.of(phi, a, b, Quadrature.DKS);
      String tag = line;
      close(o.get("E_phi").getAsDouble(), m.mean(), tag);
      close(o.get("E_phi2").getAsDouble(), m.meanSquare(), tag);
      close(o.get("E_dphi2").getAsDouble(), m.dfSquare(), tag);
      close(o.get("E_d2phi2").getAsDouble(), m.ddfSquare(), tag);
      close(o.get("q_slope_1").getAsDouble(), m.fDfZ(), tag);
      checked++;
    }
    assertTrue(checked >= 32, "checked " + checked);
  }

  private static void close(double want, double got, String tag) {
    assertEquals(want, got, 1e-11 + 1e-10 * Math.abs(want), tag);
  }
}
