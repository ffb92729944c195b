package tailor.api;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeSet;

/** Helpers for choosing plugins by name: "unknown X; known: a, b. Did you mean 'a'?" messages. */
public final class Names {
  private Names() {}

  /**
   * The message for an unknown name: {@code unknown activation 'tahn' (from --activation); known:
   * atan, ..., tanh. Did you mean 'tanh'?}.
   *
   * @param what the kind of thing ("activation", "method")
   * @param given what the user wrote
   * @param source where it came from ("--activation", "line 3 of cases.jsonl")
   * @param known the valid names
   */
  public static String unknown(String what, String given, String source, Collection<String> known) {
    StringBuilder sb = new StringBuilder();
    sb.append("unknown ").append(what).append(" '").append(given).append("'");
    if (source != null && !source.isEmpty()) {
      sb.append(" (from ").append(source).append(")");
    }
    sb.append("; known: ").append(String.join(", ", new TreeSet<>(known)));
    closest(given, known).ifPresent(c -> sb.append(". Did you mean '").append(c).append("'?"));
    return sb.toString();
  }

  /** The known name closest to {@code given} by edit distance, if it is close enough. */
  public static Optional<String> closest(String given, Collection<String> known) {
    String g = given.toLowerCase(Locale.ROOT);
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String k : new TreeSet<>(known)) {
      int d = editDistance(g, k.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        bestDistance = d;
        best = k;
      }
    }
    if (best == null) {
      return Optional.empty();
    }
    int limit = Math.max(2, best.length() / 3);
    boolean prefix = best.startsWith(g) || g.startsWith(best);
    return (bestDistance <= limit || (prefix && g.length() >= 3))
        ? Optional.of(best)
        : Optional.empty();
  }

  /** Damerau-Levenshtein distance with adjacent transpositions. */
  static int editDistance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        int v = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          v = Math.min(v, d[i - 2][j - 2] + 1);
        }
        d[i][j] = v;
      }
    }
    return d[a.length()][b.length()];
  }
}
