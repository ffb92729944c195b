package tailor.kernelshaping.internal;

/**
 * The random numbers numpy's legacy {@code np.random.seed(s); np.random.uniform(lo, hi)} draws:
 * MT19937 seeded with init_genrand(s) and 53-bit doubles from two 32-bit outputs. The reference
 * package draws its random solver starting points this way (seed 123), so reproducing the stream
 * reproduces its starting points exactly.
 */
public final class NumpyRandom {
  private static final int N = 624;
  private static final int M = 397;
  private final int[] mt = new int[N];
  private int mti;

  /** A generator in the state {@code np.random.seed(seed)} leaves. */
  public NumpyRandom(long seed) {
    mt[0] = (int) seed;
    for (int i = 1; i < N; i++) {
      mt[i] = 1812433253 * (mt[i - 1] ^ (mt[i - 1] >>> 30)) + i;
    }
    mti = N;
  }

  private int nextInt() {
    if (mti >= N) {
      for (int k = 0; k < N; k++) {
        int y = (mt[k] & 0x80000000) | (mt[(k + 1) % N] & 0x7fffffff);
        int v = mt[(k + M) % N] ^ (y >>> 1);
        if ((y & 1) != 0) {
          v ^= 0x9908b0df;
        }
        mt[k] = v;
      }
      mti = 0;
    }
    int y = mt[mti++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y;
  }

  /** {@code np.random.random_sample()}: a double in [0, 1) with 53 random bits. */
  public double nextDouble() {
    long a = (nextInt() & 0xffffffffL) >>> 5;
    long b = (nextInt() & 0xffffffffL) >>> 6;
    return (a * 67108864.0 + b) / 9007199254740992.0;
  }

  /** {@code np.random.uniform(low, high)}. */
  public double uniform(double low, double high) {
    return low + (high - low) * nextDouble();
  }
}
