package tailor.datasets;

import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import tailor.api.TailorException;
import tailor.api.data.Dataset;
import tailor.api.data.Split;

/**
 * A dataset whose test split is a held-out part of another's training split, for choosing
 * settings (learning-rate probes) without ever reading the test split: a fixed permutation of the
 * training examples (seeded, the same for every run that asks for the same fraction and seed)
 * puts round(fraction * n) of them aside; TRAIN is the rest, in their original order, and TEST is
 * the held-out ones, loaded with the evaluation transform.
 */
public final class Holdout implements Dataset {
  private final Dataset inner;
  private final double fraction;
  private final int[] train;
  private final int[] held;

  /**
   * @param fraction the held-out share of the training split, in (0, 1)
   * @param seed the permutation's seed
   */
  public Holdout(Dataset inner, double fraction, long seed) {
    if (!(fraction > 0 && fraction < 1)) {
      throw TailorException.user(String.format(Locale.ROOT,
          "holdout = %s is outside (0, 1); it is the share of the training split held out for "
              + "evaluation, e.g. 0.1", fraction));
    }
    int n = inner.size(Split.TRAIN);
    int k = (int) Math.round(fraction * n);
    if (k < 1 || k >= n) {
      throw TailorException.user(String.format(Locale.ROOT,
          "holdout = %s of %d training examples leaves %d held out and %d to train on; both "
              + "need at least one", fraction, n, k, n - k));
    }
    int[] perm = new int[n];
    for (int i = 0; i < n; i++) {
      perm[i] = i;
    }
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = n - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    boolean[] out = new boolean[n];
    for (int i = 0; i < k; i++) {
      out[perm[i]] = true;
    }
    this.inner = inner;
    this.fraction = fraction;
    this.train = new int[n - k];
    this.held = new int[k];
    int a = 0;
    int b = 0;
    for (int i = 0; i < n; i++) {
      if (out[i]) {
        held[b++] = i;
      } else {
        train[a++] = i;
      }
    }
  }

  /** The index in the inner training split of example {@code index} of {@code split}. */
  public int source(Split split, int index) {
    return split == Split.TRAIN ? train[index] : held[index];
  }

  @Override
  public tailor.api.data.Preprocessing preprocessing() {
    return inner.preprocessing();
  }

  @Override
  public List<Integer> exampleShape() {
    return inner.exampleShape();
  }

  @Override
  public List<String> classNames() {
    return inner.classNames();
  }

  @Override
  public int size(Split split) {
    return split == Split.TRAIN ? train.length : held.length;
  }

  @Override
  public int label(Split split, int index) {
    return inner.label(Split.TRAIN, source(split, index));
  }

  @Override
  public void load(Split split, int index, float[] dst, int offset, RandomGenerator augment) {
    inner.load(Split.TRAIN, source(split, index), dst, offset, split == Split.TRAIN ? augment : null);
  }

  @Override
  public String describe() {
    return String.format(Locale.ROOT, "%s; %d training examples, %d (%.3g of the training split) "
        + "held out for evaluation instead of the test split", inner.describe(), train.length,
        held.length, fraction);
  }
}
