import type { Balancer } from '../balancer.js';
import type { Endpoint } from '../endpoint.js';
import type { BalancerOptions } from './balancer-options.js';
import { EndpointList } from './endpoint-list.js';
import { RandomSource } from './random-source.js';

/**
 * Plain round-robin: each endpoint in turn, weights ignored (use `weighted` for those). The first
 * index is random, as in Envoy, so a fleet of gateways started together does not send its first
 * requests to the same endpoint. The cursor survives `update()`.
 *
 * @example
 * const lb = new RoundRobinBalancer();
 * lb.update(endpoints);
 * lb.pick(); // endpoints[k], endpoints[k+1], …
 */
export class RoundRobinBalancer implements Balancer {
  readonly kind = 'round-robin';
  readonly #list = new EndpointList();
  readonly #random: RandomSource;
  #next = -1;

  constructor(options: BalancerOptions = {}) {
    this.#random = new RandomSource(options.random, options.seed);
  }

  update(endpoints: readonly Endpoint[]): void {
    this.#list.set(endpoints);
    const n = this.#list.items.length;
    if (this.#next < 0 && n > 0) this.#next = this.#random.index(n);
  }

  // hot path: one modulo and at most one id comparison; no allocation.
  pick(_hashKey?: string, avoid?: Endpoint): Endpoint | undefined {
    const items = this.#list.items;
    const n = items.length;
    if (n === 0) return undefined;
    let i = this.#next % n;
    if (n > 1 && avoid !== undefined && items[i]!.id === avoid.id) i = i + 1 === n ? 0 : i + 1;
    this.#next = i + 1;
    return items[i];
  }
}
