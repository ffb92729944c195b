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

  /** The study's cells by id, for the tests below. */
  static Experiment.Cell cell(Experiment.Preset p, String id) {
    return p.cells().stream().filter(c -> c.id().equals(id)).findFirst()
        .orElseThrow(() -> new AssertionError(id + " is not a cell of " + p.name()));
  }

  @Test
  void seedRepeatsRunAtTheNextSeedAndShareTheirFirstRunsProbes() {
    Experiment.Preset p = Experiment.preset("cifar-study", "test");
    Experiment.Cell first = cell(p, "vanilla56-tat-lrelu-0.9-kfac");
    Experiment.Cell again = cell(p, "vanilla56-tat-lrelu-0.9-kfac-seed1");
    assertEquals(List.of(first, again), p.repeats(first));
    assertEquals("0", ExperimentCommand.settings(first, p).get("seed"));
    assertEquals("1", ExperimentCommand.settings(again, p).get("seed"));
    Map<String, String> rest = new HashMap<>(ExperimentCommand.settings(again, p));
    rest.remove("seed");
    Map<String, String> firstRest = new HashMap<>(ExperimentCommand.settings(first, p));
    firstRest.remove("seed");
    assertEquals(firstRest, rest, "a repeat differs from its first run in the seed only");
    Map<String, String> point = Map.of("optimizer.kfac.learning_rate", "0.001");
    assertEquals(ExperimentCommand.probeSettings(first, p, point),
        ExperimentCommand.probeSettings(again, p, point));
    assertEquals(Path.of("x", "probes", "vanilla56-tat-lrelu-0.9-kfac", "learning_rate=0.001"),
        ExperimentCommand.probeDir(Path.of("x"), first, point));
    assertEquals(ExperimentCommand.probeDir(Path.of("x"), first, point),
        ExperimentCommand.probeDir(Path.of("x"), again, point));
    // the first run of a group is the one the table and the claims look up
    assertEquals(first, p.cell(first.method(), first.arch(), "kfac"));
  }

  @Test
  void theNoiseIsTheMeasuredSeedSpreadAndClaimsCompareMeans() {
    Experiment.Preset p = Experiment.preset("cifar-study", "test");
    ExperimentReport r = new ExperimentReport(p, Path.of("unused"), null);
    Map<String, Double> top1 = new HashMap<>(Map.of(
        "vanilla56-tat-lrelu-0.9-kfac", 0.60, "vanilla56-tat-lrelu-0.9-kfac-seed1", 0.575,
        "vanilla56-eoc-relu-kfac", 0.58));
    // one cell with two seeds 2.5 points apart: a 0.75-point lead of the mean is noise
    ExperimentReport.Noise n = r.noise(results(p, top1));
    assertEquals(2.5, n.points(), 1e-9);
    assertEquals("vanilla56-tat-lrelu-0.9-kfac", n.cell());
    assertTrue(n.explain().contains("2.50 points"), n.explain());
    String c = claim(r.claims(results(p, top1)), "TAT beats EOC (vanilla CIFAR ResNet-56 (w=0), K-FAC)");
    assertTrue(c.contains("58.75% (mean of 2 seeds) vs 58.00%, +0.75 points"), c);
    assertTrue(c.endsWith("Inconclusive here (within the 2.5-point noise)."), c);
    // the same means with EOC further behind: a result
    top1.put("vanilla56-eoc-relu-kfac", 0.50);
    c = claim(r.claims(results(p, top1)), "TAT beats EOC (vanilla CIFAR ResNet-56 (w=0), K-FAC)");
    assertTrue(c.endsWith("Agrees with the paper."), c);
    // two seeds that nearly agree do not make every difference a result: at least 1 point
    ExperimentReport.Noise tight = r.noise(results(p, Map.of("vanilla56-tat-lrelu-0.9-kfac", 0.600,
        "vanilla56-tat-lrelu-0.9-kfac-seed1", 0.598)));
    assertEquals(ExperimentReport.NOISE_POINTS, tight.points(), 1e-12);
    assertEquals(0.2, tight.spread(), 1e-9);
    // no cell with two finished seeds: the noise is an assumption, and the text says so
    ExperimentReport.Noise none = r.noise(results(p, Map.of("vanilla56-tat-lrelu-0.9-kfac", 0.6)));
    assertEquals(null, none.cell());
    assertTrue(none.explain().contains("assumed, not measured"), none.explain());
  }

  @Test
  void theVanillaNetworkIsComparedWithTheBnResNetOfItsDepth() {
    Experiment.Preset p = Experiment.preset("cifar-study", "test");
    ExperimentReport r = new ExperimentReport(p, Path.of("unused"), null);
    List<String> claims = r.claims(results(p, Map.of("vanilla56-tat-lrelu-0.9-kfac", 0.55,
        "vanilla20-tat-lrelu-0.9-kfac", 0.50, "bn56-relu-bn-sgd", 0.60, "bn56-relu-bn-sgd-seed1", 0.58,
        "vanilla56-tat-lrelu-0.9-sgd", 0.585)));
    // the BN ResNet has no K-FAC run: TAT with K-FAC is measured against its SGD run
    String kfac = claim(claims, "Distance to the BN ResNet (vanilla CIFAR ResNet-56 (w=0) with TAT, K-FAC");
    assertTrue(kfac.contains("vs CIFAR ResNet-56 + BN, SGD (Nesterov)): 55.00% vs 59.00% (mean of 2 seeds), -4.00 points"), kfac);
    assertTrue(kfac.endsWith("A gap of 4.0 points beyond the 2.0-point noise."), kfac);
    String sgd = claim(claims, "Distance to the BN ResNet (vanilla CIFAR ResNet-56 (w=0) with TAT, SGD");
    assertTrue(sgd.endsWith("Level within the 2.0-point noise."), sgd);
    // depth 20 is not set against the depth-56 BN ResNet
    assertEquals(0, claims.stream().filter(x -> x.startsWith("Distance") && x.contains("ResNet-20")).count(),
        claims.toString());
    assertEquals("The vanilla network is ahead.", ExperimentReport.closeTo(0.62, 0.60, 1));
    assertTrue(ExperimentReport.closeTo(Double.NaN, 0.60, 1).startsWith("Inconclusive"));
  }
}
