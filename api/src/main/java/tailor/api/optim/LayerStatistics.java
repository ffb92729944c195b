package tailor.api.optim;

import tailor.api.backend.Tensor;

/**
 * One dense or conv layer's tensors from the curvature pass, for Kronecker-factored curvature
 * blocks. The tensors live in the step's backend session until the next pass.
 *
 * @param name the layer's path, as in parameter names
 * @param weight index of the weight leaf in {@link StepContext#specs()}
 * @param bias index of the bias leaf, or -1 without a bias
 * @param kernel the conv kernel size, or 0 for a dense layer
 * @param stride the conv stride (1 for dense)
 * @param input the layer's input: [n, in] (dense) or [n, c, h, w] (conv)
 * @param outputGradient the gradient of the pass's mean loss with respect to the layer's output
 *     (pre-activation): [n, out] or [n, out, h', w']
 * @param examples n, the examples the pass's mean loss averaged over; the tensors may hold the
 *     first m &lt;= n of them (an estimate from m examples of the pass)
 */
public record LayerStatistics(String name, int weight, int bias, int kernel, int stride,
    Tensor input, Tensor outputGradient, int examples) {

  /** Whether this is a conv layer. */
  public boolean conv() {
    return kernel > 0;
  }
}
