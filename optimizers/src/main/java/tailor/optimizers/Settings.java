package tailor.optimizers;

import java.util.Locale;
import java.util.Map;
import tailor.api.TailorException;

/** Typed reads from an optimizer's settings map, with range checks that name the key. */
public final class Settings {
  private final String optimizer;
  private final Map<String, Object> values;

  public Settings(String optimizer, Map<String, Object> values) {
    this.optimizer = optimizer;
    this.values = values;
  }

  private Object get(String key) {
    Object v = values.get(key);
    if (v == null) {
      throw new IllegalStateException("optimizer " + optimizer + " has no setting " + key);
    }
    return v;
  }

  public double number(String key) {
    return ((Number) get(key)).doubleValue();
  }

  /** A number in [lo, hi]. */
  public double number(String key, double lo, double hi) {
    double v = number(key);
    if (!(v >= lo && v <= hi)) {
      boolean whole = get(key) instanceof Long;
      throw TailorException.user(String.format(Locale.ROOT,
          "optimizer.%s.%s = %s is out of range; allowed: %s to %s", optimizer, key,
          whole ? Long.toString((long) v) : Double.toString(v), whole ? Long.toString((long) lo) : lo,
          whole ? Long.toString((long) hi) : hi));
    }
    return v;
  }

  public boolean flag(String key) {
    return (Boolean) get(key);
  }

  public String string(String key) {
    return get(key).toString();
  }

  /** A comma-separated list of numbers ("" is empty). */
  public double[] numbers(String key) {
    String s = string(key).trim();
    if (s.isEmpty()) {
      return new double[0];
    }
    String[] parts = s.split(",");
    double[] out = new double[parts.length];
    for (int i = 0; i < parts.length; i++) {
      try {
        out[i] = Double.parseDouble(parts[i].trim());
      } catch (NumberFormatException e) {
        throw TailorException.user(String.format(Locale.ROOT,
            "optimizer.%s.%s = '%s' is not a comma-separated list of numbers", optimizer, key, s));
      }
    }
    return out;
  }

  /** The schedule the settings describe (keys learning_rate, schedule, warmup, boundaries, decay_factor). */
  public Schedule schedule(long totalSteps) {
    return Schedule.of(string("schedule"), number("learning_rate"), number("warmup"), totalSteps,
        numbers("boundaries"), number("decay_factor"));
  }
}
