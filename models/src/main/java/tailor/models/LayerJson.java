package tailor.models;

import java.util.Locale;

/**
 * A layer graph as JSON, so that other frameworks can build the identical network (the PyTorch
 * twin of the benchmarks reads it). Keys: {@code type} (seq, conv, dense, act, maxpool, gap,
 * dropout, bn, nsum, psum) and the layer's fields.
 */
public final class LayerJson {
  private LayerJson() {}

  /** The JSON of {@code layer}. */
  public static String of(Layer layer) {
    StringBuilder sb = new StringBuilder();
    write(layer, sb);
    return sb.toString();
  }

  private static void write(Layer layer, StringBuilder sb) {
    if (layer instanceof Layer.Sequence s) {
      sb.append("{\"type\":\"seq\",\"layers\":[");
      for (int i = 0; i < s.layers().size(); i++) {
        sb.append(i == 0 ? "" : ",");
        write(s.layers().get(i), sb);
      }
      sb.append("]}");
    } else if (layer instanceof Layer.Conv c) {
      sb.append(String.format(Locale.ROOT, "{\"type\":\"conv\",\"out\":%d,\"kernel\":%d,\"stride\":%d,\"bias\":%b}",
          c.channels(), c.kernel(), c.stride(), c.bias()));
    } else if (layer instanceof Layer.Dense d) {
      sb.append(String.format(Locale.ROOT, "{\"type\":\"dense\",\"out\":%d,\"bias\":%b}", d.units(), d.bias()));
    } else if (layer instanceof Layer.Activation) {
      sb.append("{\"type\":\"act\"}");
    } else if (layer instanceof Layer.MaxPool m) {
      sb.append(String.format(Locale.ROOT, "{\"type\":\"maxpool\",\"window\":%d,\"stride\":%d}", m.window(), m.stride()));
    } else if (layer instanceof Layer.GlobalAvgPool) {
      sb.append("{\"type\":\"gap\"}");
    } else if (layer instanceof Layer.Dropout d) {
      sb.append(String.format(Locale.ROOT, "{\"type\":\"dropout\",\"rate\":%s}", d.rate()));
    } else if (layer instanceof Layer.BatchNorm b) {
      sb.append(String.format(Locale.ROOT, "{\"type\":\"bn\",\"decay\":%s}", b.decay()));
    } else if (layer instanceof Layer.NormalizedSum n) {
      sb.append("{\"type\":\"nsum\",\"branches\":[");
      for (int i = 0; i < n.branches().size(); i++) {
        sb.append(i == 0 ? "" : ",");
        sb.append("{\"weight\":").append(n.branches().get(i).weight()).append(",\"body\":");
        write(n.branches().get(i).body(), sb);
        sb.append('}');
      }
      sb.append("]}");
    } else if (layer instanceof Layer.PlainSum p) {
      sb.append("{\"type\":\"psum\",\"branches\":[");
      for (int i = 0; i < p.branches().size(); i++) {
        sb.append(i == 0 ? "" : ",");
        write(p.branches().get(i), sb);
      }
      sb.append("]}");
    } else {
      throw new IllegalStateException("no JSON for " + layer);
    }
  }
}
