package tailor.models;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.random.RandomGenerator;
import tailor.api.TailorException;
import tailor.api.activation.ShapedActivation;
import tailor.api.backend.BackendSession;
import tailor.api.backend.LayerTap;
import tailor.api.backend.Tensor;
import tailor.api.init.InitOptions;
import tailor.api.init.Initializer;
import tailor.api.init.WeightShape;
import tailor.api.model.Layer;
import tailor.api.optim.ParamKind;
import tailor.api.optim.ParamSpec;

/**
 * A real network on a compute backend, built from the same layer graph that derives M_{f,r}:
 * parameters initialized by an {@link Initializer}, one {@link LayerTap} per dense and conv layer
 * (inputs and output gradients for K-FAC), and a forward pass that uses the shaped activation at
 * every nonlinear layer.
 */
public final class Network {
  /** A named parameter. */
  public record Parameter(String name, Tensor tensor, ParamKind kind, int[] shape) {
    /** Its leaf in the optimizer's parameter tree. */
    public ParamSpec spec() {
      return new ParamSpec(name, shape.clone(), kind);
    }
  }

  /**
   * A dense or conv layer with its tap and the indices of its weight and bias in
   * {@link #parameters()} (bias -1 when absent); kernel 0 marks a dense layer.
   */
  public record TappedLayer(LayerTap tap, int weight, int bias, int kernel, int stride) {}

  /**
   * A batch-norm layer's scale and shift with its tap (x_hat and the gradient at the scaled
   * output) and their indices in {@link #parameters()}.
   */
  public record ScaleShiftLayer(LayerTap tap, int scale, int shift) {}

  /** A non-trained state tensor (batch-norm running statistics), saved in checkpoints. */
  public record Buffer(String name, Tensor tensor, int[] shape) {}

  /** The epsilon of every batch-norm layer: x_hat = (x - mean) / sqrt(var + eps). */
  public static final double BN_EPS = 1e-5;

  private interface Op {
    Tensor apply(Tensor x, Pass pass);
  }

  private static final class Pass {
    final boolean training;
    final List<Tensor> activations;

    Pass(boolean training, List<Tensor> activations) {
      this.training = training;
      this.activations = activations;
    }
  }

  private final BackendSession session;
  private final LayerGraph graph;
  private final List<Integer> input;
  private final List<Parameter> parameters = new ArrayList<>();
  private final List<LayerTap> taps = new ArrayList<>();
  private final List<TappedLayer> tapped = new ArrayList<>();
  private final List<ScaleShiftLayer> scaleShift = new ArrayList<>();
  private final List<Buffer> buffers = new ArrayList<>();
  private final ShapedActivation activation;
  private final Initializer initializer;
  private final InitOptions options;
  private final RandomGenerator rng;
  private Op root;
  private List<Integer> output;
  private boolean tapsEnabled = true;
  /** Whether a layer mixes examples (batch norm) or draws per pass (dropout). */
  private boolean coupled;

  private Network(BackendSession session, LayerGraph graph, List<Integer> input,
      ShapedActivation activation, Initializer initializer, InitOptions options, RandomGenerator rng) {
    this.session = session;
    this.graph = graph;
    this.input = List.copyOf(input);
    this.activation = activation;
    this.initializer = initializer;
    this.options = options;
    this.rng = rng;
  }

  /**
   * Builds and initializes the network.
   *
   * @param graph the architecture
   * @param input the shape of one example ([C, H, W] or [D])
   * @param session where tensors live
   * @param activation the (shaped) activation of every nonlinear layer
   * @param initializer weight initializer (suo for DKS/TAT)
   * @param options initializer options
   * @param rng randomness of the initialization
   */
  public static Network build(LayerGraph graph, List<Integer> input, BackendSession session,
      ShapedActivation activation, Initializer initializer, InitOptions options, RandomGenerator rng) {
    Network n = new Network(session, graph, input, activation, initializer, options, rng);
    ModelSummary.of(graph, input); // validates shapes with clear messages
    Built b = n.compile(graph.root(), n.input, "");
    n.root = b.op;
    n.output = b.shape;
    return n;
  }

  private record Built(Op op, List<Integer> shape) {}

  private Built compile(Layer layer, List<Integer> in, String path) {
    if (layer instanceof Layer.Sequence s) {
      List<Op> ops = new ArrayList<>();
      List<Integer> shape = in;
      for (int i = 0; i < s.layers().size(); i++) {
        Built b = compile(s.layers().get(i), shape, LayerJson.child(path, i));
        ops.add(b.op);
        shape = b.shape;
      }
      return new Built((x, p) -> {
        Tensor v = x;
        for (Op o : ops) {
          v = o.apply(v, p);
        }
        return v;
      }, shape);
    }
    if (layer instanceof Layer.NormalizedSum sum) {
      List<Op> ops = new ArrayList<>();
      double[] w = new double[sum.branches().size()];
      List<Integer> shape = null;
      for (int i = 0; i < w.length; i++) {
        Layer.Branch br = sum.branches().get(i);
        Built b = compile(br.body(), in, LayerJson.branch(path, i));
        ops.add(b.op);
        w[i] = br.weight();
        shape = b.shape;
      }
      return new Built((x, p) -> combine(x, p, ops, w), shape);
    }
    if (layer instanceof Layer.PlainSum sum) {
      List<Op> ops = new ArrayList<>();
      List<Integer> shape = null;
      for (int i = 0; i < sum.branches().size(); i++) {
        Built b = compile(sum.branches().get(i), in, LayerJson.branch(path, i));
        ops.add(b.op);
        shape = b.shape;
      }
      double[] ones = new double[ops.size()];
      java.util.Arrays.fill(ones, 1.0);
      return new Built((x, p) -> combine(x, p, ops, ones), shape);
    }
    String name = LayerJson.name(path);
    if (layer instanceof Layer.Conv c) {
      int cin = in.get(0);
      WeightShape ws = WeightShape.conv(c.channels(), cin, c.kernel(), c.kernel());
      Tensor w = weight(name + ".weight", ws, new int[] {c.channels(), cin, c.kernel(), c.kernel()});
      int wi = parameters.size() - 1;
      Tensor b = c.bias() ? bias(name + ".bias", c.channels()) : null;
      LayerTap tap = new LayerTap(name);
      taps.add(tap);
      tapped.add(new TappedLayer(tap, wi, b == null ? -1 : parameters.size() - 1, c.kernel(), c.stride()));
      return new Built((x, p) -> session.conv2d(x, w, b, c.stride(), tapsEnabled ? tap : null),
          ModelSummary.sameOutput(in, c.channels(), c.stride()));
    }
    if (layer instanceof Layer.Dense d) {
      int n = 1;
      for (int v : in) {
        n *= v;
      }
      int fanIn = n;
      Tensor w = weight(name + ".weight", WeightShape.dense(d.units(), fanIn), new int[] {d.units(), fanIn});
      int wi = parameters.size() - 1;
      Tensor b = d.bias() ? bias(name + ".bias", d.units()) : null;
      LayerTap tap = new LayerTap(name);
      taps.add(tap);
      tapped.add(new TappedLayer(tap, wi, b == null ? -1 : parameters.size() - 1, 0, 1));
      boolean flatten = in.size() > 1;
      return new Built((x, p) -> session.dense(flatten ? session.flatten(x) : x, w, b,
          tapsEnabled ? tap : null), List.of(d.units()));
    }
    if (layer instanceof Layer.Activation) {
      return new Built((x, p) -> {
        Tensor y = session.activation(x, activation);
        if (p.activations != null) {
          p.activations.add(y);
        }
        return y;
      }, in);
    }
    if (layer instanceof Layer.MaxPool m) {
      return new Built((x, p) -> session.maxPool(x, m.window(), m.stride()),
          ModelSummary.sameOutput(in, in.get(0), m.stride()));
    }
    if (layer instanceof Layer.GlobalAvgPool) {
      return new Built((x, p) -> session.globalAvgPool(x), List.of(in.get(0)));
    }
    if (layer instanceof Layer.Dropout d) {
      coupled |= d.rate() > 0;
      return new Built((x, p) -> session.dropout(x, d.rate(), p.training), in);
    }
    if (layer instanceof Layer.BatchNorm bn) {
      coupled = true;
      int c = in.get(0);
      double[] ones = new double[c];
      java.util.Arrays.fill(ones, 1.0);
      Tensor gamma = session.parameter(ones, c);
      Tensor beta = session.parameter(new double[c], c);
      parameters.add(new Parameter(name + ".scale", gamma, ParamKind.SCALE, new int[] {c}));
      parameters.add(new Parameter(name + ".shift", beta, ParamKind.SHIFT, new int[] {c}));
      Tensor mean = session.tensor(new double[c], c);
      Tensor var = session.tensor(ones, c);
      buffers.add(new Buffer(name + ".running_mean", mean, new int[] {c}));
      buffers.add(new Buffer(name + ".running_var", var, new int[] {c}));
      LayerTap tap = new LayerTap(name);
      scaleShift.add(new ScaleShiftLayer(tap, parameters.size() - 2, parameters.size() - 1));
      return new Built((x, p) -> session.batchNorm(x, gamma, beta, mean, var, bn.decay(), BN_EPS,
          p.training, tapsEnabled ? tap : null), in);
    }
    throw new IllegalStateException("no backend rule for " + layer);
  }

  private Tensor combine(Tensor x, Pass p, List<Op> ops, double[] w) {
    Tensor acc = null;
    double accWeight = 1.0;
    for (int i = 0; i < ops.size(); i++) {
      if (w[i] == 0.0) {
        continue;
      }
      Tensor v = ops.get(i).apply(x, p);
      if (acc == null) {
        acc = v;
        accWeight = w[i];
      } else {
        acc = session.axpby(accWeight, acc, w[i], v);
        accWeight = 1.0;
      }
    }
    if (acc == null) {
      throw new IllegalStateException("a sum with all weights zero");
    }
    return accWeight == 1.0 ? acc : session.axpby(accWeight, acc, 0.0, acc);
  }

  private Tensor weight(String name, WeightShape ws, int[] shape) {
    double[] v = new double[ws.size()];
    initializer.initWeights(ws, v, rng, options);
    Tensor t = session.parameter(v, shape);
    parameters.add(new Parameter(name, t, ParamKind.WEIGHT, shape));
    return t;
  }

  private Tensor bias(String name, int n) {
    double[] v = new double[n];
    initializer.initBias(v, rng, options);
    Tensor t = session.parameter(v, n);
    parameters.add(new Parameter(name, t, ParamKind.BIAS, new int[] {n}));
    return t;
  }

  /** The logits (or output) for a batch x of shape [n, input...]. */
  public Tensor forward(Tensor x, boolean training) {
    return forward(x, training, null);
  }

  /** As {@link #forward(Tensor, boolean)}, appending every activation layer's output to {@code activations}. */
  public Tensor forward(Tensor x, boolean training, List<Tensor> activations) {
    int[] s = x.shape();
    if (s.length != input.size() + 1) {
      throw TailorException.user(String.format(Locale.ROOT,
          "input batch has shape %s; expected [n, %s]", java.util.Arrays.toString(s), input));
    }
    return root.apply(x, new Pass(training, activations));
  }

  public List<Parameter> parameters() {
    return List.copyOf(parameters);
  }

  /** The non-trained state tensors (batch-norm running statistics), in forward order. */
  public List<Buffer> buffers() {
    return List.copyOf(buffers);
  }

  /**
   * Whether forward passes record the layer taps (on by default; K-FAC needs them, first-order
   * optimizers do not, and they cost one extra add per layer).
   */
  public Network withTaps(boolean enabled) {
    this.tapsEnabled = enabled;
    return this;
  }

  /** One tap per dense and conv layer, in forward order. */
  public List<LayerTap> taps() {
    return List.copyOf(taps);
  }

  /** The dense and conv layers with their taps and parameter indices, in forward order. */
  public List<TappedLayer> tappedLayers() {
    return List.copyOf(tapped);
  }

  /**
   * Whether each example's training-mode output depends on that example alone and on nothing
   * drawn per pass: no batch norm (batch statistics mix examples) and no active dropout. A
   * forward pass of some examples then computes exactly what a pass of the whole batch computes
   * for them.
   */
  public boolean examplesIndependent() {
    return !coupled;
  }

  /** The batch-norm layers' scale and shift with their taps, in forward order. */
  public List<ScaleShiftLayer> scaleShiftLayers() {
    return List.copyOf(scaleShift);
  }

  public List<Integer> outputShape() {
    return output;
  }

  public LayerGraph graph() {
    return graph;
  }
}
