import { cancelledBy, delay } from './abort.js';
import { exponentialBackoff, type Backoff, type RandomSource } from './backoff.js';
import type { Clock } from './clock.js';
import { InvalidOptionError } from './errors.js';
import { Emitter } from './events.js';
import {
  describe,
  durationOr,
  functionOr,
  integerOr,
  optionsObject,
  rejectUnknown,
  type Duration,
} from './options.js';
import { retryAfterOf } from './retry-after.js';
import { clockOr, hasMethods, type RetryBudget } from './retry-budget.js';
import {
  AttemptContext,
  EMPTY_CONTEXT,
  eagerSignal,
  type Dispose,
  type ExecuteOptions,
  type Policy,
  type PolicyContext,
  type Work,
} from './types.js';

/** What `retry` adds to the work's context: 1 for the first call, 2 for the first retry… */
export interface RetryContext {
  readonly attempt: number;
}

/** Emitted before each backoff sleep. */
export interface RetryEvent {
  /** The attempt that will run after the sleep (2 for the first retry). */
  readonly attempt: number;
  readonly delayMs: number;
  /** What the failed attempt threw, or… */
  readonly error?: unknown;
  /** …the result `retryOnResult` rejected. */
  readonly result?: unknown;
}

/**
 * Why `retry` stopped: `attempts` (maxAttempts used), `budget` (retry budget empty),
 * `not-retryable` (isRetryable said no), `retry-after` (the failure asked for a longer wait than
 * `retryAfter.max`), `cancelled` (the caller's signal aborted).
 */
export type GiveUpReason = 'attempts' | 'budget' | 'not-retryable' | 'retry-after' | 'cancelled';

/** Emitted once when a call that failed at least once stops retrying. */
export interface GiveUpEvent {
  readonly reason: GiveUpReason;
  /** Attempts made, including the first. */
  readonly attempts: number;
  /** The last attempt's error, or… */
  readonly error?: unknown;
  /** …its rejected result. */
  readonly result?: unknown;
}

/** How `retry` treats server-requested waits (Retry-After, `retryAfterMs`). */
export interface RetryAfterOptions {
  /** Longest server-requested wait to honour; a longer one gives up at once. Default `10s`. */
  max?: Duration;
  /** Extracts the requested wait in ms from an error or result. Default `retryAfterOf`. */
  of?: (outcome: unknown) => number | undefined;
}

/** Options for `retry()`; every one is optional. */
export interface RetryOptions {
  /** Total attempts including the first (Resilience4j's meaning): 3 = one call + two retries. */
  maxAttempts?: number;
  /** Delay before each retry. Default `exponentialBackoff()`: 100 ms × 2, cap 10 s, full jitter. */
  backoff?: Backoff;
  // method syntax (bivariant parameters) so a `(res: Response) => boolean` fits
  /** Whether an error is worth another attempt. Default `defaultIsRetryable`. */
  isRetryable?(error: unknown, attempt: number): boolean;
  // method syntax (bivariant parameters) so a `(res: Response) => boolean` fits
  /** Whether a returned value is a failure worth retrying (e.g. HTTP 503). Default: none are. */
  retryOnResult?(result: unknown, attempt: number): boolean;
  /** Honour Retry-After hints (`false` ignores them). */
  retryAfter?: RetryAfterOptions | false;
  /** Shared cap on retries as a share of traffic. */
  budget?: RetryBudget;
  clock?: Clock;
  /** Random source handed to the backoff. Default `Math.random`. */
  random?: RandomSource;
}

/** Codes of our errors that retrying cannot fix. */
const NOT_RETRYABLE = new Set([
  'SY_RES_CANCELLED',
  'SY_RES_CIRCUIT_ISOLATED',
  'SY_RES_INVALID_OPTION',
]);

/**
 * The default `isRetryable`: every error except cancellation, a hand-isolated circuit and a bad
 * option. `BrokenCircuitError` and `RateLimitedError` are retried, but they carry `retryAfterMs`,
 * so the retry waits until the breaker admits a probe (or gives up if that is beyond
 * `retryAfter.max`).
 *
 * @example
 * retry({ isRetryable: (e) => defaultIsRetryable(e) && !(e instanceof NotFoundError) });
 */
export function defaultIsRetryable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code !== 'string' || !NOT_RETRYABLE.has(code);
}

type Context = PolicyContext & RetryContext;

/** Validated options, as the policy keeps them. */
interface RetrySettings {
  readonly maxAttempts: number;
  readonly backoff: Backoff;
  readonly isRetryable: (error: unknown, attempt: number) => boolean;
  readonly retryOnResult: ((result: unknown, attempt: number) => boolean) | undefined;
  /** -1 when Retry-After hints are ignored. */
  readonly retryAfterMaxMs: number;
  readonly retryAfterOf: (outcome: unknown) => number | undefined;
  readonly budget: RetryBudget | undefined;
  readonly clock: Clock;
  readonly random: RandomSource;
}

/** hot path: the first attempt of a call without a signal shares this context. */
const FIRST_ATTEMPT: Context = Object.freeze({ signal: undefined, attempt: 1 });
/** Node fires a timer longer than 2^31 − 1 ms immediately; never ask for one. */
const MAX_TIMER_MS = 2_147_483_647;

/** A retry policy; build one with `retry()`. */
export class RetryPolicy implements Policy<RetryContext> {
  readonly #o: RetrySettings;
  readonly #retries = new Emitter<RetryEvent>();
  readonly #giveUps = new Emitter<GiveUpEvent>();

  /** @internal Use `retry()`, which validates the options. */
  constructor(settings: RetrySettings) {
    this.#o = settings;
  }

  /** Listens for retries (called before each backoff sleep). */
  onRetry(listener: (event: RetryEvent) => void): Dispose {
    return this.#retries.on(listener);
  }

  /** Listens for calls that stop retrying without success. */
  onGiveUp(listener: (event: GiveUpEvent) => void): Dispose {
    return this.#giveUps.on(listener);
  }

  execute<T>(fn: Work<T, RetryContext>, options?: ExecuteOptions): Promise<T> {
    // hot path: not async; a first-attempt success allocates only the rejection handler and the
    // promise `then` returns (~35 ns over a bare await); loop state exists only after a failure.
    // The outer signal is read only after a failure: under `wrap` it may be a timeout's lazy one.
    const early = eagerSignal(options);
    if (early?.aborted) return Promise.reject(cancelledBy(early));
    const outer = options as PolicyContext | undefined;
    const context = outer === undefined ? FIRST_ATTEMPT : new AttemptContext(outer, 1);
    if (this.#o.budget !== undefined) this.#o.budget.recordRequest();
    let value: T | PromiseLike<T>;
    try {
      value = fn(context);
    } catch (error) {
      return this.#loop(fn, outer, true, error);
    }
    // Promise.resolve returns a native promise as is; a plain value takes the same path, so a
    // throwing `retryOnResult` rejects instead of throwing.
    const recover = (error: unknown) => this.#loop<T>(fn, outer, true, error);
    if (this.#o.retryOnResult === undefined) return Promise.resolve(value).then(undefined, recover);
    return Promise.resolve(value).then((result) => this.#checkFirst(fn, outer, result), recover);
  }

  #checkFirst<T>(
    fn: Work<T, RetryContext>,
    outer: PolicyContext | undefined,
    result: T,
  ): T | Promise<T> {
    return this.#o.retryOnResult?.(result, 1) ? this.#loop(fn, outer, false, result) : result;
  }

  /** Runs after attempt 1 failed: `outcome` is what it threw (`threw`) or its rejected result. */
  async #loop<T>(
    fn: Work<T, RetryContext>,
    outer: PolicyContext | undefined,
    threw: boolean,
    outcome: unknown,
  ): Promise<T> {
    const signal = outer?.signal;
    let previousMs = 0;
    for (let attempt = 1; ; attempt++) {
      let reason = this.#verdict(threw, outcome, attempt, signal);
      const hintMs = reason === undefined ? this.#hint(outcome) : -1;
      reason ??= this.#admit(hintMs);
      if (reason !== undefined) return this.#giveUp<T>(reason, attempt, threw, outcome);
      previousMs = this.#o.backoff.next({ retry: attempt, previousMs, random: this.#o.random });
      const delayMs = timerSafe(Math.max(previousMs, hintMs));
      if (this.#retries.active) this.#retries.emit(eventOf(attempt + 1, delayMs, threw, outcome));
      if (delayMs > 0) await this.#sleep(delayMs, signal, attempt, threw, outcome);
      threw = false;
      try {
        outcome = await fn(new AttemptContext(outer ?? EMPTY_CONTEXT, attempt + 1));
      } catch (error) {
        threw = true;
        outcome = error;
      }
      if (!threw && !this.#o.retryOnResult?.(outcome, attempt + 1)) return outcome as T;
    }
  }

  /** The failure's Retry-After in ms, or -1 when there is none (or hints are off). */
  #hint(outcome: unknown): number {
    if (this.#o.retryAfterMaxMs < 0) return -1;
    const ms = this.#o.retryAfterOf(outcome);
    return typeof ms === 'number' && ms >= 0 ? ms : -1;
  }

  #verdict(
    threw: boolean,
    outcome: unknown,
    attempt: number,
    signal: AbortSignal | undefined,
  ): GiveUpReason | undefined {
    if (signal?.aborted) return 'cancelled';
    if (threw && !this.#o.isRetryable(outcome, attempt)) return 'not-retryable';
    if (attempt >= this.#o.maxAttempts) return 'attempts';
    return undefined;
  }

  /** Last checks for a retry that is otherwise due: the hint's length, then the budget. */
  #admit(hintMs: number): GiveUpReason | undefined {
    if (hintMs > this.#o.retryAfterMaxMs) return 'retry-after';
    // Asked last, so budget is spent only on retries that will really happen.
    if (this.#o.budget !== undefined && !this.#o.budget.tryAcquireRetry()) return 'budget';
    return undefined;
  }

  async #sleep(
    ms: number,
    signal: AbortSignal | undefined,
    attempt: number,
    threw: boolean,
    outcome: unknown,
  ): Promise<void> {
    try {
      await delay(this.#o.clock, ms, signal);
    } catch (error) {
      this.#giveUp('cancelled', attempt, threw, outcome, false);
      throw error;
    }
  }

  #giveUp<T>(
    reason: GiveUpReason,
    attempts: number,
    threw: boolean,
    outcome: unknown,
    settle = true,
  ): T {
    if (this.#giveUps.active) {
      this.#giveUps.emit(
        threw ? { reason, attempts, error: outcome } : { reason, attempts, result: outcome },
      );
    }
    if (settle && threw) throw outcome;
    return outcome as T;
  }
}

function eventOf(attempt: number, delayMs: number, threw: boolean, outcome: unknown): RetryEvent {
  return threw ? { attempt, delayMs, error: outcome } : { attempt, delayMs, result: outcome };
}

function timerSafe(ms: number): number {
  return ms > 0 ? Math.min(ms, MAX_TIMER_MS) : 0; // also maps NaN from a custom backoff to 0
}

/**
 * Retries failed calls with backoff, honouring Retry-After hints and an optional shared budget.
 * `maxAttempts` counts every attempt, the first included. On giving up it rethrows the last error,
 * or returns the last result if that result was the failure.
 *
 * @example
 * const policy = retry({ maxAttempts: 4, retryOnResult: (r) => (r as Response).status >= 500 });
 * const res = await policy.execute(({ signal }) => fetch(url, { signal }), { signal });
 */
export function retry(options?: RetryOptions): RetryPolicy {
  const o = optionsObject('retry', options);
  rejectUnknown('retry', o, KNOWN);
  const retryAfter = retryAfterOption(o.retryAfter);
  return new RetryPolicy({
    maxAttempts: integerOr('retry.maxAttempts', o.maxAttempts, 3, 1),
    backoff: backoffOr('retry.backoff', o.backoff),
    isRetryable: functionOr('retry.isRetryable', o.isRetryable, defaultIsRetryable),
    retryOnResult: functionOr('retry.retryOnResult', o.retryOnResult, undefined),
    retryAfterMaxMs: retryAfter.maxMs,
    retryAfterOf: retryAfter.of,
    budget: budgetOr('retry.budget', o.budget),
    clock: clockOr('retry.clock', o.clock),
    random: functionOr('retry.random', o.random, Math.random),
  });
}

const KNOWN = [
  'maxAttempts',
  'backoff',
  'isRetryable',
  'retryOnResult',
  'retryAfter',
  'budget',
  'clock',
  'random',
];

const DEFAULT_BACKOFF = exponentialBackoff();
const defaultRetryAfterOf = (outcome: unknown) => retryAfterOf(outcome);

function retryAfterOption(value: unknown): {
  maxMs: number;
  of: (outcome: unknown) => number | undefined;
} {
  if (value === false) return { maxMs: -1, of: () => undefined };
  const o = optionsObject('retry.retryAfter', value as RetryAfterOptions | undefined);
  rejectUnknown('retry.retryAfter', o, ['max', 'of']);
  return {
    maxMs: durationOr('retry.retryAfter.max', o.max, 10_000),
    of: functionOr('retry.retryAfter.of', o.of, defaultRetryAfterOf),
  };
}

function backoffOr(option: string, value: unknown): Backoff {
  if (value === undefined) return DEFAULT_BACKOFF;
  if (!hasMethods(value, ['next'])) {
    throw new InvalidOptionError(option, `expected a Backoff with next(), got ${describe(value)}`);
  }
  return value as Backoff;
}

function budgetOr(option: string, value: unknown): RetryBudget | undefined {
  if (value === undefined) return undefined;
  if (!hasMethods(value, ['recordRequest', 'tryAcquireRetry'])) {
    throw new InvalidOptionError(
      option,
      `expected a RetryBudget from retryBudget(), got ${describe(value)}`,
    );
  }
  return value as RetryBudget;
}
