package tailor.optimizers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tailor.api.TailorException;
import tailor.api.optim.Optimizer;
import tailor.api.optim.OptimizerProvider;
import tailor.api.optim.ParamKind;
import tailor.api.optim.ParamSpec;
import tailor.api.optim.StepContext;

class OptimizersTest {
  /** The providers this module declares. */
  static List<OptimizerProvider> declared() {
    List<OptimizerProvider> out = new ArrayList<>();
    for (var p : OptimizersTest.class.getModule().getDescriptor().provides()) {
      if (p.service().equals(OptimizerProvider.class.getName())) {
        for (String impl : p.providers()) {
          try {
            out.add((OptimizerProvider) Class.forName(impl).getConstructor().newInstance());
          } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
          }
        }
      }
    }
    return out;
  }

  static OptimizerProvider provider(String name) {
    return declared().stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
  }

  static Map<String, Object> with(OptimizerProvider p, Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>(p.defaults());
    for (int i = 0; i < kv.length; i += 2) {
      assertTrue(m.containsKey((String) kv[i]), "no setting " + kv[i]);
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  record Ctx(long step, List<ParamSpec> specs, double[][] gradients, double[][] parameters)
      implements StepContext {}

  @Test
  void scheduleShapes() {
    Schedule cos = Schedule.of("cosine", 0.1, 0.1, 100, new double[0], 0.1);
    assertEquals(10, cos.warmupSteps());
    assertEquals(0.01, cos.at(0), 1e-15); // linear warm-up: (step + 1) / warmup * peak
    assertEquals(0.1, cos.at(9), 1e-15);
    assertEquals(0.1, cos.at(10), 1e-15); // cosine starts at the peak
    assertEquals(0.05, cos.at(55), 1e-15); // half-way through the decay
    assertEquals(0.0, cos.at(100), 1e-15);
    Schedule steps = Schedule.of("steps", 1.0, 0.0, 100, new double[] {0.5, 0.75}, 0.1);
    assertEquals(1.0, steps.at(49), 0);
    assertEquals(0.1, steps.at(50), 1e-15);
    assertEquals(0.01, steps.at(75), 1e-15);
    assertEquals(0.3, Schedule.of("constant", 0.3, 0, 10, new double[0], 1).at(7), 0);
    TailorException e = assertThrows(TailorException.class,
        () -> Schedule.of("cosin", 0.1, 0, 10, new double[0], 1));
    assertTrue(e.getMessage().contains("Did you mean 'cosine'"), e.getMessage());
    assertThrows(TailorException.class, () -> Schedule.of("steps", 0.1, 0, 10, new double[] {0.8, 0.5}, 1));
  }

  /** Hand-computed Nesterov SGD with masked L2 decay: two steps on a weight and a bias. */
  @Test
  void sgdNesterovWithMaskedDecayByHand() {
    OptimizerProvider p = provider("sgd");
    Optimizer o = p.create(with(p, "learning_rate", 0.5, "momentum", 0.9, "nesterov", true,
        "weight_decay", 0.1, "schedule", "constant", "warmup", 0.0));
    List<ParamSpec> specs = List.of(new ParamSpec("w", new int[] {1}, ParamKind.WEIGHT),
        new ParamSpec("b", new int[] {1}, ParamKind.BIAS));
    o.init(specs, 10);
    double[][] theta = {{2.0}, {3.0}};
    o.update(new Ctx(0, specs, new double[][] {{1.0}, {1.0}}, theta));
    // w: u = 1 + 0.1*2 = 1.2, m = 1.2, d = 1.2 + 0.9*1.2 = 2.28, w = 2 - 0.5*2.28 = 0.86
    // b: u = 1 (no decay), m = 1, d = 1.9, b = 3 - 0.95 = 2.05
    assertEquals(0.86, theta[0][0], 1e-15);
    assertEquals(2.05, theta[1][0], 1e-15);
    o.update(new Ctx(1, specs, new double[][] {{-1.0}, {0.5}}, theta));
    // w: u = -1 + 0.086 = -0.914, m = 1.08 - 0.914 = 0.166, d = -0.914 + 0.1494 = -0.7646
    //    w = 0.86 + 0.3823 = 1.2423
    // b: u = 0.5, m = 0.9 + 0.5 = 1.4, d = 0.5 + 1.26 = 1.76, b = 2.05 - 0.88 = 1.17
    assertEquals(1.2423, theta[0][0], 1e-12);
    assertEquals(1.17, theta[1][0], 1e-12);
  }

  @Test
  void stateRoundTripContinuesIdentically() {
    OptimizerProvider p = provider("sgd");
    List<ParamSpec> specs = List.of(new ParamSpec("w", new int[] {2, 2}, ParamKind.WEIGHT));
    Optimizer a = p.create(p.defaults());
    a.init(specs, 20);
    double[][] ta = {{1, 2, 3, 4}};
    for (int s = 0; s < 5; s++) {
      a.update(new Ctx(s, specs, new double[][] {{ta[0][0], -1, 0.5, ta[0][3]}}, ta));
    }
    Optimizer b = p.create(p.defaults());
    b.init(specs, 20);
    b.restore(a.state());
    double[][] tb = {ta[0].clone()};
    for (int s = 5; s < 9; s++) {
      a.update(new Ctx(s, specs, new double[][] {{ta[0][0], -1, 0.5, ta[0][3]}}, ta));
      b.update(new Ctx(s, specs, new double[][] {{tb[0][0], -1, 0.5, tb[0][3]}}, tb));
    }
    assertEquals(java.util.Arrays.toString(ta[0]), java.util.Arrays.toString(tb[0]));
    Optimizer c = p.create(p.defaults());
    c.init(List.of(new ParamSpec("v", new int[] {3}, ParamKind.WEIGHT)), 20);
    TailorException e = assertThrows(TailorException.class, () -> c.restore(a.state()));
    assertTrue(e.getMessage().contains("written by another optimizer or model"), e.getMessage());
  }

  /**
   * Contract for first-order plugins: a convex quadratic minimized with the defaults (lr scaled,
   * cosine to 0 for LARS, whose constant-rate steps are a fixed fraction of ||theta||). Plugins
   * that ask for curvature (kfac) run their contract through the training step in the app's
   * OptimizerContractTest.
   */
  @Test
  void everyFirstOrderOptimizerConvergesOnAConvexQuadratic() {
    List<String> ran = new ArrayList<>();
    for (OptimizerProvider p : declared()) {
      if (p.create(p.defaults()).curvature(0).mode() != tailor.api.optim.CurvatureRequest.Mode.NONE) {
        continue;
      }
      ran.add(p.name());
      // f(x) = 1/2 sum_i a_i (x_i - c_i)^2 with condition number 10 (from a non-zero start,
      // which LARS's trust ratio needs).
      double[] a = {1, 3, 10};
      double[] c = {1, -2, 0.5};
      List<ParamSpec> specs = List.of(new ParamSpec("x", new int[] {3}, ParamKind.WEIGHT));
      Map<String, Object> settings = new LinkedHashMap<>(p.defaults());
      settings.put("learning_rate", Map.of("lars", 20.0, "adam", 0.05).getOrDefault(p.name(), 0.02));
      settings.put("schedule", "cosine");
      settings.put("warmup", 0.0);
      int steps = 2000;
      Optimizer o = p.create(settings);
      o.init(specs, steps);
      double[][] x = {{0.5, 0.5, 0.5}};
      for (int s = 0; s < steps; s++) {
        double[] g = new double[3];
        for (int i = 0; i < 3; i++) {
          g[i] = a[i] * (x[0][i] - c[i]);
        }
        o.update(new Ctx(s, specs, new double[][] {g}, x));
      }
      for (int i = 0; i < 3; i++) {
        assertEquals(c[i], x[0][i], 1e-4, p.name() + " coordinate " + i);
      }
    }
    assertTrue(ran.containsAll(List.of("sgd", "adam", "lars")), ran.toString());
  }

  /**
   * LARS step by step: u = g + wd * theta on weights, trust ratio tc * ||theta|| / ||u|| on
   * weights (1 on biases, which are masked out, and 1 when a norm is 0), scaled by -lr, then
   * momentum on the scaled steps.
   */
  @Test
  void larsTrustRatiosEqualTheFormula() {
    OptimizerProvider p = provider("lars");
    double lr = 2.0;
    double wd = 0.01;
    double tc = 0.001;
    Optimizer o = p.create(with(p, "learning_rate", lr, "weight_decay", wd, "trust_coefficient", tc,
        "momentum", 0.9, "schedule", "constant", "warmup", 0.0));
    List<ParamSpec> specs = List.of(new ParamSpec("w", new int[] {2}, ParamKind.WEIGHT),
        new ParamSpec("b", new int[] {2}, ParamKind.BIAS),
        new ParamSpec("z", new int[] {2}, ParamKind.WEIGHT));
    o.init(specs, 10);
    double[][] theta = {{3.0, 4.0}, {1.0, -1.0}, {0.0, 0.0}};
    double[] g = {0.6, -0.8};
    double[] u = {g[0] + wd * 3.0, g[1] + wd * 4.0};
    double ratio = tc * 5.0 / Math.hypot(u[0], u[1]);
    assertEquals(ratio, Transforms.trustRatio(theta[0], u, tc, 0.0), 1e-18);
    double[][] before = {theta[0].clone(), theta[1].clone(), theta[2].clone()};
    o.update(new Ctx(0, specs, new double[][] {g.clone(), {0.5, 0.25}, {1.0, 1.0}}, theta));
    double[] v0 = new double[2];
    for (int j = 0; j < 2; j++) {
      v0[j] = -lr * ratio * u[j];
      assertEquals(before[0][j] + v0[j], theta[0][j], 1e-15, "weight " + j);
    }
    assertEquals(1.0 - lr * 0.5, theta[1][0], 1e-15, "bias: no decay, ratio 1");
    assertEquals(-lr * 1.0, theta[2][0], 1e-15, "||theta|| = 0: ratio 1");
    // second step: momentum holds the lr-scaled steps
    double[] w1 = theta[0].clone();
    double[] u1 = {g[0] + wd * w1[0], g[1] + wd * w1[1]};
    double r1 = tc * Math.hypot(w1[0], w1[1]) / Math.hypot(u1[0], u1[1]);
    o.update(new Ctx(1, specs, new double[][] {g.clone(), {0, 0}, {0, 0}}, theta));
    for (int j = 0; j < 2; j++) {
      assertEquals(w1[j] + 0.9 * v0[j] - lr * r1 * u1[j], theta[0][j], 1e-15);
    }
  }

  /** Adam by hand: bias-corrected moments, decoupled decay on weights only. */
  @Test
  void adamWithDecoupledDecayByHand() {
    OptimizerProvider p = provider("adam");
    Optimizer o = p.create(with(p, "learning_rate", 0.1, "weight_decay", 0.5, "schedule", "constant",
        "warmup", 0.0));
    List<ParamSpec> specs = List.of(new ParamSpec("w", new int[] {1}, ParamKind.WEIGHT),
        new ParamSpec("b", new int[] {1}, ParamKind.BIAS));
    o.init(specs, 10);
    double[][] theta = {{2.0}, {2.0}};
    o.update(new Ctx(0, specs, new double[][] {{0.3}, {0.3}}, theta));
    // step 1: mu_hat = g, nu_hat = g^2, u = g / (|g| + eps) ~ 1
    double u = 0.3 / (0.3 + 1e-8);
    assertEquals(2.0 - 0.1 * (u + 0.5 * 2.0), theta[0][0], 1e-12);
    assertEquals(2.0 - 0.1 * u, theta[1][0], 1e-12);
    o.update(new Ctx(1, specs, new double[][] {{-0.1}, {-0.1}}, theta));
    double mu = (0.9 * 0.1 * 0.3 + 0.1 * -0.1) / (1 - 0.81);
    double nu = (0.999 * 0.001 * 0.09 + 0.001 * 0.01) / (1 - 0.999 * 0.999);
    double u2 = mu / (Math.sqrt(nu) + 1e-8);
    assertEquals(2.0 - 0.1 * u - 0.1 * u2, theta[1][0], 1e-12);
  }

  /** K-FAC's settings are validated at the boundary with one clear message each. */
  @Test
  void kfacSettingsAreValidated() {
    OptimizerProvider p = provider("kfac");
    Object[][] bad = {
        {"damping", -1.0, "optimizer.kfac.damping = -1.0 is out of range"},
        {"learning_rate", -0.1, "optimizer.kfac.learning_rate = -0.1 is out of range"},
        {"inverse_period", 0L, "optimizer.kfac.inverse_period = 0 is out of range; allowed: 1 to"},
        {"ema", 1.5, "optimizer.kfac.ema = 1.5 is out of range; allowed: (0, 1]"},
        {"ema", 0.0, "optimizer.kfac.ema = 0.0 is out of range; allowed: (0, 1]"},
        {"fisher", "exact", "optimizer.kfac.fisher = 'exact' is not known"},
    };
    for (Object[] b : bad) {
      TailorException e = assertThrows(TailorException.class, () -> p.create(with(p, b[0], b[1])));
      assertTrue(e.getMessage().contains((String) b[2]), e.getMessage());
    }
    assertEquals(tailor.api.optim.CurvatureRequest.Mode.TRUE_FISHER, p.create(p.defaults()).curvature(0).mode());
    assertEquals(tailor.api.optim.CurvatureRequest.Mode.EMPIRICAL_FISHER,
        p.create(with(p, "fisher", "empirical")).curvature(0).mode());
    // the paper's preset
    assertEquals(3e-4, p.defaults().get("learning_rate"));
    assertEquals(1e-3, p.defaults().get("damping"));
    assertEquals(1e-3, p.defaults().get("norm_constraint"));
    assertEquals(0.99, p.defaults().get("ema"));
    assertEquals(50L, p.defaults().get("inverse_period"));
    assertEquals(0.9, p.defaults().get("momentum"));
  }

  /** Masks select leaves: a masked stage leaves the others untouched. */
  @Test
  void maskedStagesTouchOnlyTheirLeaves() {
    List<ParamSpec> specs = List.of(new ParamSpec("w", new int[] {1}, ParamKind.WEIGHT),
        new ParamSpec("s", new int[] {1}, ParamKind.SCALE), new ParamSpec("b", new int[] {1}, ParamKind.BIAS));
    tailor.api.optim.GradientTransform t = Transforms.chain(
        Transforms.masked(Transforms.addDecayedWeights(1.0), tailor.api.optim.ParamMask.weights()),
        Transforms.scaleByLearningRate(step -> 2.0));
    t.init(specs, 1);
    double[][] u = {{1.0}, {1.0}, {1.0}};
    t.update(u, new double[][] {{3.0}, {3.0}, {3.0}}, 0);
    assertEquals(-8.0, u[0][0], 0);
    assertEquals(-2.0, u[1][0], 0);
    assertEquals(-2.0, u[2][0], 0);
  }

  @Test
  void badSettingsAreUserErrors() {
    OptimizerProvider p = provider("sgd");
    TailorException e = assertThrows(TailorException.class, () -> p.create(with(p, "momentum", 1.5)));
    assertTrue(e.getMessage().contains("optimizer.sgd.momentum = 1.5 is out of range"), e.getMessage());
    e = assertThrows(TailorException.class, () -> p.create(with(p, "schedule", "linear")));
    assertTrue(e.getMessage().contains("known: constant, cosine, steps"), e.getMessage());
  }
}
