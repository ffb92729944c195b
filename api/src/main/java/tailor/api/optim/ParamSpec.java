package tailor.api.optim;

/**
 * One leaf of the parameter tree an optimizer sees.
 *
 * @param name dotted path, e.g. {@code 3.b0.1.weight}
 * @param shape the tensor's shape
 * @param kind weight, bias, scale or shift
 */
public record ParamSpec(String name, int[] shape, ParamKind kind) {
  /** Number of elements. */
  public int size() {
    int n = 1;
    for (int v : shape) {
      n *= v;
    }
    return n;
  }
}
