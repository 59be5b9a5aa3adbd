import type { CircuitState } from './snapshot.js';
import type { TripReason } from './trip-strategy.js';

/** Why the state changed: a trip reason, or one of the breaker's own transitions. */
export type TransitionReason =
  | TripReason
  | 'cooldown-elapsed'
  | 'probe-failed'
  | 'probe-slow'
  | 'probes-succeeded'
  | 'half-open-timeout'
  | 'isolate'
  | 'reset'
  | 'restore';

/** Passed to `onStateChange` listeners. */
export interface StateChangeEvent {
  readonly from: CircuitState;
  readonly to: CircuitState;
  readonly reason: TransitionReason;
}

/** `durationMs` is measured only for calls that started while someone listened (or with `slowCall`). */
export interface SuccessEvent {
  readonly durationMs?: number | undefined;
  readonly slow: boolean;
}

/** `error` for a thrown failure, `result` for one `isResultFailure` flagged. */
export interface FailureEvent {
  readonly error?: unknown;
  readonly result?: unknown;
  readonly durationMs?: number | undefined;
}

/** A call was refused; `retryAfterMs` is Infinity while isolated. */
export interface RejectEvent {
  readonly state: 'OPEN' | 'HALF_OPEN' | 'ISOLATED';
  readonly retryAfterMs: number;
}
