package tailor.api;

import java.util.Objects;

/**
 * The one unchecked exception type Tailor throws for conditions a user can see. Its
 * {@link #kind()} tells the CLI how to report it: a {@link Kind#USER} error becomes exit code 2
 * and one line on standard error, without a stack trace.
 *
 * <p>Messages follow one shape: what was wrong, where it came from, what is allowed, and a hint;
 * for example {@code eta = 1.5 (from --eta) is outside [0, 1]; eta is the largest C_f(0) allowed
 * over all subnetworks}.
 */
public final class TailorException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Who is to blame, which decides the exit code. */
  public enum Kind {
    /** Bad input: a wrong name, a value out of range, an unreachable target. Exit code 2. */
    USER(2),
    /** A file or other resource that cannot be read or written. Exit code 3. */
    RESOURCE(3),
    /** A bug or a numerical failure inside Tailor. Exit code 1. */
    INTERNAL(1);

    private final int exitCode;

    Kind(int exitCode) {
      this.exitCode = exitCode;
    }

    /** The process exit code for this kind. */
    public int exitCode() {
      return exitCode;
    }

    /** Lower-case name, as written in JSON error objects. */
    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private final Kind kind;

  private TailorException(Kind kind, String message, Throwable cause) {
    super(Objects.requireNonNull(message), cause);
    this.kind = Objects.requireNonNull(kind);
  }

  /** A user error (exit code 2). */
  public static TailorException user(String message) {
    return new TailorException(Kind.USER, message, null);
  }

  /** A resource error (exit code 3). */
  public static TailorException resource(String message, Throwable cause) {
    return new TailorException(Kind.RESOURCE, message, cause);
  }

  /** An internal error (exit code 1). */
  public static TailorException internal(String message, Throwable cause) {
    return new TailorException(Kind.INTERNAL, message, cause);
  }

  /** Who is to blame. */
  public Kind kind() {
    return kind;
  }
}
