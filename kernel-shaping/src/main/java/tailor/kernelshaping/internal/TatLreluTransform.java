package tailor.kernelshaping.internal;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import tailor.api.TailorException;
import tailor.api.activation.BaseActivation;
import tailor.api.activation.ShapeParam;
import tailor.api.activation.ShapedActivation;
import tailor.api.shaping.ActivationTransform;
import tailor.api.shaping.ShapingTargets;
import tailor.api.shaping.SubnetMaxFunction;
import tailor.kernelshaping.LeakyReluCMap;
import tailor.kernelshaping.TargetChecks;

/**
 * TAT for leaky ReLU (Algorithm 1 of the TAT paper): the negative slope a in [0, 1] with
 * M_{f, C_a}(0) = eta, using the closed-form leaky-ReLU C map, and output scale
 * sqrt(2 / (1 + a^2)) so that Q(q) = q (and C'(1) = 1 holds for every a).
 */
public final class TatLreluTransform implements ActivationTransform {
  @Override
  public String name() {
    return "tat-lrelu";
  }

  @Override
  public String version() {
    return KernelShapingModule.VERSION;
  }

  @Override
  public String description() {
    return "TAT for leaky ReLU (TReLU): max C_f(0)=eta, output scale sqrt(2/(1+a^2))";
  }

  @Override
  public String rejects(BaseActivation base) {
    if (base.name().equals("relu")) {
      return "relu cannot be shaped by TAT; use leaky_relu (TAT-LReLU) or a smooth activation";
    }
    if (!base.hasNegativeSlope()) {
      return name() + " shapes leaky_relu only; " + base.name()
          + " is shaped by tat-smooth (--method tat picks it)";
    }
    return null;
  }

  /** c0(a) = M_{f, C_a}(0): the largest C_f(0) over subnetworks for negative slope a. */
  public static double maxC0(SubnetMaxFunction network, double slope) {
    return network.apply(0.0, LeakyReluCMap.of(slope));
  }

  @Override
  public ShapedActivation shape(BaseActivation base, ShapingTargets targets, SubnetMaxFunction network) {
    String why = rejects(base);
    if (why != null) {
      throw TailorException.user(why);
    }
    double eta = TargetChecks.eta(targets.eta(), null);
    double reachable = maxC0(network, 0.0);
    if (eta - reachable >= IncreasingSearch.TOL) {
      String floor = new BigDecimal(reachable).setScale(4, RoundingMode.FLOOR).stripTrailingZeros()
          .toPlainString();
      throw TailorException.user(String.format(Locale.ROOT,
          "eta = %s is not reachable for %s: the largest C_f(0) any leaky-ReLU slope gives is "
              + "%.4f (negative_slope 0); use eta <= %s or a deeper network",
          TargetChecks.num(eta), network.describe(), reachable, floor));
    }
    double a;
    try {
      a = IncreasingSearch.solve(s -> 1.0 - maxC0(network, s), 1.0 - eta, 0.5, 0.0, 1.0);
    } catch (IncreasingSearch.NotReached e) {
      throw TailorException.internal(String.format(Locale.ROOT,
          "tat-lrelu found no negative slope with max C_f(0) = %s for %s (bisection from 0.5 in "
              + "[0, 1], %d evaluations)", TargetChecks.num(eta), network.describe(),
          IncreasingSearch.MAX_EVAL), e);
    }
    EnumMap<ShapeParam, Double> p = new EnumMap<>(ShapeParam.class);
    p.put(ShapeParam.NEGATIVE_SLOPE, a);
    p.put(ShapeParam.OUTPUT_SCALE, LeakyReluCMap.outputScale(a));
    return ShapedActivation.of(base, p);
  }

  @Override
  public Map<String, Double> targetsUsed(ShapingTargets targets) {
    return Map.of("eta", targets.eta());
  }
}
