/**
 * Kernel shaping: Gaussian expectations, local Q and C maps, and the DKS, TAT-LReLU and
 * TAT-smooth solvers, as plugins of tailor.api.
 */
module tailor.kernelshaping {
  requires transitive tailor.api;

  exports tailor.kernelshaping;
  exports tailor.kernelshaping.init;

  provides tailor.api.activation.BaseActivation with
      tailor.kernelshaping.Activations.Tanh,
      tailor.kernelshaping.Activations.Softplus,
      tailor.kernelshaping.Activations.LeakyRelu,
      tailor.kernelshaping.Activations.Relu,
      tailor.kernelshaping.Activations.Selu,
      tailor.kernelshaping.Activations.Elu,
      tailor.kernelshaping.Activations.Swish,
      tailor.kernelshaping.Activations.Sigmoid,
      tailor.kernelshaping.Activations.Erf,
      tailor.kernelshaping.Activations.Bentid,
      tailor.kernelshaping.Activations.Atan,
      tailor.kernelshaping.Activations.Asinh,
      tailor.kernelshaping.Activations.Square,
      tailor.kernelshaping.Activations.Softsign,
      tailor.kernelshaping.Activations.Gelu,
      tailor.kernelshaping.Activations.GeluExact;

  provides tailor.api.shaping.ActivationTransform with
      tailor.kernelshaping.internal.DksTransform,
      tailor.kernelshaping.internal.TatLreluTransform,
      tailor.kernelshaping.internal.TatSmoothTransform,
      tailor.kernelshaping.internal.UntransformedTransform;

  provides tailor.api.init.Initializer with
      tailor.kernelshaping.init.Initializers.Suo,
      tailor.kernelshaping.init.Initializers.He,
      tailor.kernelshaping.init.Initializers.Lecun,
      tailor.kernelshaping.init.Initializers.Glorot;
}
