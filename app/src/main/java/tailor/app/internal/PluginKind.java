package tailor.app.internal;

import java.util.List;
import tailor.api.Plugin;
import tailor.api.activation.BaseActivation;
import tailor.api.backend.ComputeBackend;
import tailor.api.data.DatasetProvider;
import tailor.api.optim.OptimizerProvider;
import tailor.api.init.Initializer;
import tailor.api.model.ModelFamily;
import tailor.api.shaping.ActivationTransform;

/** A kind of plugin: its SPI type and the word users see. */
record PluginKind<T extends Plugin>(String label, Class<T> type) {
  static final PluginKind<BaseActivation> ACTIVATION = new PluginKind<>("activation", BaseActivation.class);
  static final PluginKind<ActivationTransform> TRANSFORM =
      new PluginKind<>("transform", ActivationTransform.class);
  static final PluginKind<ModelFamily> MODEL = new PluginKind<>("model", ModelFamily.class);
  static final PluginKind<Initializer> INITIALIZER = new PluginKind<>("initializer", Initializer.class);
  static final PluginKind<ComputeBackend> BACKEND = new PluginKind<>("backend", ComputeBackend.class);
  static final PluginKind<DatasetProvider> DATASET = new PluginKind<>("dataset", DatasetProvider.class);
  static final PluginKind<OptimizerProvider> OPTIMIZER =
      new PluginKind<>("optimizer", OptimizerProvider.class);

  /** Every kind the app wires. */
  static List<PluginKind<? extends Plugin>> all() {
    return List.of(ACTIVATION, TRANSFORM, MODEL, INITIALIZER, BACKEND, DATASET, OPTIMIZER);
  }
}
