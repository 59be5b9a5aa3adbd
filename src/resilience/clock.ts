/**
 * Time source for every resilience policy. Policies read time only through a `Clock`, so tests
 * drive them with a `ManualClock` and never sleep.
 */

export type TimerHandle = unknown;

export interface Clock {
  /** Monotonic milliseconds (fractional allowed). Only differences are meaningful. */
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

type NodeTimer = { unref?: () => void };

/** The real clock: `performance.now()` and the host's timers (unref'd in Node, so idle policies never keep a process alive). */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout(callback, ms) {
    const handle = globalThis.setTimeout(callback, ms) as unknown as NodeTimer;
    handle.unref?.();
    return handle;
  },
  clearTimeout(handle) {
    globalThis.clearTimeout(handle as Parameters<typeof globalThis.clearTimeout>[0]);
  },
};

interface ManualTimer {
  id: number;
  at: number;
  callback: () => void;
}

/**
 * A clock that moves only when told to. `advance(ms)` runs due timers synchronously in time order;
 * `advanceAsync(ms)` also lets promise callbacks settle between timers, for code that awaits.
 *
 * @example
 * const clock = new ManualClock();
 * const breaker = circuitBreaker({ clock, cooldown: 30_000 });
 * clock.advance(30_000);
 */
export class ManualClock implements Clock {
  #now: number;
  #timers: ManualTimer[] = [];
  #nextId = 1;

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const timer: ManualTimer = { id: this.#nextId++, at: this.#now + Math.max(0, ms), callback };
    this.#timers.push(timer);
    return timer.id;
  }

  clearTimeout(handle: TimerHandle): void {
    const i = this.#timers.findIndex((t) => t.id === handle);
    if (i >= 0) this.#timers.splice(i, 1);
  }

  /** Number of timers still scheduled (tests assert that policies clean up after themselves). */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** Move time forward by `ms`, running every timer that falls due, in order. */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (let t = this.#takeDue(target); t; t = this.#takeDue(target)) {
      this.#now = Math.max(this.#now, t.at);
      t.callback();
    }
    this.#now = target;
  }

  /** Like `advance`, but settles pending promise callbacks before and after each timer. */
  async advanceAsync(ms: number): Promise<void> {
    const target = this.#now + ms;
    await flushMicrotasks();
    for (let t = this.#takeDue(target); t; t = this.#takeDue(target)) {
      this.#now = Math.max(this.#now, t.at);
      t.callback();
      await flushMicrotasks();
    }
    this.#now = target;
    await flushMicrotasks();
  }

  #takeDue(target: number): ManualTimer | undefined {
    let best = -1;
    for (let i = 0; i < this.#timers.length; i++) {
      const t = this.#timers[i]!;
      if (t.at <= target && (best < 0 || t.at < this.#timers[best]!.at)) best = i;
    }
    return best < 0 ? undefined : this.#timers.splice(best, 1)[0];
  }
}

/** Let queued promise reactions run (a few rounds, since `await` chains take several hops). */
export async function flushMicrotasks(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}
