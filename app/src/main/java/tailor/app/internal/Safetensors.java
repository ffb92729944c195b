package tailor.app.internal;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes tensors in the safetensors format (8-byte little-endian header length, a JSON header
 * of name to dtype, shape and byte offsets, then the raw little-endian data), as float32 (int64
 * for counters), so
 * {@code safetensors.torch.load_file} gives PyTorch tensors with the same names and layouts
 * (conv weights [out, in, kh, kw], dense weights [out, in]).
 */
final class Safetensors {
  private Safetensors() {}

  /** A tensor to export: float32 values, or (integer) int64 ones. */
  record Entry(int[] shape, double[] values, boolean int64) {
    Entry(int[] shape, double[] values) {
      this(shape, values, false);
    }

    /** A 0-dimensional int64 tensor (PyTorch's num_batches_tracked). */
    static Entry scalarInt64(long v) {
      return new Entry(new int[0], new double[] {v}, true);
    }

    int bytes() {
      return (int64 ? 8 : 4) * values.length;
    }
  }

  static void write(Path file, Map<String, Entry> tensors, Map<String, String> metadata) {
    JsonObject header = new JsonObject();
    JsonObject meta = new JsonObject();
    metadata.forEach(meta::addProperty);
    header.add("__metadata__", meta);
    long offset = 0;
    for (Map.Entry<String, Entry> e : tensors.entrySet()) {
      JsonObject t = new JsonObject();
      t.addProperty("dtype", e.getValue().int64() ? "I64" : "F32");
      JsonArray shape = new JsonArray();
      for (int s : e.getValue().shape()) {
        shape.add(s);
      }
      t.add("shape", shape);
      JsonArray offsets = new JsonArray();
      offsets.add(offset);
      offset += e.getValue().bytes();
      offsets.add(offset);
      t.add("data_offsets", offsets);
      header.add(e.getKey(), t);
    }
    StringBuilder h = new StringBuilder(header.toString());
    while (h.length() % 8 != 0) {
      h.append(' ');
    }
    byte[] head = h.toString().getBytes(StandardCharsets.UTF_8);
    Io.writeAtomically(file, tmp -> {
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        len.putLong(head.length);
        out.write(len.array());
        out.write(head);
        ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (Entry e : tensors.values()) {
          for (double d : e.values()) {
            if (buf.remaining() < 8) {
              out.write(buf.array(), 0, buf.position());
              buf.clear();
            }
            if (e.int64()) {
              buf.putLong((long) d);
            } else {
              buf.putFloat((float) d);
            }
          }
        }
        out.write(buf.array(), 0, buf.position());
      }
    });
  }
}
