package tailor.datasets.internal;

import java.util.List;
import java.util.Locale;
import tailor.api.ModuleVersions;
import tailor.api.TailorException;
import tailor.api.data.DataOptions;
import tailor.api.data.DatasetProvider;

/** What the dataset plugins share: the module version and option checks. */
abstract class Base implements DatasetProvider {
  static final String VERSION = ModuleVersions.of(Base.class, "tailor.datasets");

  @Override
  public String version() {
    return VERSION;
  }

  @Override
  public boolean needsDirectory() {
    return true;
  }

  /** The augmentation option, checked against what this dataset offers. */
  String augmentation(DataOptions o, List<String> allowed) {
    String a = o.augmentation();
    if (!allowed.contains(a)) {
      throw TailorException.user(tailor.api.Names.unknown(name() + " augmentation", a,
          "--augment", allowed));
    }
    return a;
  }

  void requireDirectory(DataOptions o) {
    if (o.directory() == null) {
      throw TailorException.user(String.format(Locale.ROOT,
          "dataset %s needs its files: pass --data DIR (%s)", name(), layout()));
    }
    if (!java.nio.file.Files.isDirectory(o.directory())) {
      throw TailorException.user(String.format(Locale.ROOT,
          "--data %s is not a folder; dataset %s expects %s", o.directory(), name(), layout()));
    }
  }

  /** The expected file layout, for messages. */
  abstract String layout();
}
