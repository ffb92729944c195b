package tailor.api.optim;

import tailor.api.backend.Tensor;

/**
 * One per-channel scale-and-shift layer's tensors from the curvature pass (batch norm's scale
 * and shift after the normalization), for diagonal curvature blocks from per-example gradients.
 * The tensors live in the step's backend session until the next pass.
 *
 * @param name the layer's path, as in parameter names
 * @param scale index of the scale leaf in {@link StepContext#specs()}, or -1
 * @param shift index of the shift leaf, or -1
 * @param input the normalized input x_hat: [n, c] or [n, c, h, w]
 * @param outputGradient the gradient of the pass's mean loss with respect to the layer's output
 *     scale * x_hat + shift, shaped like the input
 * @param examples n, the examples the pass's mean loss averaged over; the tensors may hold the
 *     first m &lt;= n of them (an estimate from m examples of the pass)
 * @since SPI 1.1
 */
public record ScaleShiftStatistics(String name, int scale, int shift, Tensor input,
    Tensor outputGradient, int examples) {}
