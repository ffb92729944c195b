/**
 * An example third-party Tailor plugin: the Mish activation, built against tailor-api only.
 * TAT-smooth shapes it like any built-in smooth activation, and every backend computes it.
 */
module dev.tailor.examples.mish {
  requires tailor.api;

  provides tailor.api.activation.BaseActivation with dev.tailor.examples.mish.Mish;
}
