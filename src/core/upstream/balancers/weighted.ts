import type { Balancer } from '../balancer.js';
import type { Endpoint } from '../endpoint.js';
import type { BalancerOptions } from './balancer-options.js';
import { EndpointList } from './endpoint-list.js';

/**
 * Smooth weighted round-robin, NGINX's algorithm: every pick adds each endpoint's weight to its
 * `current`, takes the largest, and subtracts the total from it. Weights 5,1,1 give
 * a a b a c a a: exact shares over every cycle, spread out rather than in bursts.
 *
 * `current` values are kept by id across `update()` (re-centred to sum 0), so a membership
 * change does not restart the cycle for the endpoints that stay. `avoid` is left out of the
 * round entirely, like NGINX's "tried" bitmap.
 *
 * @example
 * const lb = new WeightedBalancer();
 * lb.update([a, b]); // a.weight 3, b.weight 1
 * lb.pick(); // a, a, b, a, …
 */
export class WeightedBalancer implements Balancer {
  readonly kind = 'weighted';
  readonly #list = new EndpointList();
  #current = new Float64Array(0);

  constructor(_options: BalancerOptions = {}) {}

  update(endpoints: readonly Endpoint[]): void {
    const old = this.#list.items;
    const oldCurrent = this.#current;
    const kept = new Map<string, number>();
    for (let i = 0; i < old.length; i++) kept.set(old[i]!.id, oldCurrent[i]!);
    this.#list.set(endpoints);
    const items = this.#list.items;
    const current = new Float64Array(items.length);
    let sum = 0;
    for (let i = 0; i < items.length; i++) {
      current[i] = kept.get(items[i]!.id) ?? 0;
      sum += current[i]!;
    }
    const shift = items.length > 0 ? sum / items.length : 0;
    for (let i = 0; i < items.length; i++) current[i]! -= shift;
    this.#current = current;
  }

  // hot path: one pass over a typed array, O(n); no allocation.
  pick(_hashKey?: string, avoid?: Endpoint): Endpoint | undefined {
    const list = this.#list;
    const items = list.items;
    const n = items.length;
    if (n < 2) return items[0];
    const skip = list.indexOf(avoid);
    const weights = list.weights;
    const current = this.#current;
    let best = -1;
    let bestCurrent = -Infinity;
    let total = 0;
    for (let i = 0; i < n; i++) {
      if (i === skip) continue;
      const w = weights[i]!;
      const c = current[i]! + w;
      current[i] = c;
      total += w;
      if (c > bestCurrent) {
        bestCurrent = c;
        best = i;
      }
    }
    current[best]! -= total;
    return items[best];
  }
}
