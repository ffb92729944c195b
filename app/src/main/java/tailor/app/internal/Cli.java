package tailor.app.internal;

import com.google.inject.CreationException;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.ProvisionException;
import com.google.inject.spi.Message;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import tailor.api.Names;
import tailor.api.SpiVersion;
import tailor.api.TailorException;

/**
 * The commands and the error policy: a user error is one line on standard error and exit code
 * 2, with the stack trace only under {@code --verbose}.
 */
public final class Cli {
  static final List<String> COMMANDS = List.of("shape", "model", "train", "eval", "compare", "experiment", "plugins", "bench", "help",
      "version");

  private Cli() {}

  static final String USAGE = String.join("\n",
      "usage: tailor <command> [options]   (tailor <command> --help for its options)",
      "",
      "commands:",
      "  shape     the DKS/TAT-shaped activation for an architecture (text, --json, --batch, --plot)",
      "  model     tailor model summary: layers, parameters, FLOPs, nonlinear depth",
      "  train     train a network on a dataset (default: deep TAT MLP on the embedded digits)",
      "  eval      evaluate a checkpoint on a test split",
      "  compare   plot several training runs' curves together (e.g. K-FAC against SGD)",
      "  experiment  a grid of runs (method x architecture x optimizer), the paper's table and plots",
      "  plugins   every discovered plugin: kind, name, version, module",
      "  bench     benchmarks: tailor bench shape | train-step | optimizer-step | kernel",
      "  version   the versions of tailor and its SPI",
      "",
      "global options: --verbose (stack traces on errors), --plugin-path DIR[:DIR...] (folders of",
      "  third-party plugin jars, besides <tailor home>/plugins and TAILOR_PLUGIN_PATH)");

  /** Runs one command line; returns the exit code. */
  public static int run(String[] argv, PrintStream out, PrintStream err) {
    List<String> args = new ArrayList<>(Arrays.asList(argv));
    boolean verbose = args.remove("--verbose");
    try {
      List<String> pluginPath = new ArrayList<>();
      for (int i = args.indexOf("--plugin-path"); i >= 0; i = args.indexOf("--plugin-path")) {
        if (i + 1 >= args.size()) {
          throw TailorException.user("--plugin-path needs a folder, e.g. --plugin-path plugins");
        }
        pluginPath.add(args.get(i + 1));
        args.subList(i, i + 2).clear();
      }
      List<java.nio.file.Path> folders = PluginLayers.folders(System.getProperty("tailor.home"),
          System.getenv("TAILOR_PLUGIN_PATH"), pluginPath);
      java.util.function.Supplier<Injector> injector = () -> injector(folders, err);
      if (args.size() >= 2 && args.get(0).equals("help") && COMMANDS.contains(args.get(1))
          && !args.get(1).equals("help")) {
        // tailor help train = tailor train --help
        args = new java.util.ArrayList<>(List.of(args.get(1), "--help"));
      }
      if (args.isEmpty() || args.get(0).equals("help") || args.get(0).equals("--help")
          || args.get(0).equals("-h")) {
        out.println(USAGE);
        return 0;
      }
      String command = args.get(0);
      List<String> rest = args.subList(1, args.size());
      switch (command) {
        case "version":
        case "--version":
          out.println("tailor " + AppModule.VERSION + " (SPI " + SpiVersion.string() + ")");
          return 0;
        case "shape":
          return injector.get().getInstance(ShapeCommand.class).run(rest, out, err);
        case "model":
          return injector.get().getInstance(ModelCommand.class).run(rest, out);
        case "train":
          return injector.get().getInstance(TrainCommand.class).run(rest, out, err);
        case "eval":
          return injector.get().getInstance(EvalCommand.class).run(rest, out);
        case "compare":
          return new CompareCommand().run(rest, out);
        case "experiment":
          return injector.get().getInstance(ExperimentCommand.class).run(rest, out, err);
        case "plugins":
          return plugins(injector.get().getInstance(PluginCatalog.class), rest, out);
        case "bench":
          return injector.get().getInstance(BenchCommand.class).run(rest, out, err);
        default:
          throw TailorException.user(Names.unknown("command", command, "tailor", COMMANDS));
      }
    } catch (TailorException e) {
      return report(e, verbose, err);
    } catch (CreationException | ProvisionException e) {
      TailorException cause = tailorCause(e);
      if (cause != null) {
        return report(cause, verbose, err);
      }
      return internal(e, verbose, err);
    } catch (RuntimeException | Error e) {
      return internal(e, verbose, err);
    }
  }

  /**
   * The app wired with tailor's plugins and those of this command line's plugin folders; a
   * third-party plugin that cannot be used is one warning line on standard error.
   */
  static Injector injector(List<java.nio.file.Path> pluginFolders, PrintStream err) {
    PluginLayers layers = PluginLayers.load(pluginFolders);
    Injector injector = Guice.createInjector(new PluginsModule(layers));
    for (String w : layers.warnings()) {
      err.println("tailor: warning: " + w);
    }
    return injector;
  }

  private static int report(TailorException e, boolean verbose, PrintStream err) {
    err.println("tailor: " + e.getMessage());
    if (verbose) {
      e.printStackTrace(err);
    }
    return e.kind().exitCode();
  }

  private static int internal(Throwable e, boolean verbose, PrintStream err) {
    err.println("tailor: internal error: " + e + (verbose ? "" : "; rerun with --verbose for details"));
    if (verbose) {
      e.printStackTrace(err);
    }
    return 1;
  }

  private static TailorException tailorCause(RuntimeException e) {
    Iterable<Message> messages = e instanceof CreationException c ? c.getErrorMessages()
        : ((ProvisionException) e).getErrorMessages();
    for (Message m : messages) {
      Throwable t = m.getCause();
      while (t != null) {
        if (t instanceof TailorException te) {
          return te;
        }
        t = t.getCause();
      }
    }
    return null;
  }

  private static int plugins(PluginCatalog catalog, List<String> rest, PrintStream out) {
    Args a = Args.parse(rest, java.util.Set.of(), java.util.Set.of("json", "help"), "plugins");
    if (a.flag("help")) {
      out.println("usage: tailor plugins [--json]\nLists every discovered plugin: kind, name, version, module, "
          + "the jar it came from, description.");
      return 0;
    }
    List<PluginCatalog.Row> rows = catalog.rows();
    if (a.flag("json")) {
      for (PluginCatalog.Row r : rows) {
        java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
        m.put("kind", r.kind());
        m.put("name", r.name());
        m.put("version", r.version());
        m.put("module", r.module());
        m.put("from", r.from());
        m.put("description", r.description());
        out.println(Io.GSON.toJson(m));
      }
      return 0;
    }
    out.printf(Locale.ROOT, "%-11s %-14s %-15s %-21s %-41s %s%n", "KIND", "NAME", "VERSION",
        "MODULE", "FROM", "DESCRIPTION");
    for (PluginCatalog.Row r : rows) {
      out.printf(Locale.ROOT, "%-11s %-14s %-15s %-21s %-41s %s%n", r.kind(), r.name(), r.version(),
          r.module(), r.from(), r.description());
    }
    return 0;
  }
}
