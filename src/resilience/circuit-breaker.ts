/**
 * The circuit breaker's state machine. It is one class on purpose (past the usual 250 lines):
 * the CLOSED hot path reads its private fields directly, and every transition must bump the same
 * generation counter. Options, events, snapshots and the trip strategies live in `breaker/`.
 */
import { cancelledBy } from './abort.js';
import type { Clock, TimerHandle } from './clock.js';
import { BrokenCircuitError, CancelledError, IsolatedCircuitError } from './errors.js';
import { Emitter, type Listener } from './events.js';
import {
  parseBreakerOptions,
  type BreakerConfig,
  type CircuitBreakerOptions,
} from './breaker/breaker-options.js';
import {
  CIRCUIT_STATES,
  readSnapshot,
  type CircuitBreakerSnapshot,
  type CircuitState,
} from './breaker/snapshot.js';
import type { TripStrategy } from './breaker/trip-strategy.js';
import type {
  FailureEvent,
  RejectEvent,
  StateChangeEvent,
  SuccessEvent,
  TransitionReason,
} from './breaker/breaker-events.js';
import {
  eagerSignal,
  contextFor,
  type Dispose,
  type ExecuteOptions,
  type Policy,
  type Work,
} from './types.js';

export type {
  CircuitBreakerOptions,
  CooldownBackoffOptions,
  CountWindowOptions,
  HalfOpenOptions,
  SlowCallOptions,
  TimeWindowOptions,
} from './breaker/breaker-options.js';
export type { CircuitBreakerSnapshot, CircuitState } from './breaker/snapshot.js';
export type { TripReason, WindowStats } from './breaker/trip-strategy.js';
export type {
  FailureEvent,
  RejectEvent,
  StateChangeEvent,
  SuccessEvent,
  TransitionReason,
} from './breaker/breaker-events.js';

// states and outcomes as small integers: the hot path compares numbers, not strings
const CLOSED = 0;
const OPEN = 1;
const HALF_OPEN = 2;
const ISOLATED = 3;
const SUCCESS = 0;
const FAILURE = 1;
const IGNORED = 2; // a cancelled call says nothing about the downstream

type Settle = (payload: unknown) => unknown;

/** A call admitted by `CircuitBreaker.acquire()`; opaque to callers. */
export type CircuitPermit = number | { readonly gen: number; readonly probe: boolean };

/**
 * A circuit breaker: CLOSED → OPEN → HALF_OPEN → CLOSED, with the trip rule from its strategy
 * (consecutive failures by default, or a count/time window). OPEN fails fast with
 * `BrokenCircuitError` without calling the work; after the cooldown, HALF_OPEN admits
 * `halfOpen.maxProbes` probes at a time, closes after `successThreshold` successes and re-opens
 * on any failure. Transitions are lazy (no timers while idle) unless `eagerHalfOpen` is set.
 *
 * @example
 * const breaker = new CircuitBreaker({ failureThreshold: 5, cooldown: '30s' });
 * const user = await breaker.execute(({ signal }) => fetch('http://users/42', { signal }));
 */
export class CircuitBreaker implements Policy {
  readonly name: string | undefined;
  readonly #config: BreakerConfig;
  readonly #strategy: TripStrategy;
  readonly #clock: Clock;
  #state = CLOSED;
  /** Bumped on every transition; a call settling under another generation is not counted. */
  #generation = 0;
  /** Calls must be timed (slow-call tracking, or success/failure listeners). */
  #timed: boolean;
  #closedOk!: Settle;
  #closedErr!: Settle;
  #trips = 0;
  #cooldownMs: number;
  #openUntil = 0;
  #probes = 0;
  #halfOpenSuccesses = 0;
  /** HALF_OPEN: when a probe was last admitted or settled (the stuck-probe clock). */
  #lastProgress = 0;
  #timer: TimerHandle;
  #timerArmed = false;
  #disposed = false;
  readonly #stateChanges = new Emitter<StateChangeEvent>();
  readonly #successes = new Emitter<SuccessEvent>();
  readonly #failures = new Emitter<FailureEvent>();
  readonly #rejections = new Emitter<RejectEvent>();

  constructor(options?: CircuitBreakerOptions) {
    const config = parseBreakerOptions(options);
    this.#config = config;
    this.#strategy = config.strategy;
    this.#clock = config.clock;
    this.name = config.name;
    this.#cooldownMs = config.cooldownMs;
    this.#timed = config.slowCallMs !== Infinity;
    this.#bindClosed();
    if (config.initialState !== undefined) {
      this.#restore('circuitBreaker.initialState', config.initialState);
    }
  }

  /** The current state; an OPEN breaker whose cooldown has passed reads HALF_OPEN. */
  get state(): CircuitState {
    this.#observe();
    return CIRCUIT_STATES[this.#state]!;
  }

  execute<T>(fn: Work<T>, options?: ExecuteOptions): Promise<T> {
    // hot path: CLOSED with nothing to track per call — no clock read, no allocation but the one
    // `then`. The prebound handlers carry the generation, so late results of an earlier CLOSED
    // period are ignored.
    // A caller's plain signal takes the tracked path (so its aborts are not counted); a context
    // from `wrap` does not, and its possibly lazy signal is never read here.
    if (this.#state !== CLOSED || this.#timed || eagerSignal(options) !== undefined) {
      return this.#executeTracked(fn, options);
    }
    const gen = this.#generation;
    const ok = this.#closedOk;
    const fail = this.#closedErr;
    let result: T | PromiseLike<T>;
    try {
      result = fn(contextFor(options));
    } catch (error) {
      this.#recordClosed(gen, this.#classify(true, error, undefined), false);
      return rejected(error);
    }
    if (result instanceof Promise) return result.then(ok, fail) as Promise<T>;
    if (isThenable(result)) return Promise.resolve(result).then(ok, fail) as Promise<T>;
    this.#recordClosed(gen, this.#classify(false, result, undefined), false);
    return Promise.resolve(result);
  }

  /**
   * Callback-style admission for code that cannot afford a promise per call (the gateway's proxy):
   * returns a permit, or the error refusing the call. Every permit must be settled exactly once
   * with `settle(permit, failed, durationMs?)`. A CLOSED breaker returns a number (its
   * generation) and allocates nothing.
   *
   * @example
   * const permit = breaker.acquire();
   * if (permit instanceof Error) return reply503(permit);
   * send(request, (err) => breaker.settle(permit, err !== undefined));
   */
  acquire(): CircuitPermit | Error {
    if (this.#state === CLOSED) return this.#generation;
    const refusal = this.#admit();
    if (refusal !== undefined) return refusal;
    return { gen: this.#generation, probe: this.#state === HALF_OPEN };
  }

  /** Records the outcome of a call admitted by `acquire()`; `durationMs` feeds slow-call tracking. */
  settle(permit: CircuitPermit, failed: boolean, durationMs?: number): void {
    const slow = durationMs !== undefined && durationMs > this.#config.slowCallMs;
    const outcome = failed ? FAILURE : SUCCESS;
    if (failed && this.#failures.active) this.#failures.emit({ error: undefined, durationMs });
    if (!failed && this.#successes.active) this.#successes.emit({ durationMs, slow });
    if (typeof permit === 'number') this.#recordClosed(permit, outcome, slow);
    else if (permit.probe) this.#settleProbe(permit.gen, outcome, slow);
    else this.#recordClosed(permit.gen, outcome, slow);
  }

  /** Holds the breaker open (calls fail with `IsolatedCircuitError`) until `reset()`. */
  isolate(): void {
    this.#moveTo(ISOLATED, 'isolate');
  }

  /** Back to CLOSED with counts and cooldown growth cleared (also ends `isolate()`). */
  reset(): void {
    this.#strategy.reset();
    this.#cooldownMs = this.#config.cooldownMs;
    this.#moveTo(CLOSED, 'reset');
  }

  /** The state as JSON, for dashboards and for `restore()` in this or another process. */
  snapshot(): CircuitBreakerSnapshot {
    const now = this.#observe();
    return {
      version: 1,
      ...(this.name === undefined ? {} : { name: this.name }),
      state: CIRCUIT_STATES[this.#state]!,
      consecutiveFailures: this.#strategy.consecutiveFailures(),
      halfOpenSuccesses: this.#halfOpenSuccesses,
      window: this.#strategy.window(),
      trips: this.#trips,
      retryAfterMs: this.#state === OPEN ? this.#openUntil - now : 0,
      cooldownMs: this.#cooldownMs,
      strategy: this.#strategy.save(),
    };
  }

  toJSON(): CircuitBreakerSnapshot {
    return this.snapshot();
  }

  /** Takes the state of a `snapshot()`; probes in flight (of either breaker) are not counted. */
  restore(snapshot: CircuitBreakerSnapshot): void {
    this.#restore('circuitBreaker.restore', snapshot);
  }

  /** Every transition, with its reason; lazy ones fire when noticed (see `eagerHalfOpen`). */
  onStateChange(listener: Listener<StateChangeEvent>): Dispose {
    return this.#listen(this.#stateChanges, listener);
  }
  /** Calls counted as successes. Listening makes calls timed (one clock read at each end). */
  onSuccess(listener: Listener<SuccessEvent>): Dispose {
    return this.#listen(this.#successes, listener);
  }
  /** Calls counted as failures (errors and flagged results). Also makes calls timed. */
  onFailure(listener: Listener<FailureEvent>): Dispose {
    return this.#listen(this.#failures, listener);
  }
  /** Calls refused without running (OPEN, HALF_OPEN with every slot taken, ISOLATED). */
  onReject(listener: Listener<RejectEvent>): Dispose {
    return this.#listen(this.#rejections, listener);
  }

  /** Clears the `eagerHalfOpen` timer and arms no more; the breaker keeps working lazily. */
  dispose(): void {
    this.#disposed = true;
    this.#clearTimer();
  }

  /** Handlers for the CLOSED period starting now; they ignore results once it has ended. */
  #bindClosed(): void {
    const gen = this.#generation;
    const strategy = this.#strategy;
    // hot path: without a result predicate, a success is a generation check and one strategy call
    this.#closedOk =
      this.#config.isResultFailure === undefined
        ? (value) => {
            if (gen === this.#generation) {
              const reason = strategy.success(false);
              if (reason !== undefined) this.#trip(reason, this.#clock.now());
            }
            return value;
          }
        : (value) => {
            this.#recordClosed(gen, this.#classify(false, value, undefined), false);
            return value;
          };
    this.#closedErr = (error) => {
      this.#recordClosed(gen, this.#classify(true, error, undefined), false);
      throw error;
    };
  }

  /** Every call that is not a plain CLOSED one: admission, probes, timing, a caller's signal. */
  #executeTracked<T>(fn: Work<T>, options: ExecuteOptions | undefined): Promise<T> {
    const signal = eagerSignal(options);
    if (signal?.aborted) return Promise.reject(cancelledBy(signal));
    const refusal = this.#admit();
    if (refusal !== undefined) return Promise.reject(refusal);
    const gen = this.#generation;
    const probe = this.#state === HALF_OPEN;
    const start = this.#timed ? this.#clock.now() : NaN;
    const settle = (failed: boolean, payload: unknown) =>
      this.#settle(gen, probe, start, signal, failed, payload);
    let result: T | PromiseLike<T>;
    try {
      result = fn(contextFor(options));
    } catch (error) {
      settle(true, error);
      return rejected(error);
    }
    if (!isThenable(result)) {
      settle(false, result);
      return Promise.resolve(result);
    }
    return Promise.resolve(result).then(
      (value) => {
        settle(false, value);
        return value;
      },
      (error: unknown) => {
        settle(true, error);
        throw error;
      },
    );
  }

  /** Lets a call through (taking a probe slot in HALF_OPEN) or returns the error refusing it. */
  #admit(): Error | undefined {
    if (this.#state === CLOSED) return undefined;
    const now = this.#clock.now();
    this.#refresh(now);
    const state = this.#state;
    if (state === HALF_OPEN && this.#probes < this.#config.maxProbes) {
      this.#probes++;
      this.#lastProgress = now;
      return undefined;
    }
    const retryAfterMs =
      state === OPEN ? this.#openUntil - now : state === HALF_OPEN ? 0 : Infinity;
    if (this.#rejections.active) {
      this.#rejections.emit({ state: CIRCUIT_STATES[state] as RejectEvent['state'], retryAfterMs });
    }
    if (state === ISOLATED) return new IsolatedCircuitError();
    return new BrokenCircuitError(retryAfterMs, state === OPEN ? 'OPEN' : 'HALF_OPEN');
  }

  #settle(
    gen: number,
    probe: boolean,
    start: number,
    signal: AbortSignal | undefined,
    failed: boolean,
    payload: unknown,
  ): void {
    const durationMs = Number.isNaN(start) ? undefined : this.#clock.now() - start;
    const slow = durationMs !== undefined && durationMs > this.#config.slowCallMs;
    const outcome = this.#classify(failed, payload, signal);
    if (outcome === SUCCESS && this.#successes.active) this.#successes.emit({ durationMs, slow });
    if (outcome === FAILURE && this.#failures.active) {
      this.#failures.emit(
        failed ? { error: payload, durationMs } : { result: payload, durationMs },
      );
    }
    if (probe) this.#settleProbe(gen, outcome, slow);
    else this.#recordClosed(gen, outcome, slow);
  }

  #classify(failed: boolean, payload: unknown, signal: AbortSignal | undefined): number {
    if (!failed) {
      const isResultFailure = this.#config.isResultFailure;
      return isResultFailure !== undefined && judge(isResultFailure, payload) ? FAILURE : SUCCESS;
    }
    if (payload instanceof CancelledError || signal?.aborted === true) return IGNORED;
    const isFailure = this.#config.isFailure;
    return isFailure === undefined || judge(isFailure, payload) ? FAILURE : SUCCESS;
  }

  // hot path (via the closed handlers): one generation check and one strategy call
  #recordClosed(gen: number, outcome: number, slow: boolean): void {
    if (gen !== this.#generation || outcome === IGNORED) return;
    const strategy = this.#strategy;
    const reason = outcome === FAILURE ? strategy.failure(slow) : strategy.success(slow);
    if (reason !== undefined) this.#trip(reason, this.#clock.now());
  }

  #settleProbe(gen: number, outcome: number, slow: boolean): void {
    const now = this.#clock.now();
    this.#refresh(now); // a half-open timeout that fell due first makes this probe stale
    if (gen !== this.#generation) return;
    this.#probes--;
    this.#lastProgress = now;
    if (outcome === IGNORED) return;
    if (outcome === FAILURE || slow) {
      this.#trip(outcome === FAILURE ? 'probe-failed' : 'probe-slow', now);
    } else if (++this.#halfOpenSuccesses >= this.#config.successThreshold) {
      this.#strategy.reset();
      this.#cooldownMs = this.#config.cooldownMs;
      this.#moveTo(CLOSED, 'probes-succeeded');
    }
  }

  /** Applies the time-driven transitions (at their due times), if the state has any. */
  #observe(): number {
    if (this.#state !== OPEN && this.#state !== HALF_OPEN) return NaN;
    const now = this.#clock.now();
    this.#refresh(now);
    return now;
  }

  /**
   * Lazy transitions, each taking effect at the moment it fell due (not when noticed), so a late
   * look gives the same answer a timer would have: OPEN → HALF_OPEN at the end of the cooldown,
   * HALF_OPEN → OPEN once every probe slot has been busy with no progress for `maxWait`.
   */
  #refresh(now: number): void {
    for (;;) {
      if (this.#state === OPEN && now >= this.#openUntil) {
        this.#moveTo(HALF_OPEN, 'cooldown-elapsed');
      } else if (
        this.#state === HALF_OPEN &&
        this.#probes >= this.#config.maxProbes &&
        now >= this.#lastProgress + this.#config.maxWaitMs
      ) {
        this.#trip('half-open-timeout', this.#lastProgress + this.#config.maxWaitMs);
      } else {
        return;
      }
    }
  }

  /** Opens at time `at`; a re-open (from HALF_OPEN) grows the cooldown by the backoff. */
  #trip(reason: TransitionReason, at: number): void {
    const { backoffMultiplier, maxCooldownMs } = this.#config;
    if (this.#state === HALF_OPEN) {
      this.#cooldownMs = Math.min(this.#cooldownMs * backoffMultiplier, maxCooldownMs);
    }
    this.#trips++;
    this.#openUntil = at + this.#cooldownMs;
    this.#moveTo(OPEN, reason);
  }

  #moveTo(to: number, reason: TransitionReason, halfOpenSuccesses = 0): void {
    const from = this.#state;
    this.#state = to;
    this.#generation++;
    this.#probes = 0;
    this.#halfOpenSuccesses = halfOpenSuccesses;
    if (to === CLOSED) this.#bindClosed();
    if (to === OPEN) this.#armTimer();
    else this.#clearTimer();
    // listeners run last: one that calls back into the breaker sees a finished transition
    if (from !== to && this.#stateChanges.active) {
      this.#stateChanges.emit({ from: CIRCUIT_STATES[from]!, to: CIRCUIT_STATES[to]!, reason });
    }
  }

  #restore(option: string, value: unknown): void {
    const s = readSnapshot(option, value);
    this.#strategy.load(s.strategy, `${option}.strategy`);
    const { cooldownMs, maxCooldownMs } = this.#config;
    const now = this.#clock.now();
    this.#trips = s.trips;
    this.#cooldownMs = Math.min(Math.max(s.cooldownMs, cooldownMs), maxCooldownMs);
    this.#openUntil = now + s.retryAfterMs;
    const to = CIRCUIT_STATES.indexOf(s.state);
    this.#moveTo(to, 'restore', to === HALF_OPEN ? s.halfOpenSuccesses : 0);
  }

  #listen<E>(emitter: Emitter<E>, listener: Listener<E>): Dispose {
    const dispose = emitter.on(listener);
    this.#updateTimed();
    return () => {
      dispose();
      this.#updateTimed();
    };
  }

  #updateTimed(): void {
    const c = this.#config;
    this.#timed = c.slowCallMs !== Infinity || this.#successes.active || this.#failures.active;
  }

  #armTimer(): void {
    this.#clearTimer();
    if (!this.#config.eagerHalfOpen || this.#disposed) return;
    const gen = this.#generation;
    const wait = Math.max(0, this.#openUntil - this.#clock.now());
    this.#timer = this.#clock.setTimeout(() => this.#onTimer(gen), wait);
    this.#timerArmed = true;
  }

  #onTimer(gen: number): void {
    this.#timerArmed = false;
    if (gen !== this.#generation) return;
    this.#refresh(this.#clock.now());
    if (this.#state === OPEN) this.#armTimer(); // a host timer that fired a little early
  }

  #clearTimer(): void {
    if (!this.#timerArmed) return;
    this.#timerArmed = false;
    this.#clock.clearTimeout(this.#timer);
  }
}

/**
 * Creates a circuit breaker. Defaults follow the seed: 5 failures in a row trip it, OPEN lasts
 * 30 s, then one probe at a time until 2 succeed.
 *
 * @example
 * const payments = circuitBreaker({ failureThreshold: 5, cooldown: 30_000 });
 * const receipt = await payments.execute(() => charge(order));
 */
export function circuitBreaker(options?: CircuitBreakerOptions): CircuitBreaker {
  return new CircuitBreaker(options);
}

/** Runs a user predicate; one that throws counts the call as a failure. */
function judge(predicate: (value: unknown) => boolean, value: unknown): boolean {
  try {
    return predicate(value);
  } catch {
    return true;
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** A rejection with the work's own error, unchanged (it need not be an `Error`). */
function rejected<T>(error: unknown): Promise<T> {
  return Promise.reject(error);
}
