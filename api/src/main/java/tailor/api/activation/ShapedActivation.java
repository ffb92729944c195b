package tailor.api.activation;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * A base activation with the DKS/TAT transformation applied:
 * phi_hat(x) = output_scale * (phi(input_scale * x + input_shift) + output_shift), where phi may
 * carry a negative slope (leaky ReLU). Only the parameters that define phi_hat are stored; the
 * others take their identity values.
 */
public final class ShapedActivation {
  private final BaseActivation base;
  private final BaseActivation phi;
  private final EnumMap<ShapeParam, Double> params;
  private final double inputScale;
  private final double inputShift;
  private final double outputShift;
  private final double outputScale;

  private ShapedActivation(BaseActivation base, EnumMap<ShapeParam, Double> params) {
    this.base = Objects.requireNonNull(base);
    this.params = params;
    for (Map.Entry<ShapeParam, Double> e : params.entrySet()) {
      if (!Double.isFinite(e.getValue())) {
        throw new IllegalArgumentException(e.getKey().key() + " = " + e.getValue() + " is not finite");
      }
    }
    if (params.containsKey(ShapeParam.NEGATIVE_SLOPE)) {
      this.phi = base.withNegativeSlope(params.get(ShapeParam.NEGATIVE_SLOPE));
    } else {
      this.phi = base;
    }
    this.inputScale = get(ShapeParam.INPUT_SCALE);
    this.inputShift = get(ShapeParam.INPUT_SHIFT);
    this.outputShift = get(ShapeParam.OUTPUT_SHIFT);
    this.outputScale = get(ShapeParam.OUTPUT_SCALE);
  }

  /** The untransformed activation phi. */
  public static ShapedActivation identity(BaseActivation base) {
    return new ShapedActivation(base, new EnumMap<>(ShapeParam.class));
  }

  /** phi_hat with the given parameters (absent ones take their identity values). */
  public static ShapedActivation of(BaseActivation base, Map<ShapeParam, Double> params) {
    EnumMap<ShapeParam, Double> copy = new EnumMap<>(ShapeParam.class);
    copy.putAll(params);
    if (copy.containsKey(ShapeParam.NEGATIVE_SLOPE) && !base.hasNegativeSlope()) {
      throw new IllegalArgumentException(base.name() + " has no negative_slope parameter");
    }
    return new ShapedActivation(base, copy);
  }

  /** A copy with one more (or a replaced) parameter. */
  public ShapedActivation with(ShapeParam p, double value) {
    EnumMap<ShapeParam, Double> copy = new EnumMap<>(params);
    copy.put(p, value);
    return of(base, copy);
  }

  /** The base activation, as named by the user. */
  public BaseActivation base() {
    return base;
  }

  /** The base activation with its negative slope applied (what is evaluated). */
  public BaseActivation phi() {
    return phi;
  }

  /** The parameters that define phi_hat, in declaration order. */
  public Map<ShapeParam, Double> params() {
    return Collections.unmodifiableMap(params);
  }

  /** The value of a parameter, or its identity value when it is not set. */
  public double get(ShapeParam p) {
    Double v = params.get(p);
    return v != null ? v : p.identity();
  }

  public double inputScale() {
    return inputScale;
  }

  public double inputShift() {
    return inputShift;
  }

  public double outputShift() {
    return outputShift;
  }

  public double outputScale() {
    return outputScale;
  }

  /** phi_hat(x). */
  public double value(double x) {
    return outputScale * (phi.value(inputScale * x + inputShift) + outputShift);
  }

  /** phi_hat'(x). */
  public double derivative(double x) {
    return outputScale * inputScale * phi.derivative(inputScale * x + inputShift);
  }

  /** phi_hat''(x) (pointwise). */
  public double secondDerivative(double x) {
    return outputScale * inputScale * inputScale * phi.secondDerivative(inputScale * x + inputShift);
  }

  /** The kinks of phi_hat in x coordinates (empty if input_scale is 0). */
  public double[] kinks() {
    double[] k = phi.kinks();
    if (k.length == 0 || inputScale == 0.0) {
      return new double[0];
    }
    double[] out = new double[k.length];
    for (int i = 0; i < k.length; i++) {
      out[i] = (k[i] - inputShift) / inputScale;
    }
    java.util.Arrays.sort(out);
    return out;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(base.name()).append(params.isEmpty() ? "" : " ");
    String sep = "";
    for (Map.Entry<ShapeParam, Double> e : params.entrySet()) {
      sb.append(sep).append(e.getKey().key()).append('=').append(e.getValue());
      sep = ", ";
    }
    return sb.toString();
  }
}
