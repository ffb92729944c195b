package tailor.api.backend;

import java.util.function.Supplier;
import tailor.api.activation.ShapedActivation;

/**
 * A session on a compute backend: tensors, the ops the models use, reverse-mode gradients and
 * the linear algebra K-FAC needs. Layout: images NCHW, conv weights OIHW ([out, in, kh, kw]),
 * dense weights [out, in]. Tensors belong to the session and are freed when it closes (or by
 * {@link #release}).
 */
public interface BackendSession extends AutoCloseable {

  /** The element type of this session. */
  DType dtype();

  /** A constant tensor from host data (row-major). */
  Tensor tensor(double[] data, int... shape);

  /** A trainable tensor (gradients are recorded for it). */
  Tensor parameter(double[] data, int... shape);

  /** Replaces a parameter's values in place (an optimizer step). */
  void assign(Tensor parameter, double[] data);

  /**
   * Runs {@code forward} while recording, then back-propagates from the scalar it returns.
   * Afterwards {@link Tensor#gradient()} of every parameter used and every {@link LayerTap}
   * passed to a layer hold this pass's values (gradients do not accumulate across calls).
   * Tensors created inside {@code forward} are freed when this returns, except the taps' and
   * those passed to {@link #keep}, which live until the next call.
   *
   * @return the loss value
   */
  double backward(Supplier<Tensor> forward);

  /**
   * As {@link #backward(Supplier)}; without {@code parameterGradients} the backend may skip the
   * parameters' gradients (a curvature pass that needs only the taps' output gradients), and what
   * {@link #gradientArray} then reports is unspecified. The default computes them anyway.
   */
  default double backward(Supplier<Tensor> forward, boolean parameterGradients) {
    return backward(forward);
  }

  /**
   * A training pass with K-FAC's curvature pass through the same graph. Runs {@code forward}
   * while recording and back-propagates from the loss it returns exactly as
   * {@link #backward(Supplier)} does: parameter gradients are that loss's. Then, without running
   * anything forward again, back-propagates the scalar that {@code curvatureLoss} builds from
   * tensors the forward pass kept (the logits at labels sampled from the model) through the same
   * recorded graph, and the taps' output gradients are the second pass's; the taps' inputs are
   * the forward pass's. The second pass changes no parameter gradient, and batch statistics,
   * dropout masks and batch norm's running statistics are the forward pass's (updated once).
   *
   * <p>The default throws {@link UnsupportedOperationException}: a backend that cannot reverse
   * one graph twice cannot give the true-Fisher curvature of the training pass.
   *
   * @return the training loss
   * @since SPI 1.1
   */
  default double backwardWithCurvature(Supplier<Tensor> forward, Supplier<Tensor> curvatureLoss) {
    throw new UnsupportedOperationException(getClass().getName()
        + " cannot back-propagate a curvature loss through the training pass's graph");
  }

  /**
   * Runs {@code forward} without recording gradients and returns its result on the host; every
   * tensor created inside is freed (evaluation and inference).
   */
  double[] evaluate(Supplier<Tensor> forward);

  /** The gradient of the last backward pass with respect to a parameter, on the host (zeros if unused). */
  double[] gradientArray(Tensor parameter);

  /**
   * A copy, as a tensor of this session, of the gradient of the last backward pass with respect
   * to a parameter (zeros if unused), unaffected by later passes; the caller releases it. Lets an
   * optimizer work on the gradients where they are, without a host round trip. The default goes
   * through the host.
   */
  default Tensor gradientCopy(Tensor parameter) {
    return tensor(gradientArray(parameter), parameter.shape());
  }

  /** Re-seeds the backend's own random numbers (dropout), e.g. per step for reproducible resumes. */
  void reseed(long seed);

  /** Inside {@link #backward}'s forward: keeps {@code t} alive until the next pass. */
  Tensor keep(Tensor t);

  /** y = x w^T + b for x [n, in], w [out, in], b [out] (b may be null). */
  Tensor dense(Tensor x, Tensor w, Tensor b, LayerTap tap);

  /** 2-D convolution, SAME padding (odd kernels), x [n, c, h, w], w [out, c, k, k], b [out] or null. */
  Tensor conv2d(Tensor x, Tensor w, Tensor b, int stride, LayerTap tap);

  /** The shaped activation phi_hat applied elementwise. */
  Tensor activation(Tensor x, ShapedActivation phi);

  /** Max pooling with SAME padding. */
  Tensor maxPool(Tensor x, int window, int stride);

  /** Mean over the spatial axes: [n, c, h, w] -&gt; [n, c]. */
  Tensor globalAvgPool(Tensor x);

  /** a * x + b * y (normalized sums, plain sums). */
  Tensor axpby(double a, Tensor x, double b, Tensor y);

  /** Dropout at rate p when training (scaled by 1 / (1 - p)); the identity otherwise. */
  Tensor dropout(Tensor x, double p, boolean training);

  /**
   * Batch normalization per channel (axis 1). Training normalizes with the batch statistics and
   * updates the running ones in place (running = decay * running + (1 - decay) * batch, variance
   * unbiased); evaluation uses the running statistics.
   */
  Tensor batchNorm(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
      double decay, double eps, boolean training);

  /**
   * As {@link #batchNorm(Tensor, Tensor, Tensor, Tensor, Tensor, double, double, boolean)}, with
   * a tap for K-FAC's scale-and-shift block: after a pass the tap's input is the normalized
   * input x_hat (before the per-channel scale and shift) and its output gradient the gradient
   * of the loss with respect to the layer's output y = scale * x_hat + shift. The default
   * records nothing and refuses a tap.
   *
   * @since SPI 1.1
   */
  default Tensor batchNorm(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean,
      Tensor runningVar, double decay, double eps, boolean training, LayerTap tap) {
    if (tap != null) {
      throw new UnsupportedOperationException(getClass().getName() + " has no batch-norm taps");
    }
    return batchNorm(x, gamma, beta, runningMean, runningVar, decay, eps, training);
  }

  /**
   * Per-example gradients of a per-channel scale and shift y = scale * x + shift, from the
   * layer's input x and output gradient dy (both [n, c] or [n, c, ...]): [n, 2c], row e holding
   * the sums over locations of dy * x (the scale's c entries) and of dy (the shift's). The
   * default goes through the host.
   *
   * @since SPI 1.1
   */
  default Tensor scaleShiftExampleGradients(Tensor input, Tensor outputGradient) {
    return tensor(HostOps.scaleShiftExampleGradients(input.toArray(), outputGradient.toArray(),
        input.shape()), input.shape()[0], 2 * input.shape()[1]);
  }

  /**
   * Examples [from, to) of a batch tensor (its axis 0), as a tensor the caller releases. The
   * default goes through the host.
   *
   * @since SPI 1.1
   */
  default Tensor rows(Tensor a, int from, int to) {
    int[] shape = a.shape().clone();
    if (from < 0 || to > shape[0] || from > to) {
      throw new IllegalArgumentException("rows [" + from + ", " + to + ") of a tensor with "
          + shape[0]);
    }
    double[] all = a.toArray();
    int per = shape[0] == 0 ? 0 : all.length / shape[0];
    shape[0] = to - from;
    return tensor(java.util.Arrays.copyOfRange(all, from * per, to * per), shape);
  }

  /** Flattens all axes but the first. */
  Tensor flatten(Tensor x);

  /** Mean softmax cross-entropy of logits [n, k] against labels, with label smoothing. */
  Tensor softmaxCrossEntropy(Tensor logits, int[] labels, double labelSmoothing);

  /** Mean of the squares of all elements (a test loss). */
  Tensor meanSquare(Tensor x);

  /** Matrix product of 2-D tensors. */
  Tensor matmul(Tensor a, Tensor b);

  /** The same elements (row-major order) in another shape with as many elements. */
  default Tensor reshape(Tensor a, int... shape) {
    return tensor(a.toArray(), shape);
  }

  /**
   * The concatenation of tensors along {@code axis}; their other axes must agree. The default
   * goes through the host.
   */
  default Tensor concat(int axis, Tensor... parts) {
    return tensor(HostOps.concat(axis, parts), HostOps.concatShape(axis, parts));
  }

  /** The transpose of a 2-D tensor. */
  Tensor transpose(Tensor a);

  /** The inverse of a symmetric positive-definite matrix. */
  Tensor inverseSpd(Tensor a);

  /**
   * The input patches of a SAME convolution as rows: x [n, c, h, w] -&gt; [n * h' * w', c * k * k],
   * columns ordered like a flattened OIHW kernel (channel, then kernel row, then kernel column),
   * so that {@code patches(x) * w.reshape(out, -1)^T} is the convolution. For K-FAC's conv factors.
   */
  Tensor patches(Tensor x, int kernel, int stride);

  /** Channels as columns: [n, c, h, w] -&gt; [n * h * w, c]; a 2-D tensor is returned as it is. */
  Tensor channelRows(Tensor x);

  /**
   * The second moment (1 / r) X^T X of rows X [r, d]; with {@code homogeneous} a column of ones
   * is appended first (the bias coordinate), giving [d + 1, d + 1].
   */
  Tensor secondMoment(Tensor rows, boolean homogeneous);

  /**
   * {@code target = decay * target + weight * secondMoment(rows, homogeneous)} in place: a
   * curvature factor's moving average without a fresh d x d matrix per step. The default composes
   * {@link #secondMoment} and {@link #axpby} and writes back through the host.
   */
  default void accumulateSecondMoment(Tensor target, Tensor rows, boolean homogeneous,
      double decay, double weight) {
    Tensor fresh = secondMoment(rows, homogeneous);
    Tensor sum = axpby(decay, target, weight, fresh);
    assign(target, sum.toArray());
    release(fresh);
    release(sum);
  }

  /** {@code scale * a + shift * I} for a square matrix a. */
  Tensor scaleAddIdentity(Tensor a, double scale, double shift);

  /** The trace of a square matrix, on the host. */
  double trace(Tensor a);

  /** Frees a tensor early. */
  void release(Tensor t);

  @Override
  void close();
}
