package tailor.api.model;

import java.util.List;
import tailor.api.Plugin;

/** A family of architectures chosen by name ({@code mlp}, {@code resnet}). */
public interface ModelFamily extends Plugin {

  /** The depths this family accepts, or empty if any positive depth is accepted. */
  List<Integer> depths();

  /**
   * The architecture for {@code spec}.
   *
   * @throws tailor.api.TailorException (user) for an unknown depth, a shortcut weight outside
   *     [0, 1] or an unknown block style
   */
  Architecture describe(ModelSpec spec);
}
