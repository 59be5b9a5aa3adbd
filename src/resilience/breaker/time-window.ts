import type { Clock } from '../clock.js';
import {
  rateTrip,
  savedArray,
  savedCount,
  savedObject,
  savedState,
  windowStats,
  type RateThresholds,
  type StrategyState,
  type TimeBucketState,
  type TripReason,
  type TripStrategy,
  type WindowStats,
} from './trip-strategy.js';

/** Settings for `TimeWindow` (already validated by the breaker's options). */
export interface TimeWindowSettings extends RateThresholds {
  /** Window length in ms. */
  readonly durationMs: number;
  /** How many buckets the window is cut into (its time resolution). */
  readonly buckets: number;
  readonly clock: Clock;
}

/**
 * Resilience4j's TIME_BASED window: the failure (and slow-call) rate over the last `durationMs`,
 * kept in `buckets` buckets of `durationMs / buckets` each, aligned to the clock. A call made at
 * `t` counts until the bucket after its own plus `buckets - 1` begins — so with 10 s in 10
 * buckets, a call at 0 ms counts through 9 999 ms and drops out at exactly 10 000 ms. The clock
 * is read only when a call is recorded or the stats are read; there is no timer.
 *
 * @example
 * const strategy = new TimeWindow({
 *   durationMs: 10_000, buckets: 10, minimumCalls: 20,
 *   failureRateThreshold: 0.5, slowCallRateThreshold: Infinity, clock: systemClock,
 * });
 */
export class TimeWindow implements TripStrategy {
  readonly type = 'time';
  readonly #settings: TimeWindowSettings;
  readonly #width: number;
  readonly #calls: Float64Array;
  readonly #failures: Float64Array;
  readonly #slowCalls: Float64Array;
  /** Index (time / width) of the newest bucket; the ring slot of index i is i mod buckets. */
  #head = -Infinity;
  #totalCalls = 0;
  #totalFailures = 0;
  #totalSlowCalls = 0;
  #consecutive = 0;

  constructor(settings: TimeWindowSettings) {
    this.#settings = settings;
    this.#width = settings.durationMs / settings.buckets;
    this.#calls = new Float64Array(settings.buckets);
    this.#failures = new Float64Array(settings.buckets);
    this.#slowCalls = new Float64Array(settings.buckets);
  }

  success(slow: boolean): TripReason | undefined {
    this.#consecutive = 0;
    return this.#record(0, slow ? 1 : 0);
  }

  failure(slow: boolean): TripReason | undefined {
    this.#consecutive++;
    return this.#record(1, slow ? 1 : 0);
  }

  #record(failures: number, slowCalls: number): TripReason | undefined {
    const slot = this.#advance();
    this.#add(slot, 1, failures, slowCalls);
    return rateTrip(this.#totalCalls, this.#totalFailures, this.#totalSlowCalls, this.#settings);
  }

  /** Moves the window to "now", emptying the buckets that fell out; returns the current slot. */
  #advance(): number {
    const index = Math.floor(this.#settings.clock.now() / this.#width);
    if (index > this.#head) {
      // every slot between the old head and now holds an expired bucket (at most `buckets` slots)
      const from = Math.max(this.#head + 1, index - this.#calls.length + 1);
      for (let i = from; i <= index; i++) this.#clear(this.#slot(i));
      this.#head = index;
    }
    return this.#slot(this.#head); // a clock that stepped back records into the newest bucket
  }

  #slot(index: number): number {
    const n = this.#calls.length;
    return ((index % n) + n) % n;
  }

  #add(slot: number, calls: number, failures: number, slowCalls: number): void {
    this.#calls[slot]! += calls;
    this.#failures[slot]! += failures;
    this.#slowCalls[slot]! += slowCalls;
    this.#totalCalls += calls;
    this.#totalFailures += failures;
    this.#totalSlowCalls += slowCalls;
  }

  #clear(slot: number): void {
    this.#add(slot, -this.#calls[slot]!, -this.#failures[slot]!, -this.#slowCalls[slot]!);
  }

  reset(): void {
    this.#calls.fill(0);
    this.#failures.fill(0);
    this.#slowCalls.fill(0);
    this.#head = -Infinity;
    this.#totalCalls = this.#totalFailures = this.#totalSlowCalls = this.#consecutive = 0;
  }

  consecutiveFailures(): number {
    return this.#consecutive;
  }

  window(): WindowStats {
    this.#advance();
    return windowStats(this.#totalCalls, this.#totalFailures, this.#totalSlowCalls);
  }

  save(): StrategyState {
    this.#advance();
    const buckets: TimeBucketState[] = [];
    for (let age = 0; age < this.#calls.length; age++) {
      const s = this.#slot(this.#head - age);
      const calls = this.#calls[s]!;
      if (calls > 0) {
        buckets.push({ age, calls, failures: this.#failures[s]!, slowCalls: this.#slowCalls[s]! });
      }
    }
    return { type: 'time', consecutiveFailures: this.#consecutive, buckets };
  }

  load(state: unknown, option: string): void {
    const saved = savedState(state, option, 'time');
    if (!saved) return this.reset();
    const consecutive = savedCount(`${option}.consecutiveFailures`, saved.consecutiveFailures);
    const buckets = savedArray(`${option}.buckets`, saved.buckets).map((b, i) =>
      savedBucket(`${option}.buckets[${i}]`, b),
    );
    this.reset();
    this.#advance();
    for (const b of buckets) {
      // restore is bucket-granular: a bucket keeps its age, not its offset inside the bucket
      if (b.age < this.#calls.length) {
        this.#add(this.#slot(this.#head - b.age), b.calls, b.failures, b.slowCalls);
      }
    }
    this.#consecutive = consecutive;
  }
}

function savedBucket(option: string, value: unknown): TimeBucketState {
  const b = savedObject(option, value);
  const calls = savedCount(`${option}.calls`, b.calls);
  return {
    age: savedCount(`${option}.age`, b.age),
    calls,
    failures: savedCount(`${option}.failures`, b.failures, calls),
    slowCalls: savedCount(`${option}.slowCalls`, b.slowCalls, calls),
  };
}
