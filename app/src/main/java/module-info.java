/** The tailor command-line app: plugin discovery, Guice wiring, the commands. */
module tailor.app {
  requires tailor.api;
  requires tailor.kernelshaping;
  requires tailor.models;
  requires tailor.optimizers;
  requires tailor.datasets;
  requires com.google.guice;
  requires jakarta.inject;
  requires com.google.gson;
  requires java.desktop;
  requires jdk.unsupported; // sun.misc.Signal: SIGINT/SIGTERM stop a run with a checkpoint

  opens tailor.app.internal to com.google.guice;

  uses tailor.api.activation.BaseActivation;
  uses tailor.api.shaping.ActivationTransform;
  uses tailor.api.model.ModelFamily;
  uses tailor.api.init.Initializer;
  uses tailor.api.backend.ComputeBackend;
  uses tailor.api.data.DatasetProvider;
  uses tailor.api.optim.OptimizerProvider;
}
