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

  /** Contract: every declared optimizer minimizes a convex quadratic with its defaults (lr scaled). */
  @Test
  void everyOptimizerConvergesOnAConvexQuadratic() {
    for (OptimizerProvider p : declared()) {
      // f(x) = 1/2 sum_i a_i (x_i - c_i)^2 with condition number 10.
      double[] a = {1, 3, 10};
      double[] c = {1, -2, 0.5};
      List<ParamSpec> specs = List.of(new ParamSpec("x", new int[] {3}, ParamKind.WEIGHT));
      Map<String, Object> settings = new LinkedHashMap<>(p.defaults());
      settings.put("learning_rate", 0.02);
      settings.put("schedule", "constant");
      Optimizer o = p.create(settings);
      o.init(specs, 500);
      double[][] x = {{0, 0, 0}};
      for (int s = 0; s < 500; s++) {
        double[] g = new double[3];
        for (int i = 0; i < 3; i++) {
          g[i] = a[i] * (x[0][i] - c[i]);
        }
        o.update(new Ctx(s, specs, new double[][] {g}, x));
      }
      for (int i = 0; i < 3; i++) {
        assertEquals(c[i], x[0][i], 1e-6, p.name() + " coordinate " + i);
      }
    }
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
