package tailor.datasets.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import tailor.api.TailorException;

/** A split folder laid out as {@code <split>/<class>/<image>}: class names are the sorted folder names. */
final class ImageFolder {
  final List<String> classes;
  final List<Path> files = new ArrayList<>();
  final List<Integer> labels = new ArrayList<>();

  private ImageFolder(List<String> classes) {
    this.classes = classes;
  }

  static boolean isImage(Path p) {
    String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
    return n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".png");
  }

  /**
   * Scans {@code dir}. With {@code classes} null the class list is taken from this folder; else
   * every class folder must be one of them.
   */
  static ImageFolder scan(Path dir, List<String> classes) {
    if (!Files.isDirectory(dir)) {
      throw TailorException.user(dir + " is not a folder; expected <split>/<class>/<image> folders");
    }
    List<Path> classDirs;
    try (Stream<Path> s = Files.list(dir)) {
      classDirs = s.filter(Files::isDirectory).sorted().toList();
    } catch (IOException e) {
      throw TailorException.resource("cannot list " + dir + ": " + e.getMessage(), e);
    }
    if (classDirs.isEmpty()) {
      throw TailorException.user(dir + " has no class folders; expected " + dir + "/<class>/<image>");
    }
    List<String> names = classDirs.stream().map(p -> p.getFileName().toString()).toList();
    ImageFolder f = new ImageFolder(classes == null ? names : classes);
    for (Path cd : classDirs) {
      String name = cd.getFileName().toString();
      int label = f.classes.indexOf(name);
      if (label < 0) {
        throw TailorException.user(String.format(Locale.ROOT,
            "%s: class folder '%s' is not among the training classes (%d of them, e.g. %s)", dir,
            name, f.classes.size(), f.classes.get(0)));
      }
      try (Stream<Path> s = Files.list(cd)) {
        for (Path p : s.filter(ImageFolder::isImage).sorted().toList()) {
          f.files.add(p);
          f.labels.add(label);
        }
      } catch (IOException e) {
        throw TailorException.resource("cannot list " + cd + ": " + e.getMessage(), e);
      }
    }
    if (f.files.isEmpty()) {
      throw TailorException.user(dir + " has class folders but no .jpg, .jpeg or .png images");
    }
    return f;
  }

  int[] labelArray() {
    return labels.stream().mapToInt(Integer::intValue).toArray();
  }
}
