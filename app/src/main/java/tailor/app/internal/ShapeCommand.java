package tailor.app.internal;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import jakarta.inject.Inject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import tailor.api.TailorException;
import tailor.api.activation.ShapeParam;

/** {@code tailor shape}: the shaped activation for an architecture, as text, JSON or a batch. */
public final class ShapeCommand {
  static final Set<String> VALUED = Set.of("method", "activation", "model", "depth",
      "shortcut-weight", "block", "eta", "tau", "zeta", "q-slope", "at", "plot", "batch",
      "quadrature", "graph");
  static final Set<String> FLAGS = Set.of("json", "help", "verbose");

  static final String HELP = String.join("\n",
      "usage: tailor shape [--method tat|dks|untransformed] [--activation NAME]",
      "                    [--model mlp|resnet] [--depth N] [--shortcut-weight W] [--block v1|v2]",
      "                    [--graph FILE.json (your own architecture, instead of --model/--depth)]",
      "                    [--eta E] [--tau T] [--zeta Z] [--q-slope S] [--at x1,x2,...]",
      "                    [--quadrature dks|exact] [--json] [--plot FILE.png]",
      "       tailor shape --batch FILE.jsonl",
      "",
      "Computes the DKS/TAT-shaped activation phi_hat(x) = output_scale * (phi(input_scale * x",
      "+ input_shift) + output_shift) for a network. Defaults: --method tat --activation",
      "leaky_relu --model resnet --depth 50, eta 0.9, tau 0.3, zeta 1.5, w 0, v2.",
      "--batch reads one JSON object per line (keys: method, activation, model, depth,",
      "shortcut_weight, block, eta, tau, zeta, q_slope, at, quadrature) and writes one result",
      "per line. --quadrature dks (default) integrates kinked activations as the reference package",
      "does, so parameters equal its values; exact splits at the kinks (differs by up to ~2e-5",
      "relative for ELU, SELU, softsign and shifted (leaky) ReLUs).");

  private final ShapeService service;

  @Inject
  ShapeCommand(ShapeService service) {
    this.service = service;
  }

  int run(List<String> tokens, PrintStream out, PrintStream err) {
    Args a = Args.parse(tokens, VALUED, FLAGS, "shape");
    if (a.flag("help")) {
      out.println(HELP);
      return 0;
    }
    if (!a.positional().isEmpty()) {
      throw TailorException.user("unexpected argument '" + a.positional().get(0)
          + "' for tailor shape; options start with --, see tailor shape --help");
    }
    if (a.has("batch")) {
      for (String o : VALUED) {
        if (!o.equals("batch") && a.has(o)) {
          throw TailorException.user("--batch takes its cases from the file; --" + o
              + " cannot be combined with it");
        }
      }
      return batch(Path.of(a.string("batch", "")), out);
    }
    ShapeCase c = ShapeCase.fromArgs(a);
    ShapeService.Prepared prepared = service.prepare(c);
    if (prepared.base().name().equals("relu") && prepared.transform().name().equals("dks")) {
      err.println("tailor: warning: relu is only partially supported by DKS (input shift fixed, "
          + "Q'(1) not targeted); leaky_relu is recommended");
    }
    ShapeService.Outcome o = service.solve(prepared);
    if (a.has("plot")) {
      ShapePlot.write(o, Path.of(a.string("plot", "")));
    }
    if (a.flag("json")) {
      out.println(Io.GSON.toJson(ShapeService.toJson(o)));
    } else {
      printText(o, out);
      if (a.has("plot")) {
        out.println("  plot      " + a.string("plot", ""));
      }
    }
    return 0;
  }

  private int batch(Path file, PrintStream out) {
    List<String> lines;
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      lines = r.lines().toList();
    } catch (NoSuchFileException e) {
      throw TailorException.user("batch file " + file + " does not exist (from --batch)");
    } catch (IOException | java.io.UncheckedIOException e) {
      throw TailorException.resource("cannot read batch file " + file + ": " + e.getMessage(), e);
    }
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).trim();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String where = "line " + (i + 1) + " of " + file.getFileName();
      Object result;
      try {
        JsonElement e = JsonParser.parseString(line);
        if (!e.isJsonObject()) {
          throw TailorException.user(where + " is not a JSON object");
        }
        JsonObject o = e.getAsJsonObject();
        result = ShapeService.toJson(service.run(ShapeCase.fromJson(o, where)));
      } catch (JsonParseException ex) {
        result = error("user", where + " is not valid JSON: " + firstLine(ex.getMessage()));
      } catch (TailorException ex) {
        result = error(ex.kind().label(), ex.getMessage());
      } catch (RuntimeException ex) {
        result = error("internal", where + ": " + ex);
      }
      out.println(Io.GSON.toJson(result));
      out.flush();
    }
    return 0;
  }

  private static Map<String, Object> error(String kind, String message) {
    Map<String, Object> inner = new LinkedHashMap<>();
    inner.put("kind", kind);
    inner.put("message", message);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("error", inner);
    return m;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  private static void printText(ShapeService.Outcome o, PrintStream out) {
    ShapeCase c = o.request();
    out.printf(Locale.ROOT, "%s (%s) on %s: %d nonlinear layers on the longest path%n",
        c.activation(), o.transformName(), o.architecture().describe(),
        o.architecture().nonlinearDepth());
    StringBuilder t = new StringBuilder();
    o.targetsUsed().forEach((k, v) -> t.append(t.length() == 0 ? "" : ", ").append(k).append(" = ")
        .append(v));
    out.println("  targets   " + (t.length() == 0 ? "none" : t));
    out.println("  phi_hat   " + formula(o));
    boolean first = true;
    for (Map.Entry<ShapeParam, Double> e : o.shaped().params().entrySet()) {
      out.printf(Locale.ROOT, "  %-9s %-15s = %s%n", first ? "params" : "", e.getKey().key(),
          e.getValue());
      first = false;
    }
    out.printf(Locale.ROOT, "  local     Q(1) = %.12g  Q'(1) = %.12g  C(0) = %.12g  C'(1) = %.12g"
            + "  C''(1) = %.6g%n", o.local().q1(), o.local().qSlope1(), o.local().c0(),
        o.local().cSlope1(), o.local().cCurv1());
    out.printf(Locale.ROOT, "  network   max C_f(0) = %.12g  max C_f'(1) = %.12g  max C_f''(1) = %.6g%n",
        o.network().c0(), o.network().cSlope1(), o.network().cCurv1());
    if (o.shaped().phi().derivativeJumps()) {
      out.println("            (C''(1) is the pointwise value, as in the reference; with a jump in"
          + " phi' the true C''(1) is infinite)");
    }
    for (double x : c.at()) {
      out.printf(Locale.ROOT, "  phi_hat(%s) = %s%n", x, o.shaped().value(x));
    }
    out.printf(Locale.ROOT, "  solved in %.3f ms%n", o.solveMs());
  }

  private static String formula(ShapeService.Outcome o) {
    var s = o.shaped();
    String inner = "x";
    if (s.params().containsKey(ShapeParam.INPUT_SCALE)) {
      inner = "input_scale * x";
    }
    if (s.params().containsKey(ShapeParam.INPUT_SHIFT)) {
      inner = inner + " + input_shift";
    }
    String phi = s.base().name() + (s.params().containsKey(ShapeParam.NEGATIVE_SLOPE)
        ? "[negative_slope]" : "") + "(" + inner + ")";
    if (s.params().containsKey(ShapeParam.OUTPUT_SHIFT)) {
      phi = "(" + phi + " + output_shift)";
    }
    if (s.params().containsKey(ShapeParam.OUTPUT_SCALE)) {
      phi = "output_scale * " + phi;
    }
    return phi;
  }
}
