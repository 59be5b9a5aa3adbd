import type { Endpoint } from '../endpoint.js';
import { PowerOfTwoChoicesBalancer } from './power-of-two-choices.js';

/**
 * Least request, Envoy-style: power of two choices over in-flight requests. With unequal weights
 * the candidates are drawn in proportion to weight and compared by `inflight / weight`, so an
 * idle pool splits traffic by weight and a busy one keeps each endpoint's queue proportional to
 * its weight (Envoy's `weight / (active + 1)` with bias 1, in spirit).
 *
 * The pool keeps `inflight` current with `requestStarted` / `requestFinished`.
 *
 * @example
 * const lb = new LeastRequestBalancer();
 * lb.update(endpoints);
 * const ep = lb.pick()!;
 * requestStarted(ep);
 */
export class LeastRequestBalancer extends PowerOfTwoChoicesBalancer {
  readonly kind = 'least-request';

  protected cost(endpoint: Endpoint, index: number): number {
    return this.list.uniformWeights
      ? endpoint.inflight
      : endpoint.inflight / this.list.weights[index]!;
  }
}
