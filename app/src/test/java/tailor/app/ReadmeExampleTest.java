package tailor.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import tailor.api.activation.BaseActivation;
import tailor.api.activation.ShapedActivation;
import tailor.api.shaping.ShapingTargets;
import tailor.kernelshaping.Activations;
import tailor.kernelshaping.LocalMaps;
import tailor.kernelshaping.NetworkMaps;
import tailor.kernelshaping.Shaper;
import tailor.models.LayerGraph;
import tailor.models.ResNets;

/** The README's library example, verbatim, so it keeps compiling and stays true. */
class ReadmeExampleTest {
  @Test
  void libraryExampleWorks() {
    LayerGraph net = ResNets.build(50, 0.0, true, 1.0, 1000);   // vanilla ResNet-50 v2, 1000 classes
    BaseActivation lrelu = Activations.byName("leaky_relu");
    ShapedActivation phi = Shaper.transform(Shaper.transformFor("tat", lrelu))
        .shape(lrelu, ShapingTargets.defaults(), net.subnetMaxFunction());
    double y = phi.value(0.3);                                  // phi_hat(0.3)
    LocalMaps local = LocalMaps.of(phi);                        // Q(1), Q'(1), C(0), C'(1), C''(1)
    NetworkMaps network = NetworkMaps.of(phi, net);             // max over subnetworks

    assertEquals(0.3 * 1.301119175166785, y, 1e-15);
    assertEquals(1.0, local.q1(), 1e-14);
    assertEquals(0.9, network.c0(), 1e-8);
  }
}
