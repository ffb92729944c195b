package tailor.app.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Third-party plugins from plugin folders, each in its own module layer: the example RMSprop
 * project in examples/ is compiled against tailor-api alone, dropped into a folder and trained
 * with by name; removing its jar removes it; a broken jar, a jar built for another SPI major
 * version and duplicate names are one warning line each, naming the jar, and the app still runs
 * with the other plugins.
 */
class PluginFolderTest {
  static final Path EXAMPLE = Path.of("..", "examples", "rmsprop-optimizer", "src", "main", "java");

  @TempDir
  static Path work;
  static Path rmspropJar;

  static CliRun cli(String... argv) {
    return CliRun.of(argv);
  }

  /** Where tailor.api's classes are (a jar or a classes folder): the plugin's module path. */
  static String apiLocation() {
    return Path.of(ModuleLayer.boot().configuration().findModule("tailor.api").orElseThrow()
        .reference().location().orElseThrow()).toString();
  }

  /** Compiles a module's sources against tailor-api only and packs them into a jar. */
  static Path build(Path sources, Path jar) throws IOException {
    Path classes = Files.createTempDirectory(work, "classes");
    List<String> args = new ArrayList<>(List.of("--release", "17", "--module-path", apiLocation(),
        "-d", classes.toString()));
    try (Stream<Path> s = Files.walk(sources)) {
      s.filter(p -> p.toString().endsWith(".java")).forEach(p -> args.add(p.toString()));
    }
    javac(args);
    jar(jar, classes);
    return jar;
  }

  /** A one-class optimizer plugin module with a given plugin name and declared SPI major (null: none declared). */
  static Path tinyPlugin(String module, String name, String spi) throws IOException {
    Path src = Files.createTempDirectory(work, "src");
    String pkg = module.replace('.', '/');
    Files.createDirectories(src.resolve(pkg));
    Files.writeString(src.resolve("module-info.java"), "module " + module + " { requires tailor.api; "
        + "provides tailor.api.optim.OptimizerProvider with " + module + ".P; }");
    Files.writeString(src.resolve(pkg).resolve("P.java"), "package " + module + ";\n"
        + "public final class P implements tailor.api.optim.OptimizerProvider {\n"
        + "  public String name() { return \"" + name + "\"; }\n"
        + "  public String version() { return \"9.9.9\"; }\n"
        + "  public String description() { return \"test plugin\"; }\n"
        + (spi == null ? "" : "  public int spiMajorVersion() { return " + spi + "; }\n")
        + "  public java.util.Map<String, Object> defaults() { return java.util.Map.of(); }\n"
        + "  public tailor.api.optim.Optimizer create(java.util.Map<String, Object> s) { return null; }\n"
        + "}\n");
    return build(src, work.resolve(module + ".jar"));
  }

  @BeforeAll
  static void buildExample() throws IOException {
    assertTrue(Files.isDirectory(EXAMPLE), EXAMPLE.toAbsolutePath().toString());
    rmspropJar = build(EXAMPLE, work.resolve("tailor-rmsprop-1.0.0.jar"));
  }

  @Test
  void trainsWithTheExamplePluginAndForgetsItWhenTheJarGoes(@TempDir Path tmp) throws IOException {
    Path plugins = Files.createDirectories(tmp.resolve("plugins"));
    Path jar = Files.copy(rmspropJar, plugins.resolve(rmspropJar.getFileName()));
    CliRun list = cli("plugins", "--json", "--plugin-path", plugins.toString());
    assertEquals(0, list.code(), list.err());
    assertEquals("", list.err());
    JsonObject row = list.out().lines().map(l -> JsonParser.parseString(l).getAsJsonObject())
        .filter(o -> o.get("name").getAsString().equals("rmsprop")).findFirst().orElseThrow();
    assertEquals("optimizer", row.get("kind").getAsString());
    assertEquals("1.0.0", row.get("version").getAsString());
    assertEquals("dev.tailor.examples.rmsprop", row.get("module").getAsString());
    assertTrue(row.get("from").getAsString().contains("tailor-rmsprop-1.0.0.jar"), row.toString());
    // tailor's own plugins are all still there
    for (String name : List.of("sgd", "kfac", "lars", "adam", "cpu", "digits")) {
      assertTrue(list.out().contains("\"name\":\"" + name + "\""), name);
    }

    Path out = tmp.resolve("run");
    CliRun train = cli("--plugin-path", plugins.toString(), "train", "--optimizer", "rmsprop",
        "--threads", "1", "--depth", "20", "--width", "0.25", "--batch", "32", "--epochs", "3",
        "--quiet", "--out", out.toString());
    assertEquals(0, train.code(), train.err());
    JsonObject summary = JsonParser.parseString(Files.readString(out.resolve("summary.json"))).getAsJsonObject();
    // 3 epochs of a 20-layer TAT MLP on digits with RMSprop at lr 1e-3: far above chance (10%).
    assertTrue(summary.get("test_top1").getAsDouble() > 0.8, summary.toString());
    JsonObject config = JsonParser.parseString(Files.readString(out.resolve("config.json"))).getAsJsonObject();
    assertEquals(0.9, config.getAsJsonObject("values").get("optimizer.rmsprop.rho").getAsDouble());

    Files.delete(jar);
    CliRun gone = cli("--plugin-path", plugins.toString(), "train", "--optimizer", "rmsprop", "--quiet",
        "--out", tmp.resolve("run2").toString());
    assertEquals(2, gone.code());
    assertTrue(gone.err().startsWith("tailor: unknown optimizer 'rmsprop'"), gone.err());
    CliRun rest = cli("plugins", "--plugin-path", plugins.toString());
    assertEquals(0, rest.code(), rest.err());
    assertFalse(rest.out().contains("rmsprop"));
    assertTrue(rest.out().contains("kfac"));
  }

  @Test
  void badPluginsAreOneWarningEachAndTheOthersLoad(@TempDir Path tmp) throws IOException {
    Path plugins = Files.createDirectories(tmp.resolve("plugins"));
    Files.copy(rmspropJar, plugins.resolve("a-rmsprop.jar"));
    Files.copy(rmspropJar, plugins.resolve("b-rmsprop-again.jar"));
    Files.write(plugins.resolve("broken.jar"), new byte[] {'P', 'K', 3, 4, 1, 2, 3});
    Files.copy(tinyPlugin("old.spi", "oldopt", "2"), plugins.resolve("old-spi.jar"));
    Files.copy(tinyPlugin("my.sgd", "sgd", "tailor.api.SpiVersion.MAJOR"), plugins.resolve("my-sgd.jar"));
    Files.copy(tinyPlugin("silent.spi", "silentopt", null), plugins.resolve("silent-spi.jar"));
    CliRun r = cli("plugins", "--plugin-path", plugins.toString());
    assertEquals(0, r.code(), r.err());
    List<String> warnings = r.err().lines().toList();
    assertEquals(5, warnings.size(), r.err());
    // a plugin that does not say which SPI it was built against cannot pass the check by the
    // host's default: it is refused
    String silent = find(warnings, "silent-spi.jar");
    assertTrue(silent.contains("'silentopt'") && silent.contains("does not declare the SPI"), silent);
    assertFalse(r.out().contains("silentopt"));
    for (String w : warnings) {
      assertTrue(w.startsWith("tailor: warning: "), w);
    }
    assertTrue(find(warnings, "broken.jar").contains("skipped plugin"), r.err());
    String spi = find(warnings, "old-spi.jar");
    assertTrue(spi.contains("built for SPI 2.x") && spi.contains("SPI " + tailor.api.SpiVersion.string()), spi);
    String dup = find(warnings, "b-rmsprop-again.jar");
    assertTrue(dup.contains("'rmsprop'") && dup.contains("a-rmsprop.jar"), dup);
    String sgd = find(warnings, "my-sgd.jar");
    assertTrue(sgd.contains("'sgd'") && sgd.contains("tailor.optimizers"), sgd);
    // the good plugin and tailor's own are there
    assertTrue(r.out().contains("rmsprop"), r.out());
    assertTrue(r.out().lines().anyMatch(l -> l.contains(" sgd ") && l.contains("tailor.optimizers")), r.out());
    assertFalse(r.out().contains("oldopt"));

    CliRun missing = cli("plugins", "--plugin-path", tmp.resolve("nope").toString());
    assertEquals(2, missing.code());
    assertEquals(1, missing.err().lines().count(), missing.err());
    assertTrue(missing.err().contains("nope"), missing.err());
  }

  /**
   * A plugin folder with a library that is not a module: the plugin's module jar at the top,
   * the library under classpath/, loaded below the plugin's layer and read by its module (how
   * the nd4j backend brings ND4J).
   */
  @Test
  void aPluginFolderBringsClassPathLibraries(@TempDir Path tmp) throws IOException {
    // the library: a plain jar, no module-info
    Path libSrc = Files.createTempDirectory(work, "lib");
    Files.createDirectories(libSrc.resolve("plainlib"));
    Files.writeString(libSrc.resolve("plainlib/Names.java"), "package plainlib;\n"
        + "public final class Names { public static String optimizer() { return \"from-classpath\"; } }\n");
    Path libClasses = Files.createTempDirectory(work, "libclasses");
    javac(List.of("--release", "17", "-d", libClasses.toString(),
        libSrc.resolve("plainlib/Names.java").toString()));
    Path unit = Files.createDirectories(tmp.resolve("plugins").resolve("cpdemo"));
    Path libJar = Files.createDirectories(unit.resolve(PluginLayers.CLASSPATH)).resolve("plainlib.jar");
    jar(libJar, libClasses);
    // the plugin: a module that reads the unnamed module and names itself through the library
    Path src = Files.createTempDirectory(work, "cpsrc");
    Files.createDirectories(src.resolve("cp/demo"));
    Files.writeString(src.resolve("module-info.java"), "module cp.demo { requires tailor.api; "
        + "provides tailor.api.optim.OptimizerProvider with cp.demo.P; }");
    Files.writeString(src.resolve("cp/demo/P.java"), "package cp.demo;\n"
        + "public final class P implements tailor.api.optim.OptimizerProvider {\n"
        + "  public String name() { return plainlib.Names.optimizer(); }\n"
        + "  public String version() { return \"0.0.1\"; }\n"
        + "  public String description() { return \"test plugin with a class-path library\"; }\n"
        + "  public int spiMajorVersion() { return tailor.api.SpiVersion.MAJOR; }\n"
        + "  public java.util.Map<String, Object> defaults() { return java.util.Map.of(); }\n"
        + "  public tailor.api.optim.Optimizer create(java.util.Map<String, Object> s) { return null; }\n"
        + "}\n");
    Path classes = Files.createTempDirectory(work, "cpclasses");
    javac(List.of("--release", "17", "--module-path", apiLocation(), "--add-reads", "cp.demo=ALL-UNNAMED",
        "-cp", libJar.toString(), "-d", classes.toString(), src.resolve("module-info.java").toString(),
        src.resolve("cp/demo/P.java").toString()));
    jar(unit.resolve("cp-demo.jar"), classes);

    CliRun r = cli("plugins", "--plugin-path", tmp.resolve("plugins").toString());
    assertEquals(0, r.code(), r.err());
    assertEquals("", r.err());
    assertTrue(r.out().lines().anyMatch(l -> l.startsWith("optimizer   from-classpath ")
        && l.contains("cp.demo")), r.out());
    // without its library the plugin cannot start: one warning naming it, the app runs on
    Files.delete(libJar);
    CliRun broken = cli("plugins", "--plugin-path", tmp.resolve("plugins").toString());
    assertEquals(0, broken.code(), broken.err());
    assertEquals(1, broken.err().lines().count(), broken.err());
    assertTrue(broken.err().contains("cp.demo.P") || broken.err().contains("cpdemo"), broken.err());
    assertFalse(broken.out().contains("from-classpath"));
  }

  static void javac(List<String> args) {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    PrintStream ps = new PrintStream(log, true, StandardCharsets.UTF_8);
    int rc = ToolProvider.findFirst("javac").orElseThrow().run(ps, ps, args.toArray(new String[0]));
    assertEquals(0, rc, log.toString(StandardCharsets.UTF_8));
  }

  static void jar(Path jar, Path classes) {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    PrintStream ps = new PrintStream(log, true, StandardCharsets.UTF_8);
    int rc = ToolProvider.findFirst("jar").orElseThrow().run(ps, ps, "--create", "--file", jar.toString(),
        "-C", classes.toString(), ".");
    assertEquals(0, rc, log.toString(StandardCharsets.UTF_8));
  }

  private static String find(List<String> lines, String needle) {
    return lines.stream().filter(l -> l.contains(needle)).findFirst()
        .orElseThrow(() -> new AssertionError("no line names " + needle + ": " + lines));
  }
}
