package tailor.models;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleUnaryOperator;
import tailor.api.model.Architecture;
import tailor.api.model.Layer;
import tailor.api.shaping.MapAlgebra;
import tailor.api.shaping.SubnetMaxFunction;

/**
 * An architecture given by its layer graph, with the subnetwork maximizing function derived
 * from the graph by the rules of the TAT paper's Appendix B:
 *
 * <ol>
 *   <li>each nonlinear layer becomes the map r; affine layers, pooling and dropout the identity;
 *   <li>a normalized sum sum_i w_i b_i becomes sum_i w_i^2 b_i(x);
 *   <li>the candidates are the full network and, for every normalized sum anywhere in the graph,
 *       each of its branches (with non-zero weight) taken alone as a network on the input, with
 *       the candidates inside those branches in turn; M_{f,r}(x) is their maximum.
 * </ol>
 *
 * <p>For a modified ResNet this is max(full network, one residual branch), the function the
 * reference's model code writes by hand: every other subnetwork (a prefix of blocks, a block's
 * shortcut) is dominated, because the maps r used (C maps, y -&gt; s y with s &gt;= 1,
 * y -&gt; kappa + y) are increasing with r(x) &gt;= x.
 */
public final class LayerGraph implements Architecture, SubnetMaxFunction {
  private final String description;
  private final Layer root;
  private final List<Layer> branches;
  private final Scalar compiledFull;
  private final Scalar[] compiledCandidates;

  /** An architecture with the given description and graph. */
  public LayerGraph(String description, Layer root) {
    this.description = description;
    this.root = root;
    if (incompatibility(root) == null) {
      this.compiledFull = compile(root);
      List<Layer> all = new ArrayList<>();
      collectBranchLayers(root, all);
      // Structurally equal branches (records compare by value) give equal values: keep one.
      this.branches = List.copyOf(new java.util.LinkedHashSet<>(all));
      this.compiledCandidates = new Scalar[branches.size() + 1];
      compiledCandidates[0] = compiledFull;
      for (int i = 0; i < branches.size(); i++) {
        compiledCandidates[i + 1] = compile(branches.get(i));
      }
    } else {
      this.branches = List.of();
      this.compiledFull = null;
      this.compiledCandidates = null;
    }
  }

  /**
   * M_{f,r}(x) for scalar maps, on a compiled form of the graph (identity layers dropped, runs
   * of activations fused, no boxing): the same value as the generic {@link #subnetworks} path,
   * fast enough for the bisections that call it thousands of times.
   */
  @Override
  public double apply(double x, DoubleUnaryOperator r) {
    requireShapeable();
    double best = Double.NEGATIVE_INFINITY;
    for (Scalar s : compiledCandidates) {
      best = Math.max(best, s.eval(x, r));
    }
    return best;
  }

  @Override
  public double full(double x, DoubleUnaryOperator r) {
    requireShapeable();
    return compiledFull.eval(x, r);
  }

  private void requireShapeable() {
    if (compiledFull == null) {
      throw new IllegalStateException(description + ": " + shapingIncompatibility());
    }
  }

  /** A compiled scalar evaluator of part of the graph. */
  private interface Scalar {
    double eval(double x, DoubleUnaryOperator r);
  }

  private static Scalar compile(Layer layer) {
    List<Scalar> parts = new ArrayList<>();
    flatten(layer, parts);
    if (parts.isEmpty()) {
      return (x, r) -> x;
    }
    if (parts.size() == 1) {
      return parts.get(0);
    }
    Scalar[] seq = parts.toArray(new Scalar[0]);
    return (x, r) -> {
      double v = x;
      for (Scalar s : seq) {
        v = s.eval(v, r);
      }
      return v;
    };
  }

  /** Appends the evaluators of {@code layer} to {@code out}, fusing runs of activations. */
  private static void flatten(Layer layer, List<Scalar> out) {
    if (layer instanceof Layer.Activation) {
      int last = out.size() - 1;
      if (last >= 0 && out.get(last) instanceof Activations a) {
        out.set(last, new Activations(a.count + 1));
      } else {
        out.add(new Activations(1));
      }
    } else if (layer instanceof Layer.Sequence s) {
      for (Layer l : s.layers()) {
        flatten(l, out);
      }
    } else if (layer instanceof Layer.NormalizedSum sum) {
      int n = sum.branches().size();
      double[] w2 = new double[n];
      Scalar[] branches = new Scalar[n];
      for (int i = 0; i < n; i++) {
        Layer.Branch b = sum.branches().get(i);
        w2[i] = b.weight() * b.weight();
        branches[i] = compile(b.body());
      }
      out.add((x, r) -> {
        double v = 0.0;
        for (int i = 0; i < w2.length; i++) {
          if (w2[i] != 0.0) {
            v += w2[i] * branches[i].eval(x, r);
          }
        }
        return v;
      });
    }
    // Dense, Conv, pooling, dropout: the identity.
  }

  /** count nonlinear layers in a row. */
  private record Activations(int count) implements Scalar {
    @Override
    public double eval(double x, DoubleUnaryOperator r) {
      double v = x;
      for (int i = 0; i < count; i++) {
        v = r.applyAsDouble(v);
      }
      return v;
    }
  }

  private static void collectBranchLayers(Layer layer, List<Layer> out) {
    if (layer instanceof Layer.Sequence s) {
      for (Layer l : s.layers()) {
        collectBranchLayers(l, out);
      }
    } else if (layer instanceof Layer.NormalizedSum sum) {
      int nonZero = 0;
      for (Layer.Branch b : sum.branches()) {
        nonZero += b.weight() > 0 ? 1 : 0;
      }
      for (Layer.Branch b : sum.branches()) {
        if (b.weight() > 0 && nonZero > 1) {
          out.add(b.body());
        }
        collectBranchLayers(b.body(), out);
      }
    }
  }

  /** The root of the graph. */
  public Layer root() {
    return root;
  }

  @Override
  public Layer layers() {
    return root;
  }

  /**
   * The layer graph of an architecture from any family: its own when it is one, else one built
   * from its {@link Architecture#layers()}; null when it has no layers.
   */
  public static LayerGraph of(Architecture a) {
    if (a instanceof LayerGraph g) {
      return g;
    }
    Layer root = a.layers();
    return root == null ? null : new LayerGraph(a.describe(), root);
  }

  @Override
  public String describe() {
    return description;
  }

  @Override
  public SubnetMaxFunction subnetMaxFunction() {
    return this;
  }

  @Override
  public int nonlinearDepth() {
    return depth(root);
  }

  @Override
  public int nonlinearLayers() {
    return count(root);
  }

  @Override
  public String shapingIncompatibility() {
    return incompatibility(root);
  }

  @Override
  public <T> List<T> subnetworks(T x, MapAlgebra<T> algebra) {
    if (shapingIncompatibility() != null) {
      throw new IllegalStateException(description + ": " + shapingIncompatibility());
    }
    List<T> out = new ArrayList<>();
    out.add(eval(root, x, algebra));
    for (Layer branch : branches) {
      out.add(eval(branch, x, algebra));
    }
    return out;
  }

  /** The value of {@code layer} applied to x with nonlinear layers replaced by the algebra's r. */
  public static <T> T eval(Layer layer, T x, MapAlgebra<T> alg) {
    if (layer instanceof Layer.Activation) {
      return alg.nonlinear(x);
    }
    if (layer instanceof Layer.Sequence s) {
      T v = x;
      for (Layer l : s.layers()) {
        v = eval(l, v, alg);
      }
      return v;
    }
    if (layer instanceof Layer.NormalizedSum sum) {
      double[] w2 = new double[sum.branches().size()];
      List<T> values = new ArrayList<>();
      for (int i = 0; i < w2.length; i++) {
        Layer.Branch b = sum.branches().get(i);
        w2[i] = b.weight() * b.weight();
        values.add(eval(b.body(), x, alg));
      }
      return alg.normalizedSum(w2, values);
    }
    if (layer instanceof Layer.PlainSum || layer instanceof Layer.BatchNorm) {
      throw new IllegalStateException("plain sums and batch norm have no Q/C-map rule");
    }
    return x; // Dense, Conv, pooling, dropout
  }

  private static int depth(Layer layer) {
    if (layer instanceof Layer.Activation) {
      return 1;
    }
    if (layer instanceof Layer.Sequence s) {
      int d = 0;
      for (Layer l : s.layers()) {
        d += depth(l);
      }
      return d;
    }
    if (layer instanceof Layer.NormalizedSum sum) {
      int d = 0;
      for (Layer.Branch b : sum.branches()) {
        d = Math.max(d, depth(b.body()));
      }
      return d;
    }
    if (layer instanceof Layer.PlainSum sum) {
      int d = 0;
      for (Layer b : sum.branches()) {
        d = Math.max(d, depth(b));
      }
      return d;
    }
    return 0;
  }

  private static int count(Layer layer) {
    if (layer instanceof Layer.Activation) {
      return 1;
    }
    int n = 0;
    if (layer instanceof Layer.Sequence s) {
      for (Layer l : s.layers()) {
        n += count(l);
      }
    } else if (layer instanceof Layer.NormalizedSum sum) {
      for (Layer.Branch b : sum.branches()) {
        n += count(b.body());
      }
    } else if (layer instanceof Layer.PlainSum sum) {
      for (Layer b : sum.branches()) {
        n += count(b);
      }
    }
    return n;
  }

  private static String incompatibility(Layer layer) {
    if (layer instanceof Layer.PlainSum) {
      return "it has plain (un-normalized) sums; DKS/TAT need normalized sums "
          + "(use a shortcut weight w in [0, 1])";
    }
    if (layer instanceof Layer.BatchNorm) {
      return "it has batch normalization, which DKS/TAT do not support";
    }
    if (layer instanceof Layer.Sequence s) {
      for (Layer l : s.layers()) {
        String r = incompatibility(l);
        if (r != null) {
          return r;
        }
      }
    }
    if (layer instanceof Layer.NormalizedSum sum) {
      for (Layer.Branch b : sum.branches()) {
        String r = incompatibility(b.body());
        if (r != null) {
          return r;
        }
      }
    }
    return null;
  }
}
