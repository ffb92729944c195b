package tailor.models;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import tailor.api.TailorException;
import tailor.api.model.Layer;

/**
 * Layer-by-layer shapes, parameter counts and FLOPs of an architecture for a given input shape,
 * computed from its layer graph (the same description that derives M_{f,r}). FLOPs count the
 * multiply-adds of convolutions and dense layers as two operations each, per example; biases,
 * activations, pooling and normalization are not counted. Convolutions use SAME padding.
 */
public final class ModelSummary {
  /** One layer: where it is, what it is, its output shape, parameters and FLOPs. */
  public record Row(String path, String layer, List<Integer> output, long params, long flops) {}

  private final LayerGraph graph;
  private final List<Integer> input;
  private final List<Row> rows = new ArrayList<>();
  private List<Integer> output;

  private ModelSummary(LayerGraph graph, List<Integer> input) {
    this.graph = graph;
    this.input = List.copyOf(input);
  }

  /**
   * The summary of {@code graph} on inputs of shape {@code input} ([C, H, W] or [D]).
   *
   * @throws TailorException (user) when a layer does not fit the shape it receives
   */
  public static ModelSummary of(LayerGraph graph, List<Integer> input) {
    for (int d : input) {
      if (d < 1) {
        throw TailorException.user("input shape " + input + " has a non-positive dimension");
      }
    }
    ModelSummary s = new ModelSummary(graph, input);
    s.output = s.walk(graph.root(), s.input, "");
    return s;
  }

  public List<Row> rows() {
    return List.copyOf(rows);
  }

  public List<Integer> output() {
    return output;
  }

  /** Trainable parameters (batch-norm scale and shift included, running statistics not). */
  public long params() {
    long p = 0;
    for (Row r : rows) {
      p += r.params();
    }
    return p;
  }

  /** FLOPs per example (2 per multiply-add of conv and dense layers). */
  public long flops() {
    long f = 0;
    for (Row r : rows) {
      f += r.flops();
    }
    return f;
  }

  /** Nonlinear layers on the longest path. */
  public int nonlinearDepth() {
    return graph.nonlinearDepth();
  }

  private List<Integer> walk(Layer layer, List<Integer> in, String path) {
    if (layer instanceof Layer.Sequence s) {
      List<Integer> shape = in;
      for (int i = 0; i < s.layers().size(); i++) {
        Layer l = s.layers().get(i);
        String p = (l instanceof Layer.Sequence || l instanceof Layer.NormalizedSum
            || l instanceof Layer.PlainSum) ? path + i + "." : path + i;
        shape = walk(l, shape, p);
      }
      return shape;
    }
    if (layer instanceof Layer.NormalizedSum sum) {
      List<List<Integer>> outs = new ArrayList<>();
      for (int i = 0; i < sum.branches().size(); i++) {
        outs.add(walk(sum.branches().get(i).body(), in, path + "b" + i + "."));
      }
      return merged(outs, path, "normalized sum");
    }
    if (layer instanceof Layer.PlainSum sum) {
      List<List<Integer>> outs = new ArrayList<>();
      for (int i = 0; i < sum.branches().size(); i++) {
        outs.add(walk(sum.branches().get(i), in, path + "b" + i + "."));
      }
      return merged(outs, path, "sum");
    }
    if (layer instanceof Layer.Conv c) {
      requireImage(in, path, "conv " + c.kernel() + "x" + c.kernel());
      List<Integer> out = sameOutput(in, c.channels(), c.stride());
      long k2 = (long) c.kernel() * c.kernel();
      long params = k2 * in.get(0) * c.channels() + (c.bias() ? c.channels() : 0);
      long flops = 2L * k2 * in.get(0) * c.channels() * out.get(1) * out.get(2);
      rows.add(new Row(path, String.format(Locale.ROOT, "conv %dx%d/%d%s", c.kernel(), c.kernel(),
          c.stride(), c.bias() ? " +bias" : ""), out, params, flops));
      return out;
    }
    if (layer instanceof Layer.Dense d) {
      long n = 1;
      for (int v : in) {
        n *= v;
      }
      List<Integer> out = List.of(d.units());
      rows.add(new Row(path, "dense" + (d.bias() ? " +bias" : ""), out,
          n * d.units() + (d.bias() ? d.units() : 0), 2L * n * d.units()));
      return out;
    }
    if (layer instanceof Layer.Activation) {
      rows.add(new Row(path, "activation", in, 0, 0));
      return in;
    }
    if (layer instanceof Layer.MaxPool m) {
      requireImage(in, path, "max-pool");
      List<Integer> out = sameOutput(in, in.get(0), m.stride());
      rows.add(new Row(path, "max-pool " + m.window() + "x" + m.window() + "/" + m.stride(), out, 0, 0));
      return out;
    }
    if (layer instanceof Layer.GlobalAvgPool) {
      requireImage(in, path, "global average pool");
      List<Integer> out = List.of(in.get(0));
      rows.add(new Row(path, "global avg pool", out, 0, 0));
      return out;
    }
    if (layer instanceof Layer.Dropout d) {
      rows.add(new Row(path, "dropout " + d.rate(), in, 0, 0));
      return in;
    }
    if (layer instanceof Layer.BatchNorm b) {
      rows.add(new Row(path, "batch norm", in, 2L * in.get(0), 0));
      return in;
    }
    throw new IllegalStateException("unknown layer " + layer);
  }

  private static List<Integer> merged(List<List<Integer>> outs, String path, String what) {
    for (List<Integer> o : outs) {
      if (!o.equals(outs.get(0))) {
        throw TailorException.user(String.format(Locale.ROOT,
            "the branches of the %s at layer %s have shapes %s that do not fit together; "
                + "use a projection shortcut where channels or strides change", what, path, outs));
      }
    }
    return outs.get(0);
  }

  private static void requireImage(List<Integer> in, String path, String what) {
    if (in.size() != 3) {
      throw TailorException.user(String.format(Locale.ROOT,
          "%s at layer %s needs an image input [channels, height, width], but gets shape %s; "
              + "give --input CxHxW", what, path, in));
    }
  }

  /** The [channels, h', w'] output of a SAME-padded convolution or pooling of [c, h, w]. */
  static List<Integer> sameOutput(List<Integer> in, int channels, int stride) {
    return List.of(channels, (in.get(1) + stride - 1) / stride, (in.get(2) + stride - 1) / stride);
  }

  /** A printable table with totals. */
  public String table(boolean allLayers) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%s, input %s%n", graph.describe(), shape(input)));
    if (allLayers) {
      sb.append(String.format(Locale.ROOT, "%-14s %-18s %-16s %12s %16s%n", "layer", "type",
          "output", "params", "FLOPs"));
      for (Row r : rows) {
        sb.append(String.format(Locale.ROOT, "%-14s %-18s %-16s %,12d %,16d%n", r.path(), r.layer(),
            shape(r.output()), r.params(), r.flops()));
      }
    }
    long convs = rows.stream().filter(r -> r.layer().startsWith("conv")).count();
    long dense = rows.stream().filter(r -> r.layer().startsWith("dense")).count();
    long norms = rows.stream().filter(r -> r.layer().startsWith("batch norm")).count();
    sb.append(String.format(Locale.ROOT, "layers:        %d conv, %d dense, %d batch norm, %d activations%n",
        convs, dense, norms, graph.nonlinearLayers()));
    sb.append(String.format(Locale.ROOT, "parameters:    %,d%n", params()));
    sb.append(String.format(Locale.ROOT, "FLOPs/example: %,d (%.3f GFLOP, 2 per multiply-add)%n",
        flops(), flops() / 1e9));
    sb.append(String.format(Locale.ROOT, "nonlinearities on the longest path: %d%n", nonlinearDepth()));
    sb.append(String.format(Locale.ROOT, "output:        %s%n", shape(output)));
    return sb.toString();
  }

  private static String shape(List<Integer> s) {
    StringBuilder sb = new StringBuilder();
    for (int v : s) {
      sb.append(sb.length() == 0 ? "" : "x").append(v);
    }
    return sb.toString();
  }
}
