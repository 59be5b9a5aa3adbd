import { systemClock, type Clock } from './clock.js';
import { DeadlineQueue, type Expirable } from './deadline-queue.js';
import { TimeoutError, CancelledError } from './errors.js';
import { Emitter } from './events.js';
import { parseDuration, type Duration, optionsObject, rejectUnknown, oneOf } from './options.js';
import {
  ChildContext,
  EMPTY_CONTEXT,
  type Dispose,
  type ExecuteOptions,
  type Policy,
  type PolicyContext,
  type Work,
} from './types.js';

/**
 * - `cooperative`: at the deadline the work's `signal` aborts; the call settles when the work
 *   does (a rejection after the deadline becomes `TimeoutError`, a late success is kept).
 * - `aggressive`: the call rejects with `TimeoutError` at the deadline without waiting for the
 *   work (whose signal is aborted too, if it asked for one).
 */
export type TimeoutStrategy = 'cooperative' | 'aggressive';

export interface TimeoutOptions {
  strategy?: TimeoutStrategy;
  clock?: Clock;
}

export interface TimeoutEvent {
  readonly timeoutMs: number;
}

export interface TimeoutPolicy extends Policy {
  readonly timeoutMs: number;
  readonly strategy: TimeoutStrategy;
  /** Called when a call reaches its deadline. */
  onTimeout(listener: (event: TimeoutEvent) => void): Dispose;
}

/**
 * Bounds how long a call may take.
 *
 * @example
 * const t = timeout('2s');                        // cooperative
 * await t.execute(({ signal }) => fetch(url, { signal }));
 * const hard = timeout(500, 'aggressive');       // rejects at 500 ms even if the work ignores it
 */
export function timeout(
  duration: Duration,
  options?: TimeoutStrategy | TimeoutOptions,
): TimeoutPolicy {
  const ms = parseDuration('timeout.duration', duration);
  const opts =
    typeof options === 'string' ? { strategy: options } : optionsObject('timeout', options);
  rejectUnknown('timeout', opts, ['strategy', 'clock']);
  const strategy = oneOf(
    'timeout.strategy',
    opts.strategy,
    ['cooperative', 'aggressive'],
    'cooperative',
  );
  return new Timeout(ms, strategy, opts.clock ?? systemClock);
}

class Timeout implements TimeoutPolicy {
  readonly #queue: DeadlineQueue<TimeoutCall>;
  readonly #clock: Clock;
  readonly #timeouts = new Emitter<TimeoutEvent>();

  constructor(
    readonly timeoutMs: number,
    readonly strategy: TimeoutStrategy,
    clock: Clock,
  ) {
    this.#clock = clock;
    this.#queue = new DeadlineQueue(clock);
  }

  onTimeout(listener: (event: TimeoutEvent) => void): Dispose {
    return this.#timeouts.on(listener);
  }

  execute<T>(fn: Work<T>, options?: ExecuteOptions): Promise<T> {
    // hot path: one call object (the work's context) and a slot in the shared deadline queue; no
    // per-call timer and no AbortController unless the work reads `signal`.
    const call = new TimeoutCall(
      (options ?? EMPTY_CONTEXT) as PolicyContext,
      this,
      this.#clock.now() + this.timeoutMs,
    );
    this.#queue.add(call);
    let result: T | PromiseLike<T>;
    try {
      result = fn(call);
    } catch (error) {
      call.finish();
      return Promise.reject(call.translate(error));
    }
    return this.strategy === 'aggressive' ? call.race(result) : call.follow(result);
  }

  /** @internal called by a call that reached its deadline */
  expired(): TimeoutError {
    if (this.#timeouts.active) this.#timeouts.emit({ timeoutMs: this.timeoutMs });
    return new TimeoutError(this.timeoutMs);
  }
}

/** One call in flight: its context for the work, its deadline, and its lazily made controller. */
class TimeoutCall extends ChildContext implements Expirable {
  settled = false;
  timedOut: TimeoutError | undefined;
  #controller: AbortController | undefined;
  #unlink: (() => void) | undefined;
  #rejectEarly: ((error: unknown) => void) | undefined;

  constructor(
    outer: PolicyContext,
    readonly policy: Timeout,
    readonly deadline: number,
  ) {
    super(outer);
  }

  /** Created on first read: the work that never asks for a signal never pays for one. */
  override get signal(): AbortSignal {
    if (!this.#controller) {
      const controller = (this.#controller = new AbortController());
      if (this.timedOut) controller.abort(this.timedOut);
      else this.#link(controller, this.outer.signal);
    }
    return this.#controller.signal;
  }

  expire(): void {
    const error = (this.timedOut = this.policy.expired());
    this.#controller?.abort(error);
    this.#rejectEarly?.(error);
  }

  finish(): void {
    this.settled = true;
    this.#unlink?.();
  }

  translate(error: unknown): unknown {
    return this.timedOut && !(error instanceof CancelledError && error.cause === this.timedOut)
      ? new TimeoutError(this.policy.timeoutMs, error)
      : error;
  }

  follow<T>(result: T | PromiseLike<T>): Promise<T> {
    return Promise.resolve(result).then(
      (value) => {
        this.finish();
        return value;
      },
      (error: unknown) => {
        this.finish();
        throw this.translate(error);
      },
    );
  }

  race<T>(result: T | PromiseLike<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#rejectEarly = reject;
      const parent = this.outer.signal;
      if (parent) this.#cancelOn(parent, reject);
      Promise.resolve(result).then(
        (value) => {
          this.finish();
          resolve(value);
        },
        (error: unknown) => {
          this.finish();
          reject(this.translate(error));
        },
      );
    });
  }

  #cancelOn(parent: AbortSignal, reject: (error: unknown) => void): void {
    if (parent.aborted) return reject(new CancelledError(parent.reason));
    const onAbort = () => reject(new CancelledError(parent.reason));
    parent.addEventListener('abort', onAbort, { once: true });
    const previous = this.#unlink;
    this.#unlink = () => {
      previous?.();
      parent.removeEventListener('abort', onAbort);
    };
  }

  #link(controller: AbortController, parent: AbortSignal | undefined): void {
    if (!parent) return;
    if (parent.aborted) return controller.abort(parent.reason);
    const forward = () => controller.abort(parent.reason);
    parent.addEventListener('abort', forward, { once: true });
    const previous = this.#unlink;
    this.#unlink = () => {
      previous?.();
      parent.removeEventListener('abort', forward);
    };
  }
}
