import { InvalidOptionError } from '../errors.js';
import { describe } from '../options.js';
import { savedCount, savedObject, type StrategyState, type WindowStats } from './trip-strategy.js';

/** The breaker's states. ISOLATED is the manual hold set by `isolate()` and left by `reset()`. */
export type CircuitState = 'CLOSED' | 'OPEN' | 'HALF_OPEN' | 'ISOLATED';

export const CIRCUIT_STATES: readonly CircuitState[] = ['CLOSED', 'OPEN', 'HALF_OPEN', 'ISOLATED'];

/**
 * A breaker's state as plain JSON (what `snapshot()` returns and `restore()` / `initialState`
 * accept). Remaining times are relative (`retryAfterMs`), never clock readings, so a snapshot
 * taken in one process restores in another — e.g. a serverless function that stores its
 * breakers between invocations. Probes in flight are not carried over.
 *
 * @example
 * const saved = JSON.stringify(breaker.snapshot());
 * const again = circuitBreaker({ cooldown: '30s', initialState: JSON.parse(saved) });
 */
export interface CircuitBreakerSnapshot {
  readonly version: 1;
  readonly name?: string | undefined;
  readonly state: CircuitState;
  /** Failures in a row (in consecutive mode, slow calls count too when `slowCall` is set). */
  readonly consecutiveFailures: number;
  /** Successful probes so far in HALF_OPEN (0 in other states). */
  readonly halfOpenSuccesses: number;
  /** The sliding window's counts, or `null` in consecutive mode. */
  readonly window: WindowStats | null;
  /** How many times the breaker has opened (trips, failed probes, half-open timeouts). */
  readonly trips: number;
  /** OPEN: ms until a probe will be admitted; 0 in other states. */
  readonly retryAfterMs: number;
  /** The cooldown of the current (or next) OPEN period, grown by `cooldownBackoff`. */
  readonly cooldownMs: number;
  /** The trip strategy's counts, which restore reloads. */
  readonly strategy: StrategyState;
}

/**
 * Validates the parts of a snapshot that restoring uses (the strategy validates its own part),
 * throwing `InvalidOptionError` naming the bad field, e.g. `circuitBreaker.initialState.state`.
 */
export function readSnapshot(option: string, value: unknown): CircuitBreakerSnapshot {
  const s = savedObject(option, value);
  if (s.version !== 1) {
    throw new InvalidOptionError(`${option}.version`, `expected 1, got ${describe(s.version)}`);
  }
  if (!CIRCUIT_STATES.includes(s.state as CircuitState)) {
    const known = CIRCUIT_STATES.map((x) => `"${x}"`).join(', ');
    throw new InvalidOptionError(
      `${option}.state`,
      `expected one of ${known}, got ${describe(s.state)}`,
    );
  }
  savedCount(`${option}.halfOpenSuccesses`, s.halfOpenSuccesses);
  savedCount(`${option}.trips`, s.trips);
  savedTime(`${option}.retryAfterMs`, s.retryAfterMs);
  savedTime(`${option}.cooldownMs`, s.cooldownMs);
  savedObject(`${option}.strategy`, s.strategy);
  return s as unknown as CircuitBreakerSnapshot;
}

function savedTime(option: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidOptionError(
      option,
      `expected a non-negative number of ms, got ${describe(value)}`,
    );
  }
}
