/**
 * Trip strategies decide when a CLOSED breaker opens. The breaker owns the state machine (OPEN,
 * HALF_OPEN, probes, cooldowns); a strategy only counts the outcomes of CLOSED-state calls, so a
 * new algorithm is one small class behind this interface (cockatiel's `IBreaker` shape).
 */

import { InvalidOptionError } from '../errors.js';
import { describe } from '../options.js';

/** Why a strategy tripped the breaker (the `reason` of the CLOSED → OPEN `onStateChange`). */
export type TripReason = 'consecutive-failures' | 'failure-rate' | 'slow-call-rate';

/** A window's counts for `snapshot()`. Rates are 0..1, and 0 while the window is empty. */
export interface WindowStats {
  readonly calls: number;
  readonly failures: number;
  readonly slowCalls: number;
  readonly failureRate: number;
  readonly slowCallRate: number;
}

/**
 * A strategy's counts as plain JSON. Times are relative (bucket ages, not timestamps), so a
 * snapshot taken in one process restores in another.
 */
export type StrategyState =
  | { readonly type: 'consecutive'; readonly consecutiveFailures: number }
  | {
      readonly type: 'count';
      readonly consecutiveFailures: number;
      /** Oldest first: bit 1 = failed, bit 2 = slow. */
      readonly outcomes: readonly number[];
    }
  | {
      readonly type: 'time';
      readonly consecutiveFailures: number;
      readonly buckets: readonly TimeBucketState[];
    };

/** One non-empty time bucket; `age` 0 is the bucket "now" falls in, 1 the one before, … */
export interface TimeBucketState {
  readonly age: number;
  readonly calls: number;
  readonly failures: number;
  readonly slowCalls: number;
}

/**
 * Counts CLOSED-state outcomes and says when to trip. `success`/`failure` return the reason to
 * trip, or `undefined` to stay closed; `slow` is true when the call outlasted `slowCall.duration`.
 */
export interface TripStrategy {
  readonly type: StrategyState['type'];
  success(slow: boolean): TripReason | undefined;
  failure(slow: boolean): TripReason | undefined;
  /** Forgets everything (the breaker closed, or `reset()`). */
  reset(): void;
  consecutiveFailures(): number;
  /** The sliding window's counts, or `null` for strategies without one. */
  window(): WindowStats | null;
  save(): StrategyState;
  /**
   * Loads `save()` output. Validates before it changes anything (throws `InvalidOptionError`
   * naming `option`); state saved by another kind of strategy is dropped (counts start empty).
   */
  load(state: unknown, option: string): void;
}

/** Outcome bits stored by the window strategies. */
export const FAILED = 1;
export const SLOW = 2;

/** Thresholds shared by the count and time windows; a rate of `Infinity` never trips. */
export interface RateThresholds {
  readonly minimumCalls: number;
  readonly failureRateThreshold: number;
  readonly slowCallRateThreshold: number;
}

/** Resilience4j's rule: once `minimumCalls` are in the window, a rate >= its threshold trips. */
export function rateTrip(
  calls: number,
  failures: number,
  slowCalls: number,
  t: RateThresholds,
): TripReason | undefined {
  if (calls < t.minimumCalls) return undefined;
  // divide rather than multiply the threshold: 3 / 10 >= 0.3 holds, 3 >= 0.3 * 10 does not
  if (failures / calls >= t.failureRateThreshold) return 'failure-rate';
  return slowCalls / calls >= t.slowCallRateThreshold ? 'slow-call-rate' : undefined;
}

export function windowStats(calls: number, failures: number, slowCalls: number): WindowStats {
  return {
    calls,
    failures,
    slowCalls,
    failureRate: calls === 0 ? 0 : failures / calls,
    slowCallRate: calls === 0 ? 0 : slowCalls / calls,
  };
}

/** Reads a saved strategy object, or `undefined` when it was saved by another kind of strategy. */
export function savedState(
  state: unknown,
  option: string,
  type: StrategyState['type'],
): Record<string, unknown> | undefined {
  const record = savedObject(option, state);
  return record.type === type ? record : undefined;
}

/** A saved plain object. */
export function savedObject(option: string, value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidOptionError(option, `expected an object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

/** A saved count: an integer in `0..max`. */
export function savedCount(option: string, value: unknown, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw new InvalidOptionError(option, `expected an integer 0..${max}, got ${describe(value)}`);
  }
  return value;
}

/** A saved list. */
export function savedArray(option: string, value: unknown): readonly unknown[] {
  if (!Array.isArray(value)) {
    throw new InvalidOptionError(option, `expected an array, got ${describe(value)}`);
  }
  return value as readonly unknown[];
}
