package tailor.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import tailor.api.backend.BackendOptions;
import tailor.api.backend.BackendSession;
import tailor.api.backend.DType;
import tailor.api.backend.Tensor;
import tailor.api.activation.ShapedActivation;
import tailor.backend.cpu.internal.CpuBackend;
import tailor.kernelshaping.Activations;

/**
 * float32 gradients through an ImageNet-style stem (7x7/2 conv, 3x3/2 max-pool) and narrow 3x3
 * convs, with 1 and 2 intra-op threads and repeated 10 times, equal the float64 gradients (which
 * libtorch computes without oneDNN) to float32 accuracy. On this project's AMD EPYC (Zen 5)
 * machines libtorch 2.7.1's oneDNN 3.7.1 AVX-512 kernels failed this (wrong values, NaN), mostly
 * with 2 threads, and needed DNNL_MAX_CPU_ISA=AVX2; libtorch 2.0.1, which the backend now uses,
 * passes it uncapped. This test guards the engine choice.
 */
class ConvolutionConsistencyTest {
  static double[][] grads(DType dtype, int threads, int reps) {
    CpuBackend cpu = new CpuBackend();
    try (BackendSession s = cpu.open(new BackendOptions(threads, dtype, 1))) {
      SplittableRandom r = new SplittableRandom(3);
      Tensor x = s.tensor(gaussian(r, 4 * 3 * 64 * 64, 1), 4, 3, 64, 64);
      Tensor w = s.parameter(gaussian(r, 8 * 3 * 7 * 7, 0.1), 8, 3, 7, 7);
      Tensor b = s.parameter(new double[8], 8);
      Tensor w2 = s.parameter(gaussian(r, 8 * 8 * 9, 0.2), 8, 8, 3, 3);
      Tensor w3 = s.parameter(gaussian(r, 8 * 8 * 9, 0.2), 8, 8, 3, 3);
      ShapedActivation tanh = ShapedActivation.identity(Activations.byName("tanh"));
      double[][] out = new double[reps][];
      for (int k = 0; k < reps; k++) {
        s.backward(() -> {
          Tensor h = s.maxPool(s.conv2d(x, w, b, 2, null), 3, 2);
          h = s.conv2d(s.activation(h, tanh), w2, null, 1, null);
          h = s.conv2d(s.activation(h, tanh), w3, null, 1, null);
          return s.meanSquare(s.activation(h, tanh));
        });
        out[k] = s.gradientArray(w);
      }
      return out;
    }
  }

  static double[] gaussian(SplittableRandom r, int n, double scale) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = r.nextGaussian() * scale;
    }
    return v;
  }

  @Test
  void float32GradientsMatchFloat64WithOneAndTwoThreads() {
    double[] exact = grads(DType.FLOAT64, 1, 1)[0];
    double scale = 0;
    for (double v : exact) {
      scale = Math.max(scale, Math.abs(v));
    }
    for (int threads : new int[] {1, 2}) {
      for (double[] g : grads(DType.FLOAT32, threads, 10)) {
        for (int i = 0; i < g.length; i++) {
          // float32 sums over 4 * 32 * 32 positions: 1e-4 of the largest entry is ~100 ulp.
          assertTrue(Math.abs(g[i] - exact[i]) <= 1e-4 * scale, threads + " threads, entry " + i
              + ": " + g[i] + " vs float64 " + exact[i] + " (is DNNL_MAX_CPU_ISA=AVX2 set?)");
        }
      }
    }
  }
}
