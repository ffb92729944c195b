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

  /**
   * The input stems this family accepts, its default first (e.g. imagenet, cifar); empty where
   * the family has no stem setting.
   *
   * @since SPI 1.1
   */
  default List<String> stems() {
    return List.of();
  }
}
