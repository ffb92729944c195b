package tailor.kernelshaping.internal;

import java.util.Map;
import tailor.api.TailorException;
import tailor.api.activation.BaseActivation;
import tailor.api.activation.ShapedActivation;
import tailor.api.shaping.ActivationTransform;
import tailor.api.shaping.ShapingTargets;
import tailor.api.shaping.SubnetMaxFunction;
import tailor.kernelshaping.TargetChecks;

/**
 * TAT for smooth activations (Algorithm 2 of the TAT paper): Q(1) = 1, Q'(1) = 1, C'(1) = 1 and
 * the local C''(1) = kappa* where the maximal curvature function gives tau, so that
 * C_f''(1) &lt;= tau over all subnetworks. Solutions with input_scale * output_scale &gt;= 2 are
 * skipped, as in the reference (they have unstable Q maps).
 */
public final class TatSmoothTransform implements ActivationTransform {
  @Override
  public String name() {
    return "tat-smooth";
  }

  @Override
  public String version() {
    return KernelShapingModule.VERSION;
  }

  @Override
  public String description() {
    return "TAT for smooth activations: Q(1)=1, Q'(1)=1, C'(1)=1, max C_f''(1)=tau";
  }

  @Override
  public String rejects(BaseActivation base) {
    if (base.name().equals("relu")) {
      return "relu cannot be shaped by TAT; use leaky_relu (TAT-LReLU) or a smooth activation";
    }
    if (base.hasNegativeSlope()) {
      return base.name() + " is shaped by tat-lrelu, not tat-smooth (--method tat picks it)";
    }
    return null;
  }

  /** The local C''(1) target kappa* with M_{f, y -> kappa + y}(0) = tau. */
  public static double localCurvatureTarget(SubnetMaxFunction network, double tau) {
    return IncreasingSearch.solve(network::maxCurvature, TargetChecks.tau(tau, null), 0.1, 0.0,
        Double.POSITIVE_INFINITY);
  }

  @Override
  public ShapedActivation shape(BaseActivation base, ShapingTargets targets, SubnetMaxFunction network) {
    String why = rejects(base);
    if (why != null) {
      throw TailorException.user(why);
    }
    double kappa = localCurvatureTarget(network, targets.tau());
    return ParameterSearch.solve(name(), base, new ParameterSearch.Targets(1.0, null, 1.0, kappa),
        s -> s.inputScale() * s.outputScale() >= 2.0, targets.quadrature());
  }

  @Override
  public Map<String, Double> targetsUsed(ShapingTargets targets) {
    return Map.of("tau", targets.tau());
  }
}
