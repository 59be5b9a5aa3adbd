import {
  FAILED,
  SLOW,
  rateTrip,
  savedArray,
  savedCount,
  savedState,
  windowStats,
  type RateThresholds,
  type StrategyState,
  type TripReason,
  type TripStrategy,
  type WindowStats,
} from './trip-strategy.js';

/** Settings for `CountWindow` (already validated by the breaker's options). */
export interface CountWindowSettings extends RateThresholds {
  /** How many of the most recent calls the window holds. */
  readonly size: number;
}

/**
 * Resilience4j's COUNT_BASED window: the failure (and slow-call) rate over the last `size` calls,
 * judged once at least `minimumCalls` are in it. Outcomes live in a ring of bytes, so recording a
 * call allocates nothing.
 *
 * @example
 * const strategy = new CountWindow({
 *   size: 20, minimumCalls: 10, failureRateThreshold: 0.5, slowCallRateThreshold: Infinity,
 * });
 */
export class CountWindow implements TripStrategy {
  readonly type = 'count';
  readonly #settings: CountWindowSettings;
  readonly #outcomes: Uint8Array;
  #next = 0;
  #calls = 0;
  #failures = 0;
  #slowCalls = 0;
  #consecutive = 0;

  constructor(settings: CountWindowSettings) {
    this.#settings = settings;
    this.#outcomes = new Uint8Array(settings.size);
  }

  success(slow: boolean): TripReason | undefined {
    this.#consecutive = 0;
    return this.#record(slow ? SLOW : 0);
  }

  failure(slow: boolean): TripReason | undefined {
    this.#consecutive++;
    return this.#record(slow ? FAILED | SLOW : FAILED);
  }

  // hot path: evict the oldest outcome (once full), store the new one, keep the sums current
  #record(bits: number): TripReason | undefined {
    const outcomes = this.#outcomes;
    if (this.#calls === outcomes.length) {
      const old = outcomes[this.#next]!;
      this.#failures -= old & FAILED;
      this.#slowCalls -= old >> 1;
    } else {
      this.#calls++;
    }
    outcomes[this.#next] = bits;
    this.#failures += bits & FAILED;
    this.#slowCalls += bits >> 1;
    this.#next = this.#next + 1 === outcomes.length ? 0 : this.#next + 1;
    return rateTrip(this.#calls, this.#failures, this.#slowCalls, this.#settings);
  }

  reset(): void {
    this.#outcomes.fill(0);
    this.#next = this.#calls = this.#failures = this.#slowCalls = this.#consecutive = 0;
  }

  consecutiveFailures(): number {
    return this.#consecutive;
  }

  window(): WindowStats {
    return windowStats(this.#calls, this.#failures, this.#slowCalls);
  }

  save(): StrategyState {
    const size = this.#outcomes.length;
    const start = this.#calls === size ? this.#next : 0; // the ring fills from 0 after a reset
    const outcomes: number[] = [];
    for (let i = 0; i < this.#calls; i++) outcomes.push(this.#outcomes[(start + i) % size]!);
    return { type: 'count', consecutiveFailures: this.#consecutive, outcomes };
  }

  load(state: unknown, option: string): void {
    const saved = savedState(state, option, 'count');
    if (!saved) return this.reset();
    const consecutive = savedCount(`${option}.consecutiveFailures`, saved.consecutiveFailures);
    const list = savedArray(`${option}.outcomes`, saved.outcomes);
    const outcomes = list.map((bits, i) => savedCount(`${option}.outcomes[${i}]`, bits, 3));
    this.reset();
    // a smaller window keeps the newest outcomes
    for (const bits of outcomes.slice(-this.#outcomes.length)) this.#record(bits);
    this.#consecutive = consecutive;
  }
}
