package tailor.kernelshaping.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import tailor.api.activation.BaseActivation;
import tailor.api.activation.ShapedActivation;
import tailor.api.shaping.ActivationTransform;
import tailor.api.shaping.ShapingTargets;
import tailor.api.shaping.SubnetMaxFunction;
import tailor.kernelshaping.TargetChecks;

/**
 * Deep Kernel Shaping: Q(1) = 1, Q'(1) = q_slope (1), C(0) = 0 and the local C'(1) = s* where the
 * maximal slope function mu_f(s*) = zeta, so that C_f'(1) &lt;= zeta over all subnetworks.
 * ReLU is supported as the reference does (input shift fixed to +1, or -1 past the largest slope
 * a positive shift reaches; only the input scale is solved for, Q'(1) is not targeted), but is
 * discouraged.
 */
public final class DksTransform implements ActivationTransform {
  @Override
  public String name() {
    return "dks";
  }

  @Override
  public String version() {
    return KernelShapingModule.VERSION;
  }

  @Override
  public String description() {
    return "Deep Kernel Shaping: Q(1)=1, Q'(1)=1, C(0)=0, max C_f'(1)=zeta";
  }

  @Override
  public String rejects(BaseActivation base) {
    return null;
  }

  /** The local C'(1) target s* with mu_f(s*) = zeta. */
  public static double localSlopeTarget(SubnetMaxFunction network, double zeta) {
    return IncreasingSearch.solve(network::maxSlope, TargetChecks.zeta(zeta, null), 1.1, 1.0,
        Double.POSITIVE_INFINITY);
  }

  @Override
  public ShapedActivation shape(BaseActivation base, ShapingTargets targets, SubnetMaxFunction network) {
    double q = TargetChecks.qSlope(targets.qSlope(), null);
    double s = localSlopeTarget(network, targets.zeta());
    return ParameterSearch.solve(name(), base, new ParameterSearch.Targets(q, 0.0, s, null), null,
        targets.quadrature());
  }

  @Override
  public Map<String, Double> targetsUsed(ShapingTargets targets) {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("zeta", targets.zeta());
    m.put("q_slope", targets.qSlope());
    return m;
  }
}
