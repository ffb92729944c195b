package tailor.kernelshaping.internal;

import java.util.Map;
import tailor.api.activation.BaseActivation;
import tailor.api.activation.ShapedActivation;
import tailor.api.shaping.ActivationTransform;
import tailor.api.shaping.ShapingTargets;
import tailor.api.shaping.SubnetMaxFunction;

/** The activation as it is (the baseline). Leaky ReLU keeps its default slope 0.01. */
public final class UntransformedTransform implements ActivationTransform {
  @Override
  public String name() {
    return "untransformed";
  }

  @Override
  public String version() {
    return KernelShapingModule.VERSION;
  }

  @Override
  public String description() {
    return "no transformation: phi_hat = phi";
  }

  @Override
  public String rejects(BaseActivation base) {
    return null;
  }

  @Override
  public ShapedActivation shape(BaseActivation base, ShapingTargets targets, SubnetMaxFunction network) {
    return ShapedActivation.identity(base);
  }

  @Override
  public Map<String, Double> targetsUsed(ShapingTargets targets) {
    return Map.of();
  }
}
