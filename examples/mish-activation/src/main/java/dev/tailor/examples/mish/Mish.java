package dev.tailor.examples.mish;

import tailor.api.SpiVersion;
import tailor.api.activation.BaseActivation;
import tailor.api.activation.ElementwiseOps;

/**
 * {@code mish}: x tanh(softplus(x)) (Misra, 2019), smooth, so TAT-smooth shapes it. The kernel
 * shaping reads its value and derivatives in double precision; backends compute it on their
 * devices from {@link #apply}, written in the SPI's elementwise operations.
 */
public final class Mish implements BaseActivation {
  @Override
  public String name() {
    return "mish";
  }

  @Override
  public String version() {
    return "1.0.0";
  }

  @Override
  public String description() {
    return "Mish, x * tanh(softplus(x)) (example third-party plugin)";
  }

  /** Built against this SPI: a compile-time constant, fixed in this class when it is built. */
  @Override
  public int spiMajorVersion() {
    return SpiVersion.MAJOR;
  }

  private static double softplus(double x) {
    return Math.log1p(Math.exp(-Math.abs(x))) + Math.max(x, 0.0);
  }

  private static double sigmoid(double x) {
    return x >= 0 ? 1.0 / (1.0 + Math.exp(-x)) : Math.exp(x) / (1.0 + Math.exp(x));
  }

  @Override
  public double value(double x) {
    return x * Math.tanh(softplus(x));
  }

  /** tanh(sp) + x sech^2(sp) sigmoid(x), sp = softplus(x) (sp' = sigmoid). */
  @Override
  public double derivative(double x) {
    double t = Math.tanh(softplus(x));
    return t + x * (1 - t * t) * sigmoid(x);
  }

  /** 2 sech^2(sp) s + x sech^2(sp) s ((1 - s) - 2 t s), s = sigmoid(x), t = tanh(sp). */
  @Override
  public double secondDerivative(double x) {
    double t = Math.tanh(softplus(x));
    double s = sigmoid(x);
    double sech2 = 1 - t * t;
    return 2 * sech2 * s + x * sech2 * s * ((1 - s) - 2 * t * s);
  }

  @Override
  public <T> T apply(T u, ElementwiseOps<T> ops) {
    return ops.mul(u, ops.tanh(ops.softplus(u)));
  }
}
