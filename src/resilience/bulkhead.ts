import { cancelledBy } from './abort.js';
import { systemClock, type Clock } from './clock.js';
import { DeadlineQueue, type Expirable } from './deadline-queue.js';
import { BulkheadRejectedError, InvalidOptionError } from './errors.js';
import { Emitter } from './events.js';
import { durationOr, integerOr, optionsObject, rejectUnknown, type Duration } from './options.js';
import { contextFor, type Dispose, type ExecuteOptions, type Policy, type Work } from './types.js';

export interface BulkheadOptions {
  /** Calls allowed to run at once (required, ≥ 1). */
  maxConcurrent: number;
  /** Calls allowed to wait for a slot (default 0: reject at once when full). */
  maxQueue?: number;
  /** How long a queued call may wait before it is rejected (default: no limit). */
  queueTimeout?: Duration;
  clock?: Clock;
}

export interface BulkheadRejectEvent {
  readonly error: BulkheadRejectedError;
}

export interface BulkheadPolicy extends Policy {
  /** Calls running now. */
  readonly active: number;
  /** Calls waiting for a slot. */
  readonly queued: number;
  onReject(listener: (event: BulkheadRejectEvent) => void): Dispose;
}

/**
 * Limits concurrency: at most `maxConcurrent` calls run, up to `maxQueue` wait (in order), the
 * rest are rejected with `BulkheadRejectedError` carrying the numbers. A waiter whose signal
 * aborts leaves the queue at once.
 *
 * @example
 * const pool = bulkhead({ maxConcurrent: 10, maxQueue: 50, queueTimeout: '1s' });
 * await pool.execute(() => callInventory());
 */
export function bulkhead(options: BulkheadOptions): BulkheadPolicy {
  const opts = optionsObject('bulkhead', options);
  rejectUnknown('bulkhead', opts, ['maxConcurrent', 'maxQueue', 'queueTimeout', 'clock']);
  if (opts.maxConcurrent === undefined) {
    throw new InvalidOptionError(
      'bulkhead.maxConcurrent',
      'required (calls allowed to run at once)',
    );
  }
  return new Bulkhead(
    integerOr('bulkhead.maxConcurrent', opts.maxConcurrent, 1, 1),
    integerOr('bulkhead.maxQueue', opts.maxQueue, 0, 0),
    durationOr('bulkhead.queueTimeout', opts.queueTimeout, Infinity),
    opts.clock ?? systemClock,
  );
}

/** A queued call: resolved with nothing when a slot frees, or rejected (timeout, abort). */
class Waiter implements Expirable {
  settled = false;
  prev: Waiter | undefined;
  next: Waiter | undefined;
  unlink: (() => void) | undefined;
  constructor(
    readonly deadline: number,
    readonly admit: () => void,
    readonly fail: (error: unknown) => void,
    readonly owner: Bulkhead,
  ) {}
  expire(): void {
    this.owner.leave(this, this.owner.rejection('queue-timeout'));
  }
}

class Bulkhead implements BulkheadPolicy {
  active = 0;
  queued = 0;
  #first: Waiter | undefined;
  #last: Waiter | undefined;
  readonly #deadlines: DeadlineQueue<Waiter> | undefined;
  readonly #rejects = new Emitter<BulkheadRejectEvent>();

  constructor(
    readonly maxConcurrent: number,
    readonly maxQueue: number,
    readonly queueTimeoutMs: number,
    readonly clock: Clock,
  ) {
    if (queueTimeoutMs !== Infinity) this.#deadlines = new DeadlineQueue(clock);
  }

  onReject(listener: (event: BulkheadRejectEvent) => void): Dispose {
    return this.#rejects.on(listener);
  }

  execute<T>(fn: Work<T>, options?: ExecuteOptions): Promise<T> {
    if (this.active < this.maxConcurrent) {
      this.active++;
      return this.#run(fn, options);
    }
    if (this.queued >= this.maxQueue) return Promise.reject(this.rejection('full'));
    // a released slot is handed to the waiter (`active` unchanged), so no newcomer can take it
    return this.#wait(options).then(() => this.#run(fn, options));
  }

  // hot path: one `.then` with prebound handlers; the caller has taken the slot
  #run<T>(fn: Work<T>, options: ExecuteOptions | undefined): Promise<T> {
    let result: T | PromiseLike<T>;
    try {
      result = fn(contextFor(options));
    } catch (error) {
      this.#release();
      return Promise.reject(error);
    }
    return Promise.resolve(result).then(this.#onFulfilled, this.#onRejected) as Promise<T>;
  }

  readonly #onFulfilled = (value: unknown): unknown => {
    this.#release();
    return value;
  };

  readonly #onRejected = (error: unknown): never => {
    this.#release();
    throw error;
  };

  #release(): void {
    const waiter = this.#first;
    if (waiter) {
      this.#remove(waiter);
      waiter.admit();
    } else {
      this.active--;
    }
  }

  #wait(options: ExecuteOptions | undefined): Promise<void> {
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(cancelledBy(signal));
    return new Promise<void>((resolve, reject) => {
      const deadline = this.clock.now() + this.queueTimeoutMs;
      const waiter = new Waiter(deadline, resolve, reject, this);
      this.#append(waiter);
      this.#deadlines?.add(waiter);
      if (signal) {
        const onAbort = () => this.leave(waiter, cancelledBy(signal));
        signal.addEventListener('abort', onAbort, { once: true });
        waiter.unlink = () => signal.removeEventListener('abort', onAbort);
      }
    });
  }

  /** @internal a waiter gives up: timeout or abort */
  leave(waiter: Waiter, error: unknown): void {
    if (waiter.settled) return;
    this.#remove(waiter);
    waiter.fail(error);
  }

  /** @internal */
  rejection(reason: 'full' | 'queue-timeout'): BulkheadRejectedError {
    const error = new BulkheadRejectedError(
      reason,
      this.active,
      this.queued,
      this.maxConcurrent,
      this.maxQueue,
    );
    if (this.#rejects.active) this.#rejects.emit({ error });
    return error;
  }

  #append(waiter: Waiter): void {
    waiter.prev = this.#last;
    if (this.#last) this.#last.next = waiter;
    else this.#first = waiter;
    this.#last = waiter;
    this.queued++;
  }

  #remove(waiter: Waiter): void {
    waiter.settled = true;
    waiter.unlink?.();
    if (waiter.prev) waiter.prev.next = waiter.next;
    else this.#first = waiter.next;
    if (waiter.next) waiter.next.prev = waiter.prev;
    else this.#last = waiter.prev;
    waiter.prev = waiter.next = undefined;
    this.queued--;
  }
}
