/** The cpu backend: DJL with the PyTorch engine, libtorch loaded from the native jar, offline. */
module tailor.backend.cpu {
  requires tailor.api;
  requires ai.djl.api;
  requires ai.djl.pytorch_engine;

  // uses: lets the module's own tests find it through ServiceLoader.
  uses tailor.api.backend.ComputeBackend;

  // The same DJL sessions on a GPU, for the cuda backend only.
  exports tailor.backend.cpu.internal to tailor.backend.cuda;

  provides tailor.api.backend.ComputeBackend with tailor.backend.cpu.internal.CpuBackend;
}
