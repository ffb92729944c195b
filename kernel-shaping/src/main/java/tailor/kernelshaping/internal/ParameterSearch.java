package tailor.kernelshaping.internal;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import tailor.api.TailorException;
import tailor.api.activation.BaseActivation;
import tailor.api.activation.ShapeParam;
import tailor.api.activation.ShapedActivation;
import tailor.api.shaping.Quadrature;
import tailor.kernelshaping.ActivationMoments;

/**
 * Finds the parameters of phi_hat that meet a set of local targets (Q'(1), C(0), C'(1), C''(1)),
 * with Q(1) = 1 always met through the output scale. This is the search of the reference's
 * {@code _solve_for_activation_params}, with the same free parameters per activation, the same
 * ordered starting points (a fixed grid, then numpy-seeded random draws) and the same rule for
 * which solution wins (the first converged one that is not rejected), so that where a system has
 * several roots (ELU under TAT, for instance) Tailor returns the same one. The root finder is
 * Powell's hybrid method as in MINPACK ({@link HybridSolver}), whose trust region decides which
 * root a start leads to; a converged point whose residual exceeds {@link #MAX_RESIDUAL} is not
 * accepted.
 */
public final class ParameterSearch {
  /** Beyond this local C'(1) target a ReLU needs a negative input shift (reference constant). */
  public static final double RELU_MAX_SLOPE_WITH_POSITIVE_SHIFT = 1.466942206924260361;
  private static final long SEED = 123;
  /** Largest residual norm accepted as a root (the roots found are at ~1e-12). */
  static final double MAX_RESIDUAL = 1e-7;
  private static final int NUM_TRIES = 50;

  private ParameterSearch() {}

  /**
   * The local targets; null means "not targeted".
   *
   * @param qSlope1 Q'(1)
   * @param c0 C(0) (when set, the output shift is derived from it)
   * @param cSlope1 C'(1)
   * @param cCurv1 C''(1)
   */
  public record Targets(Double qSlope1, Double c0, Double cSlope1, Double cCurv1) {
    String describe() {
      List<String> parts = new ArrayList<>();
      parts.add("Q(1) = 1");
      if (qSlope1 != null) {
        parts.add("Q'(1) = " + g(qSlope1));
      }
      if (c0 != null) {
        parts.add("C(0) = " + g(c0));
      }
      if (cSlope1 != null) {
        parts.add("C'(1) = " + g(cSlope1));
      }
      if (cCurv1 != null) {
        parts.add("C''(1) = " + g(cCurv1));
      }
      return String.join(", ", parts);
    }
  }

  private static String g(double v) {
    return String.format(Locale.ROOT, "%.10g", v);
  }

  private static double alwaysTryStart(ShapeParam p, int i) {
    return alwaysTry(p)[i];
  }

  private static double[] alwaysTry(ShapeParam p) {
    switch (p) {
      case INPUT_SHIFT:
      case OUTPUT_SHIFT:
        return new double[] {0.0, 1.0, -1.0};
      case INPUT_SCALE:
        return new double[] {1.0, 0.1};
      case NEGATIVE_SLOPE:
        return new double[] {0.0, 0.5};
      default:
        throw new IllegalArgumentException(p.key());
    }
  }

  private static double sampleLow(ShapeParam p) {
    return p == ShapeParam.INPUT_SHIFT || p == ShapeParam.OUTPUT_SHIFT ? -3.0 : 0.0;
  }

  private static double sampleHigh(ShapeParam p) {
    switch (p) {
      case INPUT_SHIFT:
      case OUTPUT_SHIFT:
        return 3.0;
      case INPUT_SCALE:
        return 2.0;
      default:
        return 1.0;
    }
  }

  /** The starting points, in the reference's order. */
  static List<double[]> startingPoints(List<ShapeParam> opt) {
    List<double[]> points = new ArrayList<>();
    int[] counts = new int[opt.size()];
    int total = 1;
    for (int i = 0; i < opt.size(); i++) {
      counts[i] = alwaysTry(opt.get(i)).length;
      total *= counts[i];
    }
    // itertools.product: the last parameter varies fastest.
    for (int idx = 0; idx < total; idx++) {
      double[] p = new double[opt.size()];
      int rem = idx;
      for (int i = opt.size() - 1; i >= 0; i--) {
        p[i] = alwaysTryStart(opt.get(i), rem % counts[i]);
        rem /= counts[i];
      }
      points.add(p);
    }
    NumpyRandom rng = new NumpyRandom(SEED);
    while (points.size() < NUM_TRIES) {
      double[] p = new double[opt.size()];
      for (int i = 0; i < opt.size(); i++) {
        p[i] = rng.uniform(sampleLow(opt.get(i)), sampleHigh(opt.get(i)));
      }
      points.add(p);
    }
    return points;
  }

  /**
   * Solves for the parameters of {@code base} meeting {@code targets}.
   *
   * @param method the method's name, for messages
   * @param reject solutions to skip (the reference's "hacky fix" for TAT), or null
   * @throws TailorException (internal) naming the activation, the targets and the starts tried
   */
  public static ShapedActivation solve(String method, BaseActivation base, Targets targets,
      Predicate<ShapedActivation> reject, Quadrature quadrature) {
    EnumMap<ShapeParam, Double> constant = new EnumMap<>(ShapeParam.class);
    List<ShapeParam> opt;
    Double qSlopeTarget = targets.qSlope1();
    if (base.name().equals("relu")) {
      if (targets.cSlope1() == null || targets.cCurv1() != null) {
        throw new IllegalArgumentException("relu supports only a C'(1) target");
      }
      constant.put(ShapeParam.INPUT_SHIFT,
          targets.cSlope1() < RELU_MAX_SLOPE_WITH_POSITIVE_SHIFT ? 1.0 : -1.0);
      opt = List.of(ShapeParam.INPUT_SCALE);
      qSlopeTarget = null;
    } else if (base.hasNegativeSlope()) {
      opt = List.of(ShapeParam.NEGATIVE_SLOPE, ShapeParam.INPUT_SHIFT);
    } else if (targets.c0() != null) {
      opt = List.of(ShapeParam.INPUT_SCALE, ShapeParam.INPUT_SHIFT);
    } else {
      opt = List.of(ShapeParam.INPUT_SCALE, ShapeParam.INPUT_SHIFT, ShapeParam.OUTPUT_SHIFT);
    }
    final Double qTarget = qSlopeTarget;
    Residual residual = new Residual(base, constant, opt, targets.c0(), qTarget, targets.cSlope1(),
        targets.cCurv1(), quadrature);

    List<double[]> starts = startingPoints(opt);
    HybridSolver.Result last = null;
    ShapedActivation lastParams = null;
    List<String> tried = new ArrayList<>();
    for (double[] start : starts) {
      last = HybridSolver.solve(residual::apply, start);
      tried.add(HybridSolver.fmt(start));
      if (last.success() && !(last.residual() <= MAX_RESIDUAL)) {
        // The hybrid method's test (trust region below xtol) also fires where it stalls at a
        // non-root; the reference would return such a point, Tailor tries the next start.
        last = new HybridSolver.Result(false, last.x(), last.residual(),
            "stalled at " + HybridSolver.fmt(last.x()) + " with |residual| = " + g(last.residual()));
      }
      if (last.success()) {
        lastParams = residual.shaped(last.x());
        if (lastParams != null && (reject == null || !reject.test(lastParams))) {
          return lastParams;
        }
      }
    }
    if (last != null && last.success() && lastParams != null) {
      // The reference returns the last converged solution even when its reject rule fired.
      return lastParams;
    }
    StringBuilder names = new StringBuilder();
    for (ShapeParam p : opt) {
      names.append(names.length() == 0 ? "" : ", ").append(p.key());
    }
    throw TailorException.user(String.format(Locale.ROOT,
        "%s could not find parameters for %s meeting %s: tried %d starts of (%s), first %s, "
            + "last %s; the last failed because: %s. These targets may be out of reach for %s: "
            + "try another activation or other targets",
        method, base.name(), targets.describe(), tried.size(), names, tried.get(0),
        tried.get(tried.size() - 1), last == null ? "no start" : last.reason(), base.name()));
  }

  /** The vector of (value - target) over the targeted local quantities. */
  private static final class Residual {
    private final BaseActivation base;
    private final EnumMap<ShapeParam, Double> constant;
    private final List<ShapeParam> opt;
    private final Double c0;
    private final Double qSlope;
    private final Double cSlope1;
    private final Double cCurv1;
    private final Quadrature quadrature;

    Residual(BaseActivation base, EnumMap<ShapeParam, Double> constant, List<ShapeParam> opt,
        Double c0, Double qSlope, Double cSlope1, Double cCurv1, Quadrature quadrature) {
      this.quadrature = quadrature;
      this.base = base;
      this.constant = constant;
      this.opt = opt;
      this.c0 = c0;
      this.qSlope = qSlope;
      this.cSlope1 = cSlope1;
      this.cCurv1 = cCurv1;
    }

    /** phi_hat for a parameter vector, with output shift/scale derived; null if undefined. */
    ShapedActivation shaped(double[] p) {
      double[] derived = derive(p);
      if (derived == null) {
        return null;
      }
      EnumMap<ShapeParam, Double> params = params(p);
      if (c0 != null) {
        params.put(ShapeParam.OUTPUT_SHIFT, derived[0]);
      }
      params.put(ShapeParam.OUTPUT_SCALE, derived[1]);
      return ShapedActivation.of(base, params);
    }

    private EnumMap<ShapeParam, Double> params(double[] p) {
      EnumMap<ShapeParam, Double> params = new EnumMap<>(constant);
      for (int i = 0; i < opt.size(); i++) {
        params.put(opt.get(i), p[i]);
      }
      return params;
    }

    private ActivationMoments moments(double[] p) {
      EnumMap<ShapeParam, Double> params = params(p);
      BaseActivation phi = base;
      if (params.containsKey(ShapeParam.NEGATIVE_SLOPE)) {
        phi = base.withNegativeSlope(params.get(ShapeParam.NEGATIVE_SLOPE));
      }
      double scale = params.getOrDefault(ShapeParam.INPUT_SCALE, 1.0);
      double shift = params.getOrDefault(ShapeParam.INPUT_SHIFT, 0.0);
      return ActivationMoments.of(phi, scale, shift, quadrature);
    }

    /** {output_shift, output_scale} and the moments, or null where Q(1) would be 0. */
    private double[] derive(double[] p) {
      ActivationMoments m = moments(p);
      return derive(p, m);
    }

    private double[] derive(double[] p, ActivationMoments m) {
      double delta;
      if (c0 != null) {
        delta = Math.sqrt(c0) - m.mean();
      } else {
        int idx = opt.indexOf(ShapeParam.OUTPUT_SHIFT);
        delta = idx >= 0 ? p[idx] : 0.0;
      }
      double q = m.meanSquare() + 2.0 * delta * m.mean() + delta * delta;
      if (!(q > 0) || !Double.isFinite(q)) {
        return null;
      }
      return new double[] {delta, 1.0 / Math.sqrt(q)};
    }

    double[] apply(double[] p) {
      ActivationMoments m = moments(p);
      double[] d = derive(p, m);
      if (d == null) {
        return null;
      }
      double delta = d[0];
      double gamma = d[1];
      double g2 = gamma * gamma;
      double[] r = new double[(qSlope != null ? 1 : 0) + (cSlope1 != null ? 1 : 0)
          + (cCurv1 != null ? 1 : 0)];
      int i = 0;
      if (qSlope != null) {
        r[i++] = m.qSlope1(delta, gamma) - qSlope;
      }
      if (cSlope1 != null) {
        r[i++] = g2 * m.dfSquare() - cSlope1;
      }
      if (cCurv1 != null) {
        r[i++] = g2 * m.ddfSquare() - cCurv1;
      }
      return r;
    }
  }
}
