package tailor.models;

import java.util.Locale;
import tailor.api.model.Layer;

/**
 * A layer graph as JSON, so that other frameworks can build the identical network (the PyTorch
 * twin of the benchmarks reads it). Keys: {@code type} (seq, conv, dense, act, maxpool, gap,
 * dropout, bn, nsum, psum) and the layer's fields; {@link #withNames} adds to every conv, dense
 * and bn node the {@code name} its tensors carry in a {@link Network} (and in an export:
 * {@code name + ".weight"}, {@code ".bias"}, {@code ".running_mean"}, ...): the index in a
 * sequence, {@code b<i>} for the i-th branch of a sum, joined with dots.
 */
public final class LayerJson {
  private LayerJson() {}

  /** The JSON of {@code layer}. */
  public static String of(Layer layer) {
    StringBuilder sb = new StringBuilder();
    write(layer, sb, null);
    return sb.toString();
  }

  /** The JSON of {@code layer} with the tensor name prefix of every layer that has tensors. */
  public static String withNames(Layer layer) {
    StringBuilder sb = new StringBuilder();
    write(layer, sb, "");
    return sb.toString();
  }

  /** The name of the layer at {@code path} (a path ends with a dot unless it is the root's). */
  static String name(String path) {
    return path.endsWith(".") ? path.substring(0, path.length() - 1) : path;
  }

  /** The path of child {@code i} of a sequence at {@code path}. */
  static String child(String path, int i) {
    return path + i + ".";
  }

  /** The path of branch {@code i} of a sum at {@code path}. */
  static String branch(String path, int i) {
    return path + "b" + i + ".";
  }

  /** Opens a node, with its name when paths are written. */
  private static StringBuilder open(StringBuilder sb, String type, String path) {
    sb.append("{\"type\":\"").append(type).append('"');
    if (path != null) {
      sb.append(",\"name\":\"").append(name(path)).append('"');
    }
    return sb;
  }

  private static void write(Layer layer, StringBuilder sb, String path) {
    if (layer instanceof Layer.Sequence s) {
      sb.append("{\"type\":\"seq\",\"layers\":[");
      for (int i = 0; i < s.layers().size(); i++) {
        sb.append(i == 0 ? "" : ",");
        write(s.layers().get(i), sb, path == null ? null : child(path, i));
      }
      sb.append("]}");
    } else if (layer instanceof Layer.Conv c) {
      open(sb, "conv", path).append(String.format(Locale.ROOT,
          ",\"out\":%d,\"kernel\":%d,\"stride\":%d,\"bias\":%b}", c.channels(), c.kernel(),
          c.stride(), c.bias()));
    } else if (layer instanceof Layer.Dense d) {
      open(sb, "dense", path).append(String.format(Locale.ROOT, ",\"out\":%d,\"bias\":%b}",
          d.units(), d.bias()));
    } else if (layer instanceof Layer.Activation) {
      sb.append("{\"type\":\"act\"}");
    } else if (layer instanceof Layer.MaxPool m) {
      sb.append(String.format(Locale.ROOT, "{\"type\":\"maxpool\",\"window\":%d,\"stride\":%d}", m.window(), m.stride()));
    } else if (layer instanceof Layer.GlobalAvgPool) {
      sb.append("{\"type\":\"gap\"}");
    } else if (layer instanceof Layer.Dropout d) {
      sb.append(String.format(Locale.ROOT, "{\"type\":\"dropout\",\"rate\":%s}", d.rate()));
    } else if (layer instanceof Layer.BatchNorm b) {
      open(sb, "bn", path).append(String.format(Locale.ROOT, ",\"decay\":%s,\"eps\":%s}",
          b.decay(), Network.BN_EPS));
    } else if (layer instanceof Layer.NormalizedSum n) {
      sb.append("{\"type\":\"nsum\",\"branches\":[");
      for (int i = 0; i < n.branches().size(); i++) {
        sb.append(i == 0 ? "" : ",");
        sb.append("{\"weight\":").append(n.branches().get(i).weight()).append(",\"body\":");
        write(n.branches().get(i).body(), sb, path == null ? null : branch(path, i));
        sb.append('}');
      }
      sb.append("]}");
    } else if (layer instanceof Layer.PlainSum p) {
      sb.append("{\"type\":\"psum\",\"branches\":[");
      for (int i = 0; i < p.branches().size(); i++) {
        sb.append(i == 0 ? "" : ",");
        write(p.branches().get(i), sb, path == null ? null : branch(path, i));
      }
      sb.append("]}");
    } else {
      throw new IllegalStateException("no JSON for " + layer);
    }
  }
}
