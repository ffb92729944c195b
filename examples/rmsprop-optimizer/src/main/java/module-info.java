/** An example third-party Tailor plugin: the RMSprop optimizer, built against tailor-api only. */
module dev.tailor.examples.rmsprop {
  requires tailor.api;

  provides tailor.api.optim.OptimizerProvider with dev.tailor.examples.rmsprop.RmspropProvider;
}
