package tailor.optimizers.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import tailor.api.ModuleVersions;
import tailor.api.optim.Optimizer;
import tailor.api.optim.OptimizerProvider;
import tailor.optimizers.Settings;

/**
 * {@code sgd}: stochastic gradient descent with (Nesterov) momentum and L2 weight decay added to
 * the gradient (masked: biases, scales and shifts are not decayed unless decay_all is set). The
 * defaults are the TAT paper's SGD preset: Nesterov momentum 0.9, peak rate 0.1, cosine decay,
 * 5% linear warm-up.
 */
public final class SgdProvider implements OptimizerProvider {
  static final String VERSION = ModuleVersions.of(SgdProvider.class, "tailor.optimizers");

  @Override
  public String name() {
    return "sgd";
  }

  @Override
  public String version() {
    return VERSION;
  }

  @Override
  public String description() {
    return "SGD with momentum (Nesterov by default), masked L2 weight decay, LR schedules";
  }

  @Override
  public Map<String, Object> defaults() {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("learning_rate", 0.1);
    d.put("momentum", 0.9);
    d.put("nesterov", true);
    d.put("weight_decay", 0.0);
    d.put("decay_all", false);
    d.put("schedule", "cosine");
    d.put("warmup", 0.05);
    d.put("boundaries", "0.5,0.75");
    d.put("decay_factor", 0.1);
    return d;
  }

  @Override
  public Optimizer create(Map<String, Object> settings) {
    Settings s = new Settings(name(), settings);
    return new Sgd(s);
  }
}
