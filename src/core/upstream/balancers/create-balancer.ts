import type { Balancer, BalancerKind } from '../balancer.js';
import { invalidOption, type BalancerOptions } from './balancer-options.js';
import { ConsistentHashBalancer } from './consistent-hash.js';
import { LeastRequestBalancer } from './least-request.js';
import { PeakEwmaBalancer } from './peak-ewma.js';
import { RandomBalancer } from './random.js';
import { RoundRobinBalancer } from './round-robin.js';
import { WeightedBalancer } from './weighted.js';

const FACTORIES: Record<BalancerKind, (options: BalancerOptions) => Balancer> = {
  'round-robin': (o) => new RoundRobinBalancer(o),
  weighted: (o) => new WeightedBalancer(o),
  random: (o) => new RandomBalancer(o),
  'least-request': (o) => new LeastRequestBalancer(o),
  'consistent-hash': (o) => new ConsistentHashBalancer(o),
  'peak-ewma': (o) => new PeakEwmaBalancer(o),
};

/** Every balancer kind, in documentation order. */
export const BALANCER_KINDS = Object.keys(FACTORIES) as readonly BalancerKind[];

/**
 * Builds a balancer by kind (the gateway config's `balancer:` value and the client SDK's option).
 * Throws `SY_UPSTREAM_INVALID_OPTION` for an unknown kind or a bad option.
 *
 * @example
 * const lb = createBalancer('peak-ewma');
 * lb.update(pool.available());
 * const ep = lb.pick(undefined, previousTry);
 */
export function createBalancer(kind: BalancerKind, options: BalancerOptions = {}): Balancer {
  const factory = Object.hasOwn(FACTORIES, kind) ? FACTORIES[kind] : undefined;
  if (factory === undefined) {
    throw invalidOption(
      'kind',
      `expected one of ${BALANCER_KINDS.join(', ')}, got ${String(kind)}`,
    );
  }
  return factory(options);
}
