package tailor.optimizers;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import tailor.api.TailorException;

/**
 * The optimizers' typed, validated configuration records and their defaults (the TAT paper's
 * presets). Each record's {@code DEFAULTS} is the flat key map {@code tailor train} shows and
 * overrides with {@code --set optimizer.<name>.<key>=...}; {@code of(settings)} checks every
 * value's range and names the key in the error.
 */
public final class Configs {
  private Configs() {}

  private static Map<String, Object> scheduleDefaults(double learningRate) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("learning_rate", learningRate);
    d.put("schedule", "cosine");
    d.put("warmup", 0.05);
    d.put("boundaries", "0.5,0.75");
    d.put("decay_factor", 0.1);
    return d;
  }

  private static Map<String, Object> frozen(Map<String, Object> d) {
    return Collections.unmodifiableMap(d);
  }

  /** SGD: momentum (Nesterov by default), L2 decay added to the gradient (weights only unless decay_all). */
  public record Sgd(double momentum, boolean nesterov, double weightDecay, boolean decayAll) {
    public static final Map<String, Object> DEFAULTS;

    static {
      Map<String, Object> d = scheduleDefaults(0.1);
      d.put("momentum", 0.9);
      d.put("nesterov", true);
      d.put("weight_decay", 0.0);
      d.put("decay_all", false);
      DEFAULTS = frozen(d);
    }

    public static Sgd of(Settings s) {
      s.number("learning_rate", 0, 1e3);
      return new Sgd(s.number("momentum", 0, 1), s.flag("nesterov"), s.number("weight_decay", 0, 1),
          s.flag("decay_all"));
    }
  }

  /** Adam with decoupled weight decay (AdamW when weight_decay &gt; 0). */
  public record Adam(double b1, double b2, double eps, double weightDecay, boolean decayAll) {
    public static final Map<String, Object> DEFAULTS;

    static {
      Map<String, Object> d = scheduleDefaults(1e-3);
      d.put("b1", 0.9);
      d.put("b2", 0.999);
      d.put("eps", 1e-8);
      d.put("weight_decay", 0.0);
      d.put("decay_all", false);
      DEFAULTS = frozen(d);
    }

    public static Adam of(Settings s) {
      s.number("learning_rate", 0, 1e3);
      double b1 = s.number("b1", 0, 1);
      double b2 = s.number("b2", 0, 1);
      if (b1 == 1 || b2 == 1) {
        throw TailorException.user("optimizer.adam.b1 and b2 must be below 1 (now " + b1 + ", " + b2 + ")");
      }
      return new Adam(b1, b2, s.number("eps", 0, 1), s.number("weight_decay", 0, 1), s.flag("decay_all"));
    }
  }

  /**
   * LARS as optax composes it: L2 decay, the trust ratio tc * ||theta|| / (||u|| + eps), the
   * learning rate, then momentum. Biases, scales and shifts are excluded from both by default.
   */
  public record Lars(double trustCoefficient, double eps, double momentum, boolean nesterov,
      double weightDecay, boolean decayAll, boolean trustAll) {
    public static final Map<String, Object> DEFAULTS;

    static {
      Map<String, Object> d = scheduleDefaults(1.0);
      d.put("trust_coefficient", 0.001);
      d.put("eps", 0.0);
      d.put("momentum", 0.9);
      d.put("nesterov", false);
      d.put("weight_decay", 0.0);
      d.put("decay_all", false);
      d.put("trust_all", false);
      DEFAULTS = frozen(d);
    }

    public static Lars of(Settings s) {
      s.number("learning_rate", 0, 1e3);
      double tc = s.number("trust_coefficient", 0, 1e3);
      if (tc == 0) {
        throw TailorException.user("optimizer.lars.trust_coefficient must be > 0");
      }
      return new Lars(tc, s.number("eps", 0, 1), s.number("momentum", 0, 1), s.flag("nesterov"),
          s.number("weight_decay", 0, 1), s.flag("decay_all"), s.flag("trust_all"));
    }
  }

  /**
   * K-FAC with the official TAT settings (kfac-jax's lrelunet101 example): lr 3e-4 cosine with
   * 5% warm-up, momentum 0.9, fixed damping 1e-3, norm constraint 1e-3, inverses every 50
   * steps, factor EMA 0.99, 5 burn-in steps, true Fisher estimated on the whole batch.
   *
   * @param momentum the velocity decay
   * @param damping the Tikhonov damping lambda (plus weight_decay, as kfac-jax adds l2_reg)
   * @param normConstraint c in lr^2 g^T F^-1 g &lt;= c; 0 switches the constraint off
   * @param ema the factors' moving-average decay, in (0, 1]
   * @param inversePeriod steps between recomputations of the damped inverses
   * @param burnin steps at the start that only estimate curvature (no parameter update)
   * @param empirical Fisher at the real labels instead of sampled targets
   * @param curvatureExamples examples per step the factors are estimated from: the first m of
   *     the training pass; 0 (the default, as kfac-jax) is the whole batch
   * @param weightDecay L2 added to the gradient of the decayed leaves
   * @param decayAll decay biases, scales and shifts too
   * @param separatePass curvature_pass=separate: the m examples' statistics from a pass of their
   *     own (networks whose examples do not interact only), not the training pass's graph
   */
  public record Kfac(double momentum, double damping, double normConstraint, double ema,
      int inversePeriod, int burnin, boolean empirical, int curvatureExamples, double weightDecay,
      boolean decayAll, boolean separatePass) {
    public static final Map<String, Object> DEFAULTS;

    static {
      Map<String, Object> d = scheduleDefaults(3e-4);
      d.put("momentum", 0.9);
      d.put("damping", 1e-3);
      d.put("norm_constraint", 1e-3);
      d.put("ema", 0.99);
      d.put("inverse_period", 50L);
      d.put("burnin", 5L);
      d.put("fisher", "true");
      d.put("curvature_examples", 0L);
      d.put("curvature_pass", "training");
      d.put("weight_decay", 0.0);
      d.put("decay_all", false);
      DEFAULTS = frozen(d);
    }

    public static Kfac of(Settings s) {
      s.number("learning_rate", 0, 1e3);
      double damping = s.number("damping", 0, 1e6);
      double ema = s.number("ema");
      if (!(ema > 0 && ema <= 1)) {
        throw TailorException.user(String.format(Locale.ROOT,
            "optimizer.kfac.ema = %s is out of range; allowed: (0, 1], e.g. 0.99", ema));
      }
      double period = s.number("inverse_period", 1, 1e9);
      String fisher = s.string("fisher").toLowerCase(Locale.ROOT);
      if (!fisher.equals("true") && !fisher.equals("empirical")) {
        throw TailorException.user("optimizer.kfac.fisher = '" + s.string("fisher")
            + "' is not known; allowed: true (targets sampled from the model), empirical (real labels)");
      }
      String pass = s.string("curvature_pass").toLowerCase(Locale.ROOT);
      if (!pass.equals("training") && !pass.equals("separate")) {
        throw TailorException.user("optimizer.kfac.curvature_pass = '" + s.string("curvature_pass")
            + "' is not known; allowed: training (the training pass's graph), separate (a pass of "
            + "the first curvature_examples examples, for networks without batch norm or dropout)");
      }
      int examples = (int) s.number("curvature_examples", 0, 1e9);
      boolean separate = pass.equals("separate");
      if (separate && (examples == 0 || fisher.equals("empirical"))) {
        throw TailorException.user("optimizer.kfac.curvature_pass = separate needs the true Fisher "
            + "on curvature_examples = m > 0 examples (now " + examples + ", fisher " + fisher
            + "); e.g. --set optimizer.kfac.curvature_examples=16");
      }
      return new Kfac(s.number("momentum", 0, 1), damping, s.number("norm_constraint", 0, 1e9), ema,
          (int) period, (int) s.number("burnin", 0, 1e9), fisher.equals("empirical"),
          examples, s.number("weight_decay", 0, 1), s.flag("decay_all"), separate);
    }
  }
}
