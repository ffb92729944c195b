package tailor.api.init;

/**
 * The shape of a dense or convolution weight in Tailor's one layout: [out, in] for dense layers
 * and [out, in, kernelH, kernelW] for convolutions (PyTorch's and DJL's OIHW), row-major. Fan-in
 * and fan-out are computed from the right axes of this layout, the pitfall other ports fell into
 * (dks's PyTorch helper assumes [in, out, ...]).
 *
 * @param out output units or channels
 * @param in input units or channels
 * @param kernelH kernel height (1 for dense)
 * @param kernelW kernel width (1 for dense)
 * @param conv whether this is a convolution weight
 */
public record WeightShape(int out, int in, int kernelH, int kernelW, boolean conv) {
  public WeightShape {
    if (out < 1 || in < 1 || kernelH < 1 || kernelW < 1) {
      throw new IllegalArgumentException("weight shape must be positive: " + this);
    }
  }

  /** A dense weight [out, in]. */
  public static WeightShape dense(int out, int in) {
    return new WeightShape(out, in, 1, 1, false);
  }

  /** A convolution weight [out, in, kh, kw]. */
  public static WeightShape conv(int out, int in, int kernelH, int kernelW) {
    return new WeightShape(out, in, kernelH, kernelW, true);
  }

  /** Number of elements. */
  public int size() {
    return out * in * kernelH * kernelW;
  }

  /** in * kernelH * kernelW. */
  public int fanIn() {
    return in * kernelH * kernelW;
  }

  /** out * kernelH * kernelW. */
  public int fanOut() {
    return out * kernelH * kernelW;
  }

  /** The flat index of element [o, i, h, w]. */
  public int index(int o, int i, int h, int w) {
    return ((o * in + i) * kernelH + h) * kernelW + w;
  }
}
