package dev.tailor.examples.rmsprop;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tailor.api.SpiVersion;
import tailor.api.TailorException;
import tailor.api.optim.Optimizer;
import tailor.api.optim.OptimizerProvider;
import tailor.api.optim.ParamSpec;
import tailor.api.optim.StepContext;

/**
 * {@code rmsprop}: nu = rho nu + (1 - rho) g^2; v = momentum v + g / (sqrt(nu) + eps);
 * theta -= lr(t) v, with a linear warm-up over the first {@code warmup} fraction of the steps
 * and then a cosine decay to zero (or a constant rate with {@code schedule=constant}).
 */
public final class RmspropProvider implements OptimizerProvider {
  /** The plugin's version (the jar's). */
  static final String VERSION = "1.0.0";

  @Override
  public String name() {
    return "rmsprop";
  }

  @Override
  public String version() {
    return VERSION;
  }

  @Override
  public String description() {
    return "RMSprop (example third-party plugin): g / (sqrt(EMA of g^2) + eps), momentum";
  }

  /**
   * The SPI this plugin was compiled against: {@code SpiVersion.MAJOR} is a compile-time
   * constant, so the value is fixed in this class when it is built.
   */
  @Override
  public int spiMajorVersion() {
    return SpiVersion.MAJOR;
  }

  @Override
  public Map<String, Object> defaults() {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("learning_rate", 1e-3);
    d.put("schedule", "cosine");
    d.put("warmup", 0.05);
    d.put("rho", 0.9);
    d.put("eps", 1e-8);
    d.put("momentum", 0.0);
    return d;
  }

  @Override
  public Optimizer create(Map<String, Object> settings) {
    double lr = number(settings, "learning_rate", 0, 1e3);
    double warmup = number(settings, "warmup", 0, 1);
    double rho = number(settings, "rho", 0, 1);
    double eps = number(settings, "eps", 0, 1);
    double momentum = number(settings, "momentum", 0, 1);
    String schedule = String.valueOf(settings.getOrDefault("schedule", "cosine"));
    if (!schedule.equals("cosine") && !schedule.equals("constant")) {
      throw TailorException.user("optimizer.rmsprop.schedule is '" + schedule
          + "'; allowed: cosine, constant");
    }
    return new Rmsprop(lr, schedule.equals("cosine"), warmup, rho, eps, momentum);
  }

  private static double number(Map<String, Object> s, String key, double lo, double hi) {
    Object v = s.get(key);
    double d;
    try {
      d = v instanceof Number n ? n.doubleValue() : Double.parseDouble(String.valueOf(v));
    } catch (NumberFormatException e) {
      throw TailorException.user("optimizer.rmsprop." + key + " is '" + v + "', not a number");
    }
    if (!(d >= lo && d <= hi)) {
      throw TailorException.user("optimizer.rmsprop." + key + " = " + d + " is outside [" + lo + ", " + hi + "]");
    }
    return d;
  }

  /** The optimizer: its state is nu (and the velocity) per parameter leaf, on the host. */
  static final class Rmsprop implements Optimizer {
    private final double lr;
    private final boolean cosine;
    private final double warmup;
    private final double rho;
    private final double eps;
    private final double momentum;
    private List<ParamSpec> specs;
    private long total;
    private double[][] nu;
    private double[][] velocity;

    Rmsprop(double lr, boolean cosine, double warmup, double rho, double eps, double momentum) {
      this.lr = lr;
      this.cosine = cosine;
      this.warmup = warmup;
      this.rho = rho;
      this.eps = eps;
      this.momentum = momentum;
    }

    @Override
    public void init(List<ParamSpec> params, long totalSteps) {
      this.specs = List.copyOf(params);
      this.total = Math.max(1, totalSteps);
      nu = new double[params.size()][];
      velocity = new double[params.size()][];
      for (int i = 0; i < params.size(); i++) {
        nu[i] = new double[params.get(i).size()];
        velocity[i] = new double[params.get(i).size()];
      }
    }

    @Override
    public double learningRate(long step) {
      double warm = Math.floor(warmup * total);
      if (step < warm) {
        return lr * (step + 1) / warm;
      }
      if (!cosine) {
        return lr;
      }
      double progress = (step - warm) / Math.max(1, total - warm);
      return lr * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, progress)));
    }

    @Override
    public void update(StepContext context) {
      double rate = learningRate(context.step());
      double[][] g = context.gradients();
      double[][] p = context.parameters();
      for (int i = 0; i < p.length; i++) {
        double[] n = nu[i];
        double[] v = velocity[i];
        for (int j = 0; j < p[i].length; j++) {
          double gj = g[i][j];
          n[j] = rho * n[j] + (1 - rho) * gj * gj;
          v[j] = momentum * v[j] + gj / (Math.sqrt(n[j]) + eps);
          p[i][j] -= rate * v[j];
        }
      }
    }

    @Override
    public Map<String, double[]> state() {
      Map<String, double[]> s = new LinkedHashMap<>();
      for (int i = 0; i < specs.size(); i++) {
        s.put("nu/" + specs.get(i).name(), nu[i].clone());
        s.put("velocity/" + specs.get(i).name(), velocity[i].clone());
      }
      return s;
    }

    @Override
    public void restore(Map<String, double[]> state) {
      for (int i = 0; i < specs.size(); i++) {
        double[] n = state.get("nu/" + specs.get(i).name());
        double[] v = state.get("velocity/" + specs.get(i).name());
        if (n == null || v == null || n.length != nu[i].length || v.length != velocity[i].length) {
          throw TailorException.user("the checkpoint has no rmsprop state for " + specs.get(i).name()
              + " of " + nu[i].length + " elements");
        }
        System.arraycopy(n, 0, nu[i], 0, n.length);
        System.arraycopy(v, 0, velocity[i], 0, v.length);
      }
    }
  }
}
