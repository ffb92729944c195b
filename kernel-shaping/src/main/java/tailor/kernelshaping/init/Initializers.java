package tailor.kernelshaping.init;

import java.util.List;
import java.util.Locale;
import java.util.random.RandomGenerator;
import tailor.api.TailorException;
import tailor.api.init.InitOptions;
import tailor.api.init.Initializer;
import tailor.api.init.WeightShape;
import tailor.kernelshaping.internal.KernelShapingModule;

/**
 * The weight initializers: {@code suo} (scaled uniform orthogonal, Delta form for convolutions,
 * the DKS/TAT initialization), {@code he} (the ReLU edge of chaos, sigma_w^2 = 2, Gaussian or
 * orthogonal), {@code lecun} and {@code glorot}.
 */
public final class Initializers {
  private Initializers() {}

  /** One of each. */
  public static List<Initializer> all() {
    return List.of(new Suo(), new He(), new Lecun(), new Glorot());
  }

  abstract static class Base implements Initializer {
    @Override
    public String version() {
      return KernelShapingModule.VERSION;
    }

    void check(WeightShape shape, double[] out) {
      if (out.length != shape.size()) {
        throw new IllegalArgumentException("array of " + out.length + " for shape " + shape);
      }
    }
  }

  /**
   * Scaled uniform orthogonal (DKS paper): a Haar orthogonal out x in matrix times
   * sigma_w * max(sqrt(out / in), 1), so that a layer keeps q at initialization. Convolutions
   * use the Delta form: every tap zero except the kernel centre, which holds that matrix over
   * (out, in) channels, the rescale computed from the channel counts of the [out, in, kh, kw]
   * layout. Kernel sizes must be odd.
   */
  public static final class Suo extends Base {
    @Override
    public String name() {
      return "suo";
    }

    @Override
    public String description() {
      return "scaled uniform orthogonal (Delta form for convs): the DKS/TAT initialization";
    }

    /** The rescale max(sqrt(out / in), 1). */
    public static double rescale(int out, int in) {
      return Math.max(Math.sqrt((double) out / in), 1.0);
    }

    @Override
    public void initWeights(WeightShape shape, double[] out, RandomGenerator rng, InitOptions options) {
      check(shape, out);
      if (shape.conv() && (shape.kernelH() % 2 == 0 || shape.kernelW() % 2 == 0)) {
        throw TailorException.user(String.format(Locale.ROOT,
            "suo (Delta-orthogonal) initialization needs odd kernel sizes, got %dx%d; use an odd "
                + "kernel or another initializer", shape.kernelH(), shape.kernelW()));
      }
      double scale = options.sigmaWOr(1.0) * rescale(shape.out(), shape.in());
      double[] m = Orthogonal.sample(shape.out(), shape.in(), rng);
      java.util.Arrays.fill(out, 0.0);
      int ch = shape.kernelH() / 2;
      int cw = shape.kernelW() / 2;
      for (int o = 0; o < shape.out(); o++) {
        for (int i = 0; i < shape.in(); i++) {
          out[shape.index(o, i, ch, cw)] = scale * m[o * shape.in() + i];
        }
      }
    }
  }

  /**
   * He initialization at the ReLU edge of chaos: N(0, sigma_w^2 / fan_in) with sigma_w^2 = 2, or
   * the orthogonal variant: a Haar orthogonal out x fan_in matrix scaled by
   * sigma_w * max(sqrt(out / fan_in), 1) (fan_in = in * kh * kw, no Delta form).
   */
  public static final class He extends Base {
    @Override
    public String name() {
      return "he";
    }

    @Override
    public String description() {
      return "He / ReLU edge of chaos: variance 2/fan_in (Gaussian or orthogonal)";
    }

    @Override
    public void initWeights(WeightShape shape, double[] out, RandomGenerator rng, InitOptions options) {
      check(shape, out);
      double sigmaW = options.sigmaWOr(Math.sqrt(2.0));
      if (options.orthogonal()) {
        double[] m = Orthogonal.sample(shape.out(), shape.fanIn(), rng);
        double scale = sigmaW * Suo.rescale(shape.out(), shape.fanIn());
        for (int k = 0; k < out.length; k++) {
          out[k] = scale * m[k];
        }
      } else {
        double std = sigmaW / Math.sqrt(shape.fanIn());
        for (int k = 0; k < out.length; k++) {
          out[k] = std * rng.nextGaussian();
        }
      }
    }
  }

  /** LeCun normal: N(0, 1 / fan_in). */
  public static final class Lecun extends Base {
    @Override
    public String name() {
      return "lecun";
    }

    @Override
    public String description() {
      return "LeCun normal: variance 1/fan_in";
    }

    @Override
    public void initWeights(WeightShape shape, double[] out, RandomGenerator rng, InitOptions options) {
      check(shape, out);
      double std = options.sigmaWOr(1.0) / Math.sqrt(shape.fanIn());
      for (int k = 0; k < out.length; k++) {
        out[k] = std * rng.nextGaussian();
      }
    }
  }

  /** Glorot (Xavier) uniform: U(-l, l), l = sqrt(6 / (fan_in + fan_out)). */
  public static final class Glorot extends Base {
    @Override
    public String name() {
      return "glorot";
    }

    @Override
    public String description() {
      return "Glorot/Xavier uniform: limit sqrt(6/(fan_in+fan_out))";
    }

    @Override
    public void initWeights(WeightShape shape, double[] out, RandomGenerator rng, InitOptions options) {
      check(shape, out);
      double limit = options.sigmaWOr(1.0) * Math.sqrt(6.0 / (shape.fanIn() + shape.fanOut()));
      for (int k = 0; k < out.length; k++) {
        out[k] = limit * (2 * rng.nextDouble() - 1);
      }
    }
  }
}
