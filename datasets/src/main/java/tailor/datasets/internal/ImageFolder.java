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
   * every class folder must be one of them. Every class folder must hold images.
   */
  static ImageFolder scan(Path dir, List<String> classes) {
    List<Path> classDirs = classDirs(dir);
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
      f.add(cd, label, "");
    }
    return f;
  }

  /**
   * Scans the folder of a named dataset whose classes and their order are fixed ({@code
   * official}): the class folders must be exactly those (labels are their official indices, not
   * the folders' sorted order), and none may be empty.
   *
   * @param dataset e.g. "CIFAR-10", for the messages
   */
  static ImageFolder scanNamed(Path dir, List<String> official, String dataset) {
    List<Path> classDirs = classDirs(dir);
    ImageFolder f = new ImageFolder(official);
    List<String> seen = new ArrayList<>();
    String hint = String.format(Locale.ROOT, "%s has %d classes: %s", dataset, official.size(),
        String.join(", ", official));
    for (Path cd : classDirs) {
      String name = cd.getFileName().toString();
      int label = official.indexOf(name);
      if (label < 0) {
        throw TailorException.user(String.format(Locale.ROOT, "%s: class folder '%s' is not a "
            + "%s class (%s); move it out of %s (the labels are the official class indices), "
            + "or train on other classes with --dataset images", dir, name, dataset,
            String.join(", ", official), dir));
      }
      seen.add(name);
      f.add(cd, label, " (" + hint + ")");
    }
    for (String c : official) {
      if (!seen.contains(c)) {
        throw TailorException.user(String.format(Locale.ROOT, "%s has no folder for class '%s' "
            + "(%s); every class needs its folder %s/%s", dir, c, hint, dir, c));
      }
    }
    return f;
  }

  private static List<Path> classDirs(Path dir) {
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
    return classDirs;
  }

  /** Adds a class folder's images; an empty class folder is an error. */
  private void add(Path cd, int label, String hint) {
    List<Path> images;
    try (Stream<Path> s = Files.list(cd)) {
      images = s.filter(ImageFolder::isImage).sorted().toList();
    } catch (IOException e) {
      throw TailorException.resource("cannot list " + cd + ": " + e.getMessage(), e);
    }
    if (images.isEmpty()) {
      throw TailorException.user(cd + " has no .jpg, .jpeg or .png images: a class with no "
          + "examples" + hint + "; add its images or remove the folder");
    }
    for (Path p : images) {
      files.add(p);
      labels.add(label);
    }
  }

  /** Examples per class, in class order. */
  int[] counts() {
    int[] n = new int[classes.size()];
    for (int l : labels) {
      n[l]++;
    }
    return n;
  }

  int[] labelArray() {
    return labels.stream().mapToInt(Integer::intValue).toArray();
  }
}
