import {
  savedCount,
  savedState,
  type StrategyState,
  type TripReason,
  type TripStrategy,
  type WindowStats,
} from './trip-strategy.js';

/**
 * The default trip strategy (the seed's): the `threshold`-th failure in a row trips; a success
 * resets the run. With `slowCall` set, a slow success also extends the run, so "N calls in a
 * row that failed or were slow" trips — there is no window to take a rate over.
 *
 * @example
 * const strategy = new ConsecutiveFailures(5); // what circuitBreaker({ failureThreshold: 5 }) uses
 */
export class ConsecutiveFailures implements TripStrategy {
  readonly type = 'consecutive';
  #count = 0;

  constructor(readonly threshold: number) {}

  // hot path: a fast success is one branch and one store
  success(slow: boolean): TripReason | undefined {
    if (slow) return this.failure(true);
    this.#count = 0;
    return undefined;
  }

  failure(_slow: boolean): TripReason | undefined {
    return ++this.#count >= this.threshold ? 'consecutive-failures' : undefined;
  }

  reset(): void {
    this.#count = 0;
  }

  consecutiveFailures(): number {
    return this.#count;
  }

  window(): WindowStats | null {
    return null;
  }

  save(): StrategyState {
    return { type: 'consecutive', consecutiveFailures: this.#count };
  }

  load(state: unknown, option: string): void {
    const saved = savedState(state, option, 'consecutive');
    this.#count = saved
      ? savedCount(`${option}.consecutiveFailures`, saved.consecutiveFailures)
      : 0;
  }
}
