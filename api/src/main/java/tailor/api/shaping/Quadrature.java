package tailor.api.shaping;

/**
 * How Gaussian expectations of activations with kinks are integrated.
 *
 * <p>Both rules agree to ~1e-15 for smooth activations and for kinks at the origin of an
 * unshifted activation. They differ when a kink is moved by an input shift (ELU, SELU, softsign,
 * and leaky ReLU or ReLU under DKS): the reference package integrates with one 100,000-node
 * Gauss-Legendre rule on [-10, 10] that is not split at the kink, so it misplaces the kink by up
 * to half a node spacing (~1.6e-4), which changes an expectation whose integrand jumps there by up
 * to ~2e-5 relative.
 */
public enum Quadrature {
  /** Panels split at every kink: exact to ~1e-15. */
  EXACT,
  /**
   * Reproduces the reference's rule: exact integration with each kink moved to where the
   * reference's 100,000-node rule effectively puts it (the midpoint of the two nodes around it),
   * which matches the reference's sums to ~1e-9 relative. The default, so that parameters equal
   * the official package's.
   */
  DKS
}
