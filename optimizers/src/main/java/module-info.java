/** Optimizer plugins (SGD with momentum and Nesterov) and learning-rate schedules. */
module tailor.optimizers {
  requires transitive tailor.api;

  exports tailor.optimizers;

  provides tailor.api.optim.OptimizerProvider with
      tailor.optimizers.internal.SgdProvider;
}
