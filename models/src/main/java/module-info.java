/**
 * Architecture descriptions (MLP, modified ResNets) as layer graphs, and the subnetwork
 * maximizing function derived from them.
 */
module tailor.models {
  requires transitive tailor.api;

  exports tailor.models;

  provides tailor.api.model.ModelFamily with
      tailor.models.internal.MlpFamily,
      tailor.models.internal.ResNetFamily,
      tailor.models.internal.CifarResNetFamily;
}
