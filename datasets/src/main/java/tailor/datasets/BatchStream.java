package tailor.datasets;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import tailor.api.TailorException;
import tailor.api.data.Dataset;
import tailor.api.data.Split;

/**
 * One pass over a split in batches, assembled on background threads ahead of the consumer so
 * that loading and augmentation overlap with compute. Deterministic under a seed: the epoch's
 * order is a shuffle seeded by (seed, epoch), and each example's augmentation draws from a
 * generator seeded by (seed, epoch, position), so the batches do not depend on thread timing.
 * A pass can start at any batch (for resuming mid-epoch) without loading the skipped ones.
 */
public final class BatchStream implements AutoCloseable {
  /** A batch: {@code size} examples laid out [size, example...] in {@code x}. */
  public record Batch(int index, int size, float[] x, int[] labels) {}

  private final Dataset data;
  private final Split split;
  private final int batchSize;
  private final boolean augment;
  private final long seed;
  private final long epoch;
  private final int[] order;
  private final int batches;
  private final ExecutorService pool;
  private final Deque<Future<Batch>> ahead = new ArrayDeque<>();
  private final int prefetch;
  private int next;
  private int submitted;

  /**
   * @param data the dataset
   * @param split which split
   * @param batchSize examples per batch
   * @param training shuffle, augment and drop the last incomplete batch (else: file order, the
   *     evaluation transform, keep every example)
   * @param seed run seed
   * @param epoch epoch number (seeds the order and the augmentation)
   * @param startBatch the first batch to produce
   * @param threads loader threads (at least 1)
   */
  public BatchStream(Dataset data, Split split, int batchSize, boolean training, long seed,
      long epoch, int startBatch, int threads) {
    int n = data.size(split);
    if (batchSize < 1) {
      throw TailorException.user("batch size must be >= 1, got " + batchSize);
    }
    if (training && n < batchSize) {
      throw TailorException.user(String.format(Locale.ROOT,
          "the %s split has %,d examples, fewer than one batch of %,d; use a smaller --batch",
          split.label(), n, batchSize));
    }
    this.data = data;
    this.split = split;
    this.batchSize = batchSize;
    this.augment = training;
    this.seed = seed;
    this.epoch = epoch;
    this.order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    if (training) {
      SplittableRandom r = new SplittableRandom(mix(seed, epoch, -1));
      for (int i = n - 1; i > 0; i--) {
        int j = r.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
    }
    this.batches = batchesPerEpoch(n, batchSize, training);
    this.next = Math.max(0, startBatch);
    this.submitted = next;
    this.prefetch = Math.max(2, 2 * threads);
    this.pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "tailor-loader");
      t.setDaemon(true);
      return t;
    });
    fill();
  }

  /** Number of batches in the whole pass. */
  public int batches() {
    return batches;
  }

  /** Batches per pass for a split of {@code n} examples. */
  public static int batchesPerEpoch(int n, int batchSize, boolean training) {
    return training ? n / batchSize : (n + batchSize - 1) / batchSize;
  }

  public boolean hasNext() {
    return next < batches;
  }

  /** The next batch, waiting for the loader if it is not ready. */
  public Batch next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    Future<Batch> f = ahead.removeFirst();
    next++;
    fill();
    try {
      return f.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw TailorException.internal("loading a batch failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw TailorException.internal("interrupted while loading a batch", e);
    }
  }

  private void fill() {
    while (submitted < batches && ahead.size() < prefetch) {
      int b = submitted++;
      ahead.addLast(pool.submit(() -> load(b)));
    }
  }

  private Batch load(int b) {
    int start = b * batchSize;
    int size = Math.min(batchSize, order.length - start);
    int per = data.exampleSize();
    float[] x = new float[size * per];
    int[] labels = new int[size];
    for (int i = 0; i < size; i++) {
      int idx = order[start + i];
      labels[i] = data.label(split, idx);
      data.load(split, idx, x, i * per,
          augment ? new SplittableRandom(mix(seed, epoch, start + i)) : null);
    }
    return new Batch(b, size, x, labels);
  }

  /** A well-mixed 64-bit seed from the run seed, the epoch and a position. */
  static long mix(long seed, long epoch, long position) {
    long z = seed * 0x9E3779B97F4A7C15L + epoch * 0xBF58476D1CE4E5B9L + position * 0x94D049BB133111EBL;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
