import type { Clock } from '../../../resilience/clock.js';

/**
 * A token bucket for a watch loop (Consul's advice for blocking queries: rate-limit the loop
 * with a small burst, so a server that answers at once without blocking — or a flapping
 * service — cannot spin the client, while the happy path is never delayed).
 *
 * @example
 * const pacer = new QueryPacer(systemClock, 2, 200);
 * const waitMs = pacer.take(); // 0 while tokens remain
 */
export class QueryPacer {
  readonly #clock: Clock;
  readonly #burst: number;
  readonly #intervalMs: number;
  #tokens: number;
  #last: number;

  constructor(clock: Clock, burst: number, intervalMs: number) {
    this.#clock = clock;
    this.#burst = burst;
    this.#intervalMs = intervalMs;
    this.#tokens = burst;
    this.#last = clock.now();
  }

  /** Takes a token; returns how long to wait before using it (0 when one was available). */
  take(): number {
    const now = this.#clock.now();
    const refill = this.#intervalMs > 0 ? (now - this.#last) / this.#intervalMs : Infinity;
    this.#tokens = Math.min(this.#burst, this.#tokens + refill);
    this.#last = now;
    this.#tokens -= 1; // may go below 0: the caller waits until it is paid back
    return this.#tokens >= 0 ? 0 : -this.#tokens * this.#intervalMs;
  }
}
