import type { Balancer, BalancerKind } from '../balancer.js';
import type { Endpoint } from '../endpoint.js';
import type { BalancerOptions } from './balancer-options.js';
import { EndpointList } from './endpoint-list.js';
import { RandomSource } from './random-source.js';

/**
 * "Power of two choices" (Mitzenmacher): draw two distinct endpoints at random and keep the one
 * with the lower `cost`. Nearly as good as scanning every endpoint, O(1), and — unlike always
 * taking the global minimum — it does not herd every gateway onto the same endpoint.
 * Subclasses define the cost; ties go to the first draw, which is itself random.
 *
 * With unequal weights both candidates are drawn in proportion to weight, so when costs tie (an
 * idle pool) traffic follows the weights. Folding the weight into the cost alone would not do:
 * with two endpoints both are always compared and the heavier would win every idle pick.
 *
 * @example
 * class Fewest extends PowerOfTwoChoicesBalancer {
 *   readonly kind = 'least-request';
 *   protected cost(ep: Endpoint) { return ep.inflight; }
 * }
 */
export abstract class PowerOfTwoChoicesBalancer implements Balancer {
  abstract readonly kind: BalancerKind;
  protected readonly list = new EndpointList();
  readonly #random: RandomSource;

  constructor(options: BalancerOptions = {}) {
    this.#random = new RandomSource(options.random, options.seed);
  }

  update(endpoints: readonly Endpoint[]): void {
    this.list.set(endpoints);
  }

  /** Lower is better. `index` is the endpoint's position in `list` (for its weight). */
  protected abstract cost(endpoint: Endpoint, index: number): number;

  // hot path: two random draws and two cost reads; no allocation.
  pick(_hashKey?: string, avoid?: Endpoint): Endpoint | undefined {
    const items = this.list.items;
    const n = items.length;
    if (n < 2) return items[0];
    const skip = this.list.indexOf(avoid);
    const m = skip < 0 ? n : n - 1;
    if (m === 1) return items[skip === 0 ? 1 : 0];
    let a: number;
    let b: number;
    if (this.list.uniformWeights) {
      a = this.#random.index(m);
      b = this.#random.index(m - 1);
      if (b >= a) b++;
      if (skip >= 0) {
        if (a >= skip) a++;
        if (b >= skip) b++;
      }
    } else {
      a = this.list.draw(this.#random, skip, -1);
      b = this.list.draw(this.#random, skip, a);
    }
    const ea = items[a]!;
    const eb = items[b]!;
    return this.cost(eb, b) < this.cost(ea, a) ? eb : ea;
  }
}
