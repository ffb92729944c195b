/**
 * Dataset plugins (the embedded UCI digits set, CIFAR-10 binary and image folders, MNIST-family
 * IDX files, ImageNet-style JPEG folders, any labelled image folders), augmentation, and the
 * background batch loader.
 */
module tailor.datasets {
  requires transitive tailor.api;
  requires java.desktop;

  exports tailor.datasets;

  opens tailor.datasets.internal; // the embedded digits resource

  provides tailor.api.data.DatasetProvider with
      tailor.datasets.internal.DigitsProvider,
      tailor.datasets.internal.Cifar10Provider,
      tailor.datasets.internal.MnistProvider,
      tailor.datasets.internal.FashionMnistProvider,
      tailor.datasets.internal.ImageNetProvider,
      tailor.datasets.internal.ImageFolderProvider;
}
