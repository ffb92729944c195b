package tailor.kernelshaping;

import static tailor.kernelshaping.SpecialFunctions.INV_SQRT_2PI;
import static tailor.kernelshaping.SpecialFunctions.TWO_OVER_SQRT_PI;

import java.util.List;
import tailor.api.activation.BaseActivation;
import tailor.api.activation.ElementwiseOps;
import tailor.kernelshaping.internal.KernelShapingModule;

/**
 * The 16 base activations of the reference package {@code dks}, with exact first and second
 * derivatives. Definitions follow {@code dks.base.activation_getter} (for example softplus is
 * log(1 + e^{-|x|}) + max(x, 0); gelu is the tanh approximation with 0.044715; SELU uses
 * lambda = 1.0507009873554804934 and alpha = 1.6732632423543772848). At a kink the derivative
 * of the right-hand branch is returned for x &gt;= 0, as the reference's autodiff does.
 */
public final class Activations {
  private Activations() {}

  /** One instance of each of the 16 activations, in the reference's order. */
  public static List<BaseActivation> all() {
    return List.of(new Tanh(), new Softplus(), new LeakyRelu(), new Relu(), new Selu(), new Elu(),
        new Swish(), new Sigmoid(), new Erf(), new Bentid(), new Atan(), new Asinh(), new Square(),
        new Softsign(), new Gelu(), new GeluExact());
  }

  /** The activation with the given name. */
  public static BaseActivation byName(String name) {
    for (BaseActivation a : all()) {
      if (a.name().equals(name)) {
        return a;
      }
    }
    throw new IllegalArgumentException("unknown activation " + name);
  }

  private static final double[] KINK_AT_ZERO = {0.0};

  /** Common plumbing: name, version, description. */
  abstract static class Named implements BaseActivation {
    private final String name;
    private final String description;

    Named(String name, String description) {
      this.name = name;
      this.description = description;
    }

    @Override
    public final String name() {
      return name;
    }

    @Override
    public final String version() {
      return KernelShapingModule.VERSION;
    }

    @Override
    public final String description() {
      return description;
    }

    @Override
    public String toString() {
      return name;
    }
  }

  /** tanh(x). */
  public static final class Tanh extends Named {
    public Tanh() {
      super("tanh", "hyperbolic tangent");
    }

    @Override
    public <T> T apply(T u, ElementwiseOps<T> ops) {
      return ops.tanh(u);
    }

    @Override
    public double value(double x) {
      return Math.tanh(x);
    }

    @Override
    public double derivative(double x) {
      double t = Math.tanh(x);
      return 1.0 - t * t;
    }

    @Override
    public double secondDerivative(double x) {
      double t = Math.tanh(x);
      return -2.0 * t * (1.0 - t * t);
    }
  }

  /** log(1 + e^x), computed stably. */
  public static final class Softplus extends Named {
    public Softplus() {
      super("softplus", "log(1 + e^x)");
    }

    @Override
    public <T> T apply(T u, ElementwiseOps<T> ops) {
      return ops.softplus(u);
    }

    @Override
    public double value(double x) {
      return Math.log1p(Math.exp(-Math.abs(x))) + Math.max(x, 0.0);
    }

    @Override
    public double derivative(double x) {
      return SpecialFunctions.sigmoid(x);
    }

    @Override
    public double secondDerivative(double x) {
      double s = SpecialFunctions.sigmoid(x);
      return s * (1.0 - s);
    }
  }

  /** max(x, a x) for a negative slope a (default 0.01, as in the reference). */
  public static final class LeakyRelu extends Named {
    private final double slope;

    public LeakyRelu() {
      this(0.01);
    }

    LeakyRelu(double slope) {
      super("leaky_relu", "leaky ReLU: x for x >= 0, negative_slope * x below (TReLU under TAT)");
      this.slope = slope;
    }

    @Override
    public <T> T apply(T u, ElementwiseOps<T> ops) {
      return ops.where(u, u, ops.mul(u, slope));
    }

    @Override
    public double value(double x) {
      return x < 0 ? slope * x : x;
    }

    @Override
    public double derivative(double x) {
      return x < 0 ? slope : 1.0;
    }

    @Override
    public double secondDerivative(double x) {
      return 0.0;
    }

    @Override
    public double[] kinks() {
      return KINK_AT_ZERO.clone();
    }

    @Override
    public boolean hasNegativeSlope() {
      return true;
    }

    @Override
    public boolean derivativeJumps() {
      return slope != 1.0;
    }

    @Override
    public double negativeSlope() {
      return slope;
    }

    @Override
    public BaseActivation withNegativeSlope(double s) {
      return new LeakyRelu(s);
    }
  }

  /** max(x, 0). */
  public static final class Relu extends Named {
    public Relu() {
      super("relu", "rectified linear unit (DKS only, discouraged; use leaky_relu)");
    }

    @Override
    public <T> T apply(T u, ElementwiseOps<T> ops) {
      return ops.relu(u);
    }

    @Override
    public double value(double x) {
      return Math.max(x, 0.0);
    }

    @Override
    public double derivative(double x) {
      return x > 0 ? 1.0 : 0.0;
    }

    @Override
    public double secondDerivative(double x) {
      return 0.0;
    }

    @Override
    public double[] kinks() {
      return KINK_AT_ZERO.clone();
    }

    @Override
    public boolean derivativeJumps() {
      return true;
    }
  }

  /** lambda * (x if x &gt;= 0 else alpha (e^x - 1)). */
  static class EluFamily extends Named {
    private final double alpha;
    private final double lambda;

    EluFamily(String name, String description, double alpha, double lambda) {
      super(name, description);
      this.alpha = alpha;
      this.lambda = lambda;
    }

    @Override
    public <T> T apply(T u, ElementwiseOps<T> ops) {
      // exp of min(u, 0): the branch not taken never overflows (its gradient would be NaN)
      T negative = ops.sub(u, ops.relu(u));
      return ops.where(u, ops.mul(u, lambda), ops.mul(ops.add(ops.exp(negative), -1.0), lambda * alpha));
    }

    @Override
    public double value(double x) {
      return x < 0 ? lambda * alpha * Math.expm1(x) : lambda * x;
    }

    @Override
    public double derivative(double x) {
      return x < 0 ? lambda * alpha * Math.exp(x) : lambda;
    }

    @Override
    public double secondDerivative(double x) {
      return x < 0 ? lambda * alpha * Math.exp(x) : 0.0;
    }

    @Override
    public double[] kinks() {
      return KINK_AT_ZERO.clone();
    }

    @Override
    public boolean derivativeJumps() {
      return lambda * alpha != lambda;
    }
  }

  /** Scaled ELU. */
  public static final class Selu extends EluFamily {
    /** SELU lambda, as in the reference. */
    public static final double LAMBDA = 1.0507009873554804934193349852946;
    /** SELU alpha, as in the reference. */
    public static final double ALPHA = 1.6732632423543772848170429916717;

    public Selu() {
      super("selu", "scaled exponential linear unit", ALPHA, LAMBDA);
    }
  }

  /** ELU with alpha = 1. */
  public static final class Elu extends EluFamily {
    public Elu() {
      super("elu", "exponential linear unit (alpha = 1)", 1.0, 1.0);
    }
  }

  /** x * sigmoid(x) (SiLU). */
  public static final class Swish extends Named {
    public Swish() {
      super("swish", "x * sigmoid(x) (SiLU)");
    }

    @Override
    public <T> T apply(T u, ElementwiseOps<T> ops) {
      return ops.mul(u, ops.sigmoid(u));
    }

    @Override
    public double value(double x) {
      return x * SpecialFunctions.sigmoid(x);
    }

    @Override
    public double derivative(double x) {
      double s = SpecialFunctions.sigmoid(x);
      return s + x * s * (1.0 - s);
    }

    @Override
    public double secondDerivative(double x) {
      double s = SpecialFunctions.sigmoid(x);
      return s * (1.0 - s) * (2.0 + x * (1.0 - 2.0 * s));
    }
  }

  /** The logistic sigmoid. */
  public static final class Sigmoid extends Named {
    public Sigmoid() {
      super("sigmoid", "logistic sigmoid 1 / (1 + e^-x)");
    }

    @Override
    public <T> T apply(T u, ElementwiseOps<T> ops) {
      return ops.sigmoid(u);
    }

    @Override
    public double value(double x) {
      return SpecialFunctions.sigmoid(x);
    }

    @Override
    public double derivative(double x) {
      double s = SpecialFunctions.sigmoid(x);
      return s * (1.0 - s);
    }

    @Override
    public double secondDerivative(double x) {
      double s = SpecialFunctions.sigmoid(x);
      return s * (1.0 - s) * (1.0 - 2.0 * s);
    }
  }

  /** The error function. */
  public static final class Erf extends Named {
    public Erf() {
      super("erf", "error function");
    }

    @Override
    public <T> T apply(T u, ElementwiseOps<T> ops) {
      return ops.erf(u);
    }

    @Override
    public double value(double x) {
      return SpecialFunctions.erf(x);
    }

    @Override
    public double derivative(double x) {
      return TWO_OVER_SQRT_PI * Math.exp(-x * x);
    }

    @Override
    public double secondDerivative(double x) {
      return -2.0 * x * TWO_OVER_SQRT_PI * Math.exp(-x * x);
    }
  }

  /** The bent identity (sqrt(x^2 + 1) - 1) / 2 + x. */
  public static final class Bentid extends Named {
    public Bentid() {
      super("bentid", "bent identity (sqrt(x^2 + 1) - 1) / 2 + x");
    }

    @Override
    public <T> T apply(T u, ElementwiseOps<T> ops) {
      return ops.add(ops.mul(ops.add(ops.sqrt(ops.add(ops.square(u), 1.0)), -1.0), 0.5), u);
    }

    @Override
    public double value(double x) {
      return (Math.sqrt(x * x + 1.0) - 1.0) / 2.0 + x;
    }

    @Override
    public double derivative(double x) {
      return x / (2.0 * Math.sqrt(x * x + 1.0)) + 1.0;
    }

    @Override
    public double secondDerivative(double x) {
      double r = x * x + 1.0;
      return 1.0 / (2.0 * r * Math.sqrt(r));
    }
  }

  /** arctan(x). */
  public static final class Atan extends Named {
    public Atan() {
      super("atan", "arctangent");
    }

    @Override
    public <T> T apply(T u, ElementwiseOps<T> ops) {
      return ops.atan(u);
    }

    @Override
    public double value(double x) {
      return Math.atan(x);
    }

    @Override
    public double derivative(double x) {
      return 1.0 / (1.0 + x * x);
    }

    @Override
    public double secondDerivative(double x) {
      double r = 1.0 + x * x;
      return -2.0 * x / (r * r);
    }
  }

  /** asinh(x). */
  public static final class Asinh extends Named {
    public Asinh() {
      super("asinh", "inverse hyperbolic sine");
    }

    @Override
    public <T> T apply(T u, ElementwiseOps<T> ops) {
      // odd: sign(u) log(|u| + sqrt(u^2 + 1)), |u| by where() so the gradient at 0 is 1, and no
      // cancellation for large negative u
      T a = ops.where(u, u, ops.neg(u));
      T v = ops.log(ops.add(a, ops.sqrt(ops.add(ops.square(a), 1.0))));
      return ops.where(u, v, ops.neg(v));
    }

    @Override
    public double value(double x) {
      return SpecialFunctions.asinh(x);
    }

    @Override
    public double derivative(double x) {
      return 1.0 / Math.sqrt(1.0 + x * x);
    }

    @Override
    public double secondDerivative(double x) {
      double r = 1.0 + x * x;
      return -x / (r * Math.sqrt(r));
    }
  }

  /** x^2. */
  public static final class Square extends Named {
    public Square() {
      super("square", "x^2");
    }

    @Override
    public <T> T apply(T u, ElementwiseOps<T> ops) {
      return ops.square(u);
    }

    @Override
    public double value(double x) {
      return x * x;
    }

    @Override
    public double derivative(double x) {
      return 2.0 * x;
    }

    @Override
    public double secondDerivative(double x) {
      return 2.0;
    }
  }

  /** x / (1 + |x|). Its second derivative jumps at 0. */
  public static final class Softsign extends Named {
    public Softsign() {
      super("softsign", "x / (1 + |x|)");
    }

    @Override
    public <T> T apply(T u, ElementwiseOps<T> ops) {
      return ops.div(u, ops.add(ops.abs(u), 1.0));
    }

    @Override
    public double value(double x) {
      return x / (1.0 + Math.abs(x));
    }

    @Override
    public double derivative(double x) {
      double r = 1.0 + Math.abs(x);
      return 1.0 / (r * r);
    }

    @Override
    public double secondDerivative(double x) {
      double r = 1.0 + Math.abs(x);
      return -2.0 * Math.signum(x) / (r * r * r);
    }

    @Override
    public double[] kinks() {
      return KINK_AT_ZERO.clone();
    }
  }

  /** GELU, tanh approximation: x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
  public static final class Gelu extends Named {
    private static final double K = Math.sqrt(2.0 / Math.PI);
    private static final double C = 0.044715;

    public Gelu() {
      super("gelu", "GELU, tanh approximation");
    }

    @Override
    public <T> T apply(T u, ElementwiseOps<T> ops) {
      T inner = ops.mul(ops.add(u, ops.mul(ops.mul(ops.square(u), u), C)), K);
      return ops.mul(ops.mul(u, ops.add(ops.tanh(inner), 1.0)), 0.5);
    }

    @Override
    public double value(double x) {
      return 0.5 * x * (1.0 + Math.tanh(K * (x + C * x * x * x)));
    }

    @Override
    public double derivative(double x) {
      double t = Math.tanh(K * (x + C * x * x * x));
      double du = K * (1.0 + 3.0 * C * x * x);
      return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * du;
    }

    @Override
    public double secondDerivative(double x) {
      double t = Math.tanh(K * (x + C * x * x * x));
      double s = 1.0 - t * t;
      double du = K * (1.0 + 3.0 * C * x * x);
      double ddu = K * 6.0 * C * x;
      return s * du + 0.5 * x * s * (ddu - 2.0 * t * du * du);
    }
  }

  /** Exact GELU x Phi(x). */
  public static final class GeluExact extends Named {
    public GeluExact() {
      super("gelu_exact", "GELU, exact: x * Phi(x)");
    }

    @Override
    public <T> T apply(T u, ElementwiseOps<T> ops) {
      return ops.mul(ops.mul(u, ops.add(ops.erf(ops.mul(u, 1.0 / Math.sqrt(2.0))), 1.0)), 0.5);
    }

    @Override
    public double value(double x) {
      return x * SpecialFunctions.normalCdf(x);
    }

    @Override
    public double derivative(double x) {
      return SpecialFunctions.normalCdf(x) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x);
    }

    @Override
    public double secondDerivative(double x) {
      return INV_SQRT_2PI * Math.exp(-0.5 * x * x) * (2.0 - x * x);
    }
  }
}
