package tailor.optimizers.internal;

import tailor.api.optim.Optimizer;
import tailor.optimizers.Configs;
import tailor.optimizers.Settings;

/** {@code kfac}: Kronecker-factored curvature (K-FAC / KFC) with the TAT paper's settings. */
public final class KfacProvider extends BaseProvider {
  public KfacProvider() {
    super("kfac", "K-FAC: Kronecker-factored Fisher blocks (KFC for convs), factored Tikhonov damping",
        Configs.Kfac.DEFAULTS);
  }

  @Override
  Optimizer create(Settings s) {
    return new Kfac(Configs.Kfac.of(s), s);
  }
}
