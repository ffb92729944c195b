package tailor.kernelshaping;

/**
 * Where the reference package's 100,000-node Gauss-Legendre rule on [-10, 10] effectively puts a
 * kink of the integrand: its sum treats every node as belonging to its own side, which is, to
 * first order, integrating exactly with the kink moved to the midpoint t of the two nodes around
 * it; to second order (the midpoint rule's Euler-Maclaurin term on each side) the sum also gains
 * (h^2 / 24) (g_R'(t) - g_L'(t)) for node spacing h and one-sided derivatives g_L', g_R' of the
 * integrand. Nodes come from Tricomi's asymptotic
 * formula x_i = -(1 - 1/(8n^2) + 1/(8n^3)) cos((i - 1/4) pi / (n + 1/2)), accurate to ~1e-11
 * for n = 100,000.
 */
final class ReferenceRule {
  static final int NODES = 100_000;
  static final double RANGE = 10.0;
  private static final double C = 1.0 - 1.0 / (8.0 * NODES * (double) NODES)
      + 1.0 / (8.0 * NODES * (double) NODES * NODES);

  private ReferenceRule() {}

  /** Node i (1-based, ascending) of the rule on [-1, 1]. */
  static double node(long i) {
    return -C * Math.cos((i - 0.25) * Math.PI / (NODES + 0.5));
  }

  /** The effective kink position for a kink at k, or NaN if k lies outside the nodes. */
  static double effectiveKink(double k) {
    long i = bracket(k);
    return i < 0 ? Double.NaN : RANGE * 0.5 * (node(i) + node(i + 1));
  }

  /** The spacing of the two nodes around k (in [-10, 10] units), or NaN outside the nodes. */
  static double spacing(double k) {
    long i = bracket(k);
    return i < 0 ? Double.NaN : RANGE * (node(i + 1) - node(i));
  }

  /** i with node(i) &lt;= k/10 &lt; node(i + 1), or -1 outside the nodes. */
  private static long bracket(double k) {
    double s = k / RANGE;
    if (!(s > node(1)) || !(s < node(NODES))) {
      return -1;
    }
    double theta = Math.acos(Math.max(-1.0, Math.min(1.0, -s / C)));
    long i = (long) Math.floor(theta * (NODES + 0.5) / Math.PI + 0.25);
    i = Math.max(1, Math.min(NODES - 1, i));
    while (i > 1 && node(i) > s) {
      i--;
    }
    while (i < NODES - 1 && node(i + 1) <= s) {
      i++;
    }
    return i;
  }
}
