package tailor.api.data;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * An opened dataset: labelled examples in two splits, each produced as a normalized float
 * vector of {@link #exampleShape()} (images channel-first, [C, H, W]). Implementations are safe
 * for concurrent {@link #load} calls from the loader's background threads.
 */
public interface Dataset {

  /** The shape of one example as the network sees it: [C, H, W] or [D]. */
  List<Integer> exampleShape();

  /** Class names, index = label. */
  List<String> classNames();

  /** Number of examples in a split. */
  int size(Split split);

  /** The label of example {@code index} of {@code split}. */
  int label(Split split, int index);

  /**
   * Writes example {@code index} of {@code split}, normalized, into {@code dst} starting at
   * {@code offset}. With a non-null {@code augment} the training-time augmentation is applied,
   * drawing only from {@code augment} (so a seeded generator makes it reproducible); with null
   * the deterministic evaluation transform is applied.
   */
  void load(Split split, int index, float[] dst, int offset, RandomGenerator augment);

  /** One line: what was loaded, from where. */
  String describe();

  /**
   * How stored examples become the floats {@link #load} writes at evaluation (what an exported
   * model needs to be fed by other code), or null when the dataset does not describe it.
   */
  default Preprocessing preprocessing() {
    return null;
  }

  /** Number of floats in one example. */
  default int exampleSize() {
    int n = 1;
    for (int v : exampleShape()) {
      n *= v;
    }
    return n;
  }
}
