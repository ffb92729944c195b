/**
 * The cuda backend: the cpu backend's DJL/PyTorch sessions with every array on an NVIDIA GPU.
 * Needs the CUDA build of libtorch on the class path (the app's cuda profile) and a driver.
 */
module tailor.backend.cuda {
  requires tailor.api;
  requires tailor.backend.cpu;

  uses tailor.api.backend.ComputeBackend;

  provides tailor.api.backend.ComputeBackend with tailor.backend.cuda.internal.CudaBackend;
}
