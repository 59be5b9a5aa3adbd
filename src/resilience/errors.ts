/**
 * Errors raised by resilience policies. Each has a stable `code` (never reused) and carries the
 * numbers that explain it. `ResilienceError` mirrors the shape of core's `SwitchyardError`
 * without importing it, because this library has no dependencies outside its own folder.
 */

export class ResilienceError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A factory was given a bad option; `option` names it. */
export class InvalidOptionError extends ResilienceError {
  constructor(
    readonly option: string,
    detail: string,
  ) {
    super('SY_RES_INVALID_OPTION', `invalid option "${option}": ${detail}`);
  }
}

/** The circuit is open (or half-open with every probe slot taken): the call was not made. */
export class BrokenCircuitError extends ResilienceError {
  constructor(
    /** Milliseconds until the breaker will admit a probe (0 if it will on the next call). */
    readonly retryAfterMs: number,
    readonly state: 'OPEN' | 'HALF_OPEN' = 'OPEN',
  ) {
    super(
      'SY_RES_CIRCUIT_OPEN',
      state === 'OPEN'
        ? `circuit open: next probe in ${Math.ceil(retryAfterMs)} ms`
        : 'circuit half-open: all probe slots are taken',
    );
  }
}

/** The circuit was isolated by hand (`isolate()`); it stays open until `reset()`. */
export class IsolatedCircuitError extends ResilienceError {
  constructor() {
    super('SY_RES_CIRCUIT_ISOLATED', 'circuit isolated by an operator');
  }
}

/** The bulkhead's slots and queue were full, or a queued call waited too long. */
export class BulkheadRejectedError extends ResilienceError {
  constructor(
    readonly reason: 'full' | 'queue-timeout',
    readonly active: number,
    readonly queued: number,
    readonly maxConcurrent: number,
    readonly maxQueue: number,
  ) {
    super(
      reason === 'full' ? 'SY_RES_BULKHEAD_FULL' : 'SY_RES_BULKHEAD_QUEUE_TIMEOUT',
      reason === 'full'
        ? `bulkhead full: ${active}/${maxConcurrent} running, ${queued}/${maxQueue} queued`
        : `bulkhead queue timeout: ${active}/${maxConcurrent} running, ${queued}/${maxQueue} queued`,
    );
  }
}

/** The call did not finish within its deadline. */
export class TimeoutError extends ResilienceError {
  constructor(
    readonly timeoutMs: number,
    cause?: unknown,
  ) {
    super(
      'SY_RES_TIMEOUT',
      `timed out after ${timeoutMs} ms`,
      cause === undefined ? undefined : { cause },
    );
  }
}

/** The caller's AbortSignal fired; `cause` is the signal's reason. */
export class CancelledError extends ResilienceError {
  constructor(reason?: unknown) {
    super('SY_RES_CANCELLED', 'operation cancelled', { cause: reason });
  }
}

/** A rate limiter refused the call. */
export class RateLimitedError extends ResilienceError {
  constructor(
    readonly retryAfterMs: number,
    readonly limit: number,
  ) {
    super('SY_RES_RATE_LIMITED', `rate limited: retry in ${Math.ceil(retryAfterMs)} ms`);
  }
}
