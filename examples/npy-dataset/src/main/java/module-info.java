/**
 * An example third-party Tailor plugin: a dataset read from NumPy .npy arrays, built against
 * tailor-api only.
 */
module dev.tailor.examples.npy {
  requires tailor.api;

  provides tailor.api.data.DatasetProvider with dev.tailor.examples.npy.NpyDataset;
}
