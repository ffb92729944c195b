package tailor.app.internal;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import tailor.api.TailorException;

/** Output helpers: one Gson configuration, and atomic file writes (temporary file + rename). */
final class Io {
  static final Gson GSON = new GsonBuilder().serializeNulls().disableHtmlEscaping().create();

  private Io() {}

  /** The function that writes a file's content to a temporary path. */
  interface Writer {
    void write(Path tmp) throws IOException;
  }

  /**
   * Writes {@code target} atomically: to a temporary file in the same folder, then renamed over
   * the target, so a reader never sees a half-written file and a failure leaves the old one.
   */
  static void writeAtomically(Path target, Writer writer) {
    Path abs = target.toAbsolutePath();
    Path dir = abs.getParent();
    Path tmp = null;
    try {
      if (dir != null) {
        Files.createDirectories(dir);
      }
      tmp = Files.createTempFile(dir, "." + abs.getFileName(), ".tmp");
      try {
        // Temporary files are private; results are ordinary files (rw-r--r--).
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system: keep the default
      }
      writer.write(tmp);
      // the bytes reach the disk before the rename makes them the file, and the rename reaches
      // it before this returns: a power cut leaves the old file or the new one, never a torn one
      try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(tmp,
          java.nio.file.StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      try {
        Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
      }
      syncFolder(dir);
    } catch (IOException e) {
      throw TailorException.resource("cannot write " + target + ": " + e.getMessage()
          + "; check that the folder exists and is writable", e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // best effort
        }
      }
    }
  }

  /** fsync of a folder (its entries), where the platform allows opening one; else nothing. */
  private static void syncFolder(Path dir) {
    if (dir == null) {
      return;
    }
    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(dir,
        java.nio.file.StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // not every platform can open a folder (Windows): the rename is still atomic there
    }
  }

  /**
   * Removes the temporary files a killed {@link #writeAtomically} left in a folder ({@code
   * .<name>*.tmp}); returns how many.
   */
  static int removeStaleTemporaries(Path dir) {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    int n = 0;
    try (java.util.stream.Stream<Path> s = Files.list(dir)) {
      for (Path p : s.toList()) {
        String name = p.getFileName().toString();
        if (name.startsWith(".") && name.endsWith(".tmp") && Files.isRegularFile(p)) {
          Files.deleteIfExists(p);
          n++;
        }
      }
    } catch (IOException e) {
      throw TailorException.resource("cannot clean " + dir + ": " + e.getMessage(), e);
    }
    return n;
  }
}
