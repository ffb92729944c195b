/**
 * Optimizer plugins (sgd, adam, lars, kfac) built from optax-style transform stages, and
 * learning-rate schedules.
 */
module tailor.optimizers {
  requires transitive tailor.api;

  exports tailor.optimizers;

  provides tailor.api.optim.OptimizerProvider with
      tailor.optimizers.internal.SgdProvider,
      tailor.optimizers.internal.AdamProvider,
      tailor.optimizers.internal.LarsProvider,
      tailor.optimizers.internal.KfacProvider;
}
