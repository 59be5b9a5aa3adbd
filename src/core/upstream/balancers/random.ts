import type { Balancer } from '../balancer.js';
import type { Endpoint } from '../endpoint.js';
import type { BalancerOptions } from './balancer-options.js';
import { EndpointList } from './endpoint-list.js';
import { RandomSource } from './random-source.js';

/**
 * Random choice. Uniform when all weights are equal (one random draw, O(1)); otherwise
 * proportional to weight, by binary search over cumulative weights (O(log n)). `avoid` is
 * excluded from the draw itself, so the other endpoints keep their relative odds.
 *
 * @example
 * const lb = new RandomBalancer({ seed: 1 });
 * lb.update(endpoints);
 * lb.pick();
 */
export class RandomBalancer implements Balancer {
  readonly kind = 'random';
  readonly #list = new EndpointList();
  readonly #random: RandomSource;

  constructor(options: BalancerOptions = {}) {
    this.#random = new RandomSource(options.random, options.seed);
  }

  update(endpoints: readonly Endpoint[]): void {
    this.#list.set(endpoints);
  }

  // hot path: one random draw, O(1) or O(log n); no allocation.
  pick(_hashKey?: string, avoid?: Endpoint): Endpoint | undefined {
    const list = this.#list;
    const items = list.items;
    const n = items.length;
    if (n < 2) return items[0];
    const skip = list.indexOf(avoid);
    if (!list.uniformWeights) return items[list.draw(this.#random, skip, -1)];
    if (skip < 0) return items[this.#random.index(n)];
    const i = this.#random.index(n - 1);
    return items[i >= skip ? i + 1 : i];
  }
}
