package tailor.app.internal;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.List;
import java.util.Map;
import tailor.api.TailorException;

/**
 * A training checkpoint in one file, {@code checkpoint.tlr}: the magic {@code TAILORCK}, a format
 * version, a JSON header (the resolved configuration, the position in training, the tensor
 * index), the tensors as little-endian float64, and a SHA-256 of everything before it. Written
 * atomically; a file whose checksum, magic or version does not match is refused whole.
 */
final class Checkpoint {
  static final String FILE = "checkpoint.tlr";
  private static final byte[] MAGIC = "TAILORCK".getBytes(StandardCharsets.US_ASCII);
  private static final int FORMAT = 1;

  /**
   * Where training stands: the steps done, the epoch and batch within it of the next step, the
   * last loss, and the training seconds spent so far over all runs of it.
   */
  record Position(long step, long epoch, int batchInEpoch, double lastLoss, double trainSeconds) {}

  final JsonObject config;
  final Position position;
  /** Tensors by name: "param/...", "buffer/...", "opt/...". */
  final Map<String, double[]> tensors;
  /** The training data's class names in label order (null in checkpoints written before them). */
  final List<String> classes;

  Checkpoint(JsonObject config, Position position, Map<String, double[]> tensors,
      List<String> classes) {
    this.config = config;
    this.position = position;
    this.tensors = tensors;
    this.classes = classes == null ? null : List.copyOf(classes);
  }

  void write(Path dir) {
    JsonObject header = new JsonObject();
    header.add("config", config);
    JsonObject pos = new JsonObject();
    pos.addProperty("step", position.step());
    pos.addProperty("epoch", position.epoch());
    pos.addProperty("batch_in_epoch", position.batchInEpoch());
    pos.addProperty("last_loss", position.lastLoss());
    pos.addProperty("train_seconds", position.trainSeconds());
    header.add("position", pos);
    if (classes != null) {
      JsonArray names = new JsonArray();
      classes.forEach(names::add);
      header.add("classes", names);
    }
    JsonArray index = new JsonArray();
    for (Map.Entry<String, double[]> e : tensors.entrySet()) {
      JsonObject t = new JsonObject();
      t.addProperty("name", e.getKey());
      t.addProperty("length", e.getValue().length);
      index.add(t);
    }
    header.add("tensors", index);
    byte[] head = header.toString().getBytes(StandardCharsets.UTF_8);
    Io.writeAtomically(dir.resolve(FILE), tmp -> {
      MessageDigest sha = sha256();
      try (OutputStream raw = Files.newOutputStream(tmp);
          DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(
              new java.security.DigestOutputStream(raw, sha), 1 << 16))) {
        out.write(MAGIC);
        out.writeInt(FORMAT);
        out.writeInt(head.length);
        out.write(head);
        ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (double[] v : tensors.values()) {
          for (double d : v) {
            if (buf.remaining() < 8) {
              out.write(buf.array(), 0, buf.position());
              buf.clear();
            }
            buf.putDouble(d);
          }
        }
        out.write(buf.array(), 0, buf.position());
        out.flush();
        raw.write(sha.digest());
      }
    });
  }

  static boolean exists(Path dir) {
    return Files.isRegularFile(dir.resolve(FILE));
  }

  /** Reads and verifies a checkpoint; any damage is a user error naming the file. */
  static Checkpoint read(Path dir) {
    Path f = dir.resolve(FILE);
    if (!Files.isRegularFile(f)) {
      throw TailorException.user(String.format(Locale.ROOT,
          "%s has no %s; give the --out folder of an earlier training run", dir, FILE));
    }
    byte[] all;
    try {
      all = Files.readAllBytes(f);
    } catch (IOException e) {
      throw TailorException.resource("cannot read " + f + ": " + e.getMessage(), e);
    }
    if (all.length < MAGIC.length + 8 + 32
        || !java.util.Arrays.equals(all, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
      throw TailorException.user(f + " is not a tailor checkpoint (bad magic); refusing to load it");
    }
    MessageDigest sha = sha256();
    sha.update(all, 0, all.length - 32);
    byte[] expect = sha.digest();
    if (!java.util.Arrays.equals(all, all.length - 32, all.length, expect, 0, 32)) {
      throw TailorException.user(f + " is corrupt (SHA-256 mismatch: truncated or modified); "
          + "refusing to load it. Resume from an intact copy or start a new run");
    }
    ByteBuffer b = ByteBuffer.wrap(all, 0, all.length - 32);
    b.position(MAGIC.length);
    int format = b.getInt();
    if (format != FORMAT) {
      throw TailorException.user(String.format(Locale.ROOT,
          "%s has checkpoint format %d; this tailor reads format %d", f, format, FORMAT));
    }
    int headLen = b.getInt();
    JsonObject header;
    try {
      header = JsonParser.parseString(new String(all, b.position(), headLen, StandardCharsets.UTF_8))
          .getAsJsonObject();
    } catch (RuntimeException e) {
      throw TailorException.user(f + " has an unreadable header; refusing to load it");
    }
    b.position(b.position() + headLen);
    b.order(ByteOrder.LITTLE_ENDIAN);
    Map<String, double[]> tensors = new LinkedHashMap<>();
    for (JsonElement e : header.getAsJsonArray("tensors")) {
      JsonObject t = e.getAsJsonObject();
      int n = t.get("length").getAsInt();
      if (b.remaining() < 8L * n) {
        throw TailorException.user(f + " is shorter than its index says; refusing to load it");
      }
      double[] v = new double[n];
      b.asDoubleBuffer().get(v);
      b.position(b.position() + 8 * n);
      tensors.put(t.get("name").getAsString(), v);
    }
    if (b.remaining() != 0) {
      throw TailorException.user(f + " has bytes its index does not describe; refusing to load it");
    }
    JsonObject p = header.getAsJsonObject("position");
    List<String> classes = null;
    if (header.has("classes")) {
      classes = new java.util.ArrayList<>();
      for (JsonElement e : header.getAsJsonArray("classes")) {
        classes.add(e.getAsString());
      }
    }
    return new Checkpoint(header.getAsJsonObject("config"), new Position(p.get("step").getAsLong(),
        p.get("epoch").getAsLong(), p.get("batch_in_epoch").getAsInt(),
        p.get("last_loss").getAsDouble(), p.has("train_seconds") ? p.get("train_seconds").getAsDouble() : 0),
        tensors, classes);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
