import type { Endpoint } from '../endpoint.js';
import { numberOption, type BalancerOptions } from './balancer-options.js';
import { PowerOfTwoChoicesBalancer } from './power-of-two-choices.js';

/** Cost of an endpoint with no latency sample yet but a request already out (Finagle's rule). */
const UNSAMPLED_BUSY = 1e12;

/**
 * Peak-EWMA (Finagle, Linkerd): power of two choices over `ewmaMs × (inflight + 1)`, where
 * `ewmaMs` is the peak-sensitive latency estimate `requestFinished` keeps. Weights bias which two
 * endpoints are compared (see `PowerOfTwoChoicesBalancer`), not the comparison: latency decides.
 *
 * - An endpoint with no sample yet costs 0 while idle — so a new endpoint is tried at once — and
 *   a huge cost while its first request is out, so it is not flooded before it has answered.
 * - An estimate decays toward 0 while the endpoint gets no samples, so an endpoint that was slow
 *   once is tried again instead of starving forever. The decay is measured against the newest
 *   sample time the balancer has seen (`ewmaAt`), not a clock: pick reads no clock (a clock read
 *   costs ~67 ns on our VM, more than the whole pick).
 *
 * @example
 * const lb = new PeakEwmaBalancer();
 * lb.update(endpoints);
 * const ep = lb.pick()!;
 * requestStarted(ep);
 * // … later
 * requestFinished(ep, latencyMs, clock.now());
 */
export class PeakEwmaBalancer extends PowerOfTwoChoicesBalancer {
  readonly kind = 'peak-ewma';
  readonly #decayMs: number;
  /** Newest `ewmaAt` seen among picked candidates: "now", as far as the samples tell. */
  #latest = 0;

  constructor(options: BalancerOptions = {}) {
    super(options);
    this.#decayMs = numberOption('decayMs', options.decayMs, 10_000, Number.MIN_VALUE);
  }

  // hot path: a few float operations and at most one Math.exp.
  protected cost(endpoint: Endpoint): number {
    let ewma = endpoint.ewmaMs;
    if (ewma === 0) return endpoint.inflight === 0 ? 0 : UNSAMPLED_BUSY + endpoint.inflight;
    const at = endpoint.ewmaAt;
    if (at > this.#latest) this.#latest = at;
    else if (at < this.#latest) ewma *= Math.exp((at - this.#latest) / this.#decayMs);
    return ewma * (endpoint.inflight + 1);
  }
}
