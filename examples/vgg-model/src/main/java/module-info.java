/**
 * An example third-party Tailor plugin: a family of VGG-style vanilla convolutional networks,
 * built against tailor-api only. It gives its layer graph; tailor derives M_{f,r}, shapes the
 * activation, summarizes and trains it.
 */
module dev.tailor.examples.vgg {
  requires tailor.api;

  provides tailor.api.model.ModelFamily with dev.tailor.examples.vgg.VggFamily;
}
