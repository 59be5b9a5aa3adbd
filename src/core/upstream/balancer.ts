import type { Endpoint } from './endpoint.js';

/** The balancer kinds the gateway config and the client SDK accept. */
export type BalancerKind =
  'round-robin' | 'weighted' | 'random' | 'least-request' | 'consistent-hash' | 'peak-ewma';

/**
 * Picks one endpoint per request from the current set of *available* endpoints (the pool has
 * already removed ejected and unhealthy ones and calls `update` when that set changes).
 *
 * hot path: `pick` runs once per request (and per retry); it must not allocate.
 */
export interface Balancer {
  readonly kind: BalancerKind;
  /** Replaces the endpoint set. State keyed by `Endpoint.id` (e.g. ring positions) survives. */
  update(endpoints: readonly Endpoint[]): void;
  /**
   * Picks an endpoint, or `undefined` when the set is empty. `hashKey` is used by consistent
   * hashing (others ignore it). `avoid` (e.g. the endpoint a failed try went to) is skipped
   * when another endpoint exists.
   */
  pick(hashKey?: string, avoid?: Endpoint): Endpoint | undefined;
}

/** Call when a request to `endpoint` starts. */
export function requestStarted(endpoint: Endpoint): void {
  endpoint.inflight++;
}

/**
 * Call when a request to `endpoint` ends (success or failure), with its latency. Updates the
 * in-flight count and the peak-EWMA estimate (Finagle's: a new sample above the estimate replaces
 * it at once; below it, it decays with time constant `decayMs`).
 */
export function requestFinished(
  endpoint: Endpoint,
  latencyMs: number,
  nowMs: number,
  decayMs = 10_000,
): void {
  if (endpoint.inflight > 0) endpoint.inflight--;
  if (endpoint.ewmaMs === 0 || latencyMs > endpoint.ewmaMs) {
    endpoint.ewmaMs = latencyMs;
  } else {
    const w = Math.exp(-(nowMs - endpoint.ewmaAt) / decayMs);
    endpoint.ewmaMs = endpoint.ewmaMs * w + latencyMs * (1 - w);
  }
  endpoint.ewmaAt = nowMs;
}
