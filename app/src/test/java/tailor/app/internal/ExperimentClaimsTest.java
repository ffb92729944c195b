package tailor.app.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The report's verdicts on the paper's claims, from numbers that agree, disagree and tie: a
 * difference is a result only beyond the noise, and the text says which way it went.
 */
class ExperimentClaimsTest {
  static ExperimentReport.Result done(double top1) {
    return new ExperimentReport.Result("done", top1, 1.0, 1.0, 60, 60, 100, 10, null, null, List.of());
  }

  static ExperimentReport.Result pending() {
    return new ExperimentReport.Result("pending", Double.NaN, Double.NaN, Double.NaN, Double.NaN,
        Double.NaN, 0, Double.NaN, null, null, List.of());
  }

  static Map<String, ExperimentReport.Result> results(Experiment.Preset p, Map<String, Double> top1) {
    Map<String, ExperimentReport.Result> m = new HashMap<>();
    for (Experiment.Cell c : p.cells()) {
      Double t = top1.get(c.id());
      m.put(c.id(), t == null ? pending() : done(t));
    }
    return m;
  }

  static String claim(List<String> claims, String start) {
    List<String> hits = claims.stream().filter(c -> c.startsWith(start)).toList();
    assertEquals(1, hits.size(), start + " in " + claims);
    return hits.get(0);
  }

  @Test
  void verdictsAgreeDisagreeAndTie() {
    assertEquals("Agrees with the paper.", ExperimentReport.verdict(0.52, 0.40, 1));
    assertEquals("Disagrees with the paper at this scale.", ExperimentReport.verdict(0.40, 0.52, 1));
    assertTrue(ExperimentReport.verdict(0.505, 0.50, 1).startsWith("Inconclusive"));
    assertTrue(ExperimentReport.verdict(0.50, 0.505, 1).startsWith("Inconclusive"));
    // the noise is the threshold: a spread of 3 points makes a 2-point lead inconclusive
    assertTrue(ExperimentReport.verdict(0.52, 0.50, 3).startsWith("Inconclusive"));
    assertTrue(ExperimentReport.verdict(Double.NaN, 0.5, 1).startsWith("Inconclusive"));
    assertEquals("Agrees with the paper (better with depth).", ExperimentReport.notWorse(0.45, 0.40, 1));
    assertTrue(ExperimentReport.notWorse(0.399, 0.40, 1).startsWith("Agrees with the paper (no loss"));
    assertEquals("Disagrees with the paper at this scale (worse with depth).",
        ExperimentReport.notWorse(0.36, 0.40, 1));
  }

  @Test
  void theReportStatesEachComparisonWithItsVerdict() {
    Experiment.Preset p = Experiment.preset("digits-smoke", "test");
    ExperimentReport r = new ExperimentReport(p, Path.of("unused"), null);
    List<String> claims = r.claims(results(p, Map.of(
        "mlp24-tat-lrelu-0.9-kfac", 0.60, "mlp24-eoc-relu-kfac", 0.40,
        "mlp24-tat-lrelu-0.9-sgd", 0.30, "mlp24-eoc-relu-sgd", 0.45)));
    String kfac = claim(claims, "TAT beats EOC (MLP, 24 hidden layers, K-FAC)");
    assertTrue(kfac.contains("60.00% vs 40.00%, +20.00 points") && kfac.endsWith("Agrees with the paper."), kfac);
    String sgd = claim(claims, "TAT beats EOC (MLP, 24 hidden layers, SGD");
    assertTrue(sgd.contains("-15.00 points") && sgd.endsWith("Disagrees with the paper at this scale."), sgd);
    assertTrue(claim(claims, "K-FAC beats SGD (TAT").endsWith("Agrees with the paper."));
    assertTrue(claim(claims, "K-FAC beats SGD (EOC").endsWith("Disagrees with the paper at this scale."));
    // a tie, and a comparison whose second run has not finished is not stated
    List<String> tie = r.claims(results(p, Map.of("mlp24-tat-lrelu-0.9-kfac", 0.500,
        "mlp24-eoc-relu-kfac", 0.495, "mlp24-tat-lrelu-0.9-sgd", 0.5)));
    assertTrue(claim(tie, "TAT beats EOC (MLP, 24 hidden layers, K-FAC)").contains("Inconclusive"), tie.toString());
    assertEquals(0, tie.stream().filter(c -> c.contains("SGD (Nesterov)) ")).count(), tie.toString());
    assertEquals(2, tie.size(), tie.toString());
  }

  @Test
  void depthClaimsSayWhetherTheDeeperNetworkLost() {
    Experiment.Preset p = Experiment.preset("cifar-quick", "test");
    ExperimentReport r = new ExperimentReport(p, Path.of("unused"), null);
    List<String> claims = r.claims(results(p, Map.of(
        "vanilla50-rates101-tat-lrelu-0.9-kfac", 0.42, "vanilla101-tat-lrelu-0.9-kfac", 0.415,
        "vanilla50-rates101-tat-lrelu-0.9-sgd", 0.40, "vanilla101-tat-lrelu-0.9-sgd", 0.36)));
    String kfac = claims.stream().filter(c -> c.startsWith("Depth (TAT LReLU eta=0.9, K-FAC)")
        && c.contains("depth-101 rates")).findFirst().orElseThrow(() -> new AssertionError(claims));
    assertTrue(kfac.contains("Agrees with the paper (no loss beyond the 1.0-point noise)."), kfac);
    String sgd = claims.stream().filter(c -> c.startsWith("Depth (TAT LReLU eta=0.9, SGD")
        && c.contains("depth-101 rates")).findFirst().orElseThrow(() -> new AssertionError(claims));
    assertTrue(sgd.contains("Disagrees with the paper at this scale (worse with depth)."), sgd);
  }
}
