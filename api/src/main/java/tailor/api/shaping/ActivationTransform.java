package tailor.api.shaping;

import java.util.Map;
import tailor.api.Plugin;
import tailor.api.activation.BaseActivation;
import tailor.api.activation.ShapedActivation;

/**
 * An activation transform (DKS, TAT-LReLU, TAT-smooth, untransformed, ...): chooses the
 * parameters of phi_hat so that the network's kernel has the shape the method asks for.
 */
public interface ActivationTransform extends Plugin {

  /**
   * Whether this transform can shape {@code base}; if not, the reason and a hint, as one line
   * ("relu cannot be shaped by TAT; use leaky_relu ..."), else null.
   */
  String rejects(BaseActivation base);

  /**
   * The shaped activation for {@code base} in the network whose subnetwork maximizing function
   * is {@code network}.
   *
   * @throws tailor.api.TailorException (user) for invalid or unreachable targets, naming the
   *     largest reachable value where there is one
   */
  ShapedActivation shape(BaseActivation base, ShapingTargets targets, SubnetMaxFunction network);

  /**
   * The targets this transform used, by their names (eta, tau, zeta, q_slope); empty for
   * transforms without targets.
   */
  Map<String, Double> targetsUsed(ShapingTargets targets);
}
