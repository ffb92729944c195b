/**
 * The Tailor SPIs and value types. Depends on {@code java.base} only: plugins implement these
 * interfaces, the app discovers them with {@link java.util.ServiceLoader}.
 */
module tailor.api {
  exports tailor.api;
  exports tailor.api.activation;
  exports tailor.api.shaping;
  exports tailor.api.model;
  exports tailor.api.init;
  exports tailor.api.backend;
  exports tailor.api.data;
  exports tailor.api.optim;

  uses tailor.api.activation.BaseActivation;
  uses tailor.api.shaping.ActivationTransform;
  uses tailor.api.model.ModelFamily;
  uses tailor.api.init.Initializer;
  uses tailor.api.backend.ComputeBackend;
  uses tailor.api.data.DatasetProvider;
  uses tailor.api.optim.OptimizerProvider;
}
