package tailor.kernelshaping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tailor.api.activation.BaseActivation;

class ActivationsTest {
  static Stream<BaseActivation> activations() {
    return Activations.all().stream();
  }

  @Test
  void theSixteenReferenceNamesArePresent() {
    List<String> names = Activations.all().stream().map(BaseActivation::name).toList();
    assertEquals(List.of("tanh", "softplus", "leaky_relu", "relu", "selu", "elu", "swish", "sigmoid",
        "erf", "bentid", "atan", "asinh", "square", "softsign", "gelu", "gelu_exact"), names);
  }

  /**
   * First and second derivatives against central differences (h = 1e-4 on the value, 1e-4 on the
   * derivative): the truncation error is ~h^2 |phi'''| / 6 &lt; 1e-8, rounding ~eps/h ~ 1e-12, so
   * 1e-7 absolute + relative is a safe bound. Points stay away from kinks.
   */
  @ParameterizedTest
  @MethodSource("activations")
  void derivativesMatchFiniteDifferences(BaseActivation phi) {
    double h = 1e-4;
    for (double x : new double[] {-3.1, -1.7, -0.6, -0.05, 0.07, 0.4, 1.3, 2.9}) {
      double d1 = (phi.value(x + h) - phi.value(x - h)) / (2 * h);
      double d2 = (phi.derivative(x + h) - phi.derivative(x - h)) / (2 * h);
      assertEquals(d1, phi.derivative(x), 1e-7 * (1 + Math.abs(d1)), phi.name() + "' at " + x);
      assertEquals(d2, phi.secondDerivative(x), 1e-7 * (1 + Math.abs(d2)), phi.name() + "'' at " + x);
    }
  }

  @Test
  void definitionsFollowTheReference() {
    assertEquals(Math.log1p(Math.exp(-3.0)) + 3.0, new Activations.Softplus().value(3.0), 1e-15);
    assertEquals(-0.01 * 2.0, new Activations.LeakyRelu().value(-2.0), 0.0);
    assertEquals(Activations.Selu.LAMBDA * Activations.Selu.ALPHA * Math.expm1(-1.0),
        new Activations.Selu().value(-1.0), 1e-15);
    double x = 0.8;
    double gelu = 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    assertEquals(gelu, new Activations.Gelu().value(x), 1e-15);
    assertEquals(x * 0.5 * (1 + SpecialFunctions.erf(x / Math.sqrt(2))),
        new Activations.GeluExact().value(x), 1e-15);
    assertEquals((Math.sqrt(x * x + 1) - 1) / 2 + x, new Activations.Bentid().value(x), 1e-15);
  }

  @Test
  void kinksAreDeclared() {
    for (String n : List.of("relu", "leaky_relu", "elu", "selu", "softsign")) {
      assertTrue(Activations.byName(n).kinks().length == 1, n);
    }
    assertTrue(Activations.byName("leaky_relu").derivativeJumps());
    assertTrue(Activations.byName("selu").derivativeJumps());
    assertTrue(!Activations.byName("elu").derivativeJumps());
    assertTrue(Activations.byName("tanh").isSmooth());
  }
}
