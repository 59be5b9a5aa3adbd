import { InvalidOptionError } from './errors.js';
import {
  integerOr,
  oneOf,
  optionsObject,
  parseDuration,
  rejectUnknown,
  type Duration,
} from './options.js';
import {
  costError,
  EPSILON,
  limitDecision,
  LOCAL_LIMITER_OPTIONS,
  LocalRateLimiter,
  localSettings,
  type KeyedState,
  type LimitDecision,
  type LocalLimiterOptions,
  type LocalLimiterSettings,
  type RateLimiter,
} from './rate-limiter.js';

/** Options for `slidingWindow()`. */
export interface SlidingWindowOptions extends LocalLimiterOptions {
  /** Most requests (cost units) in any `window`. */
  readonly limit: number;
  /** The window length: ms or a string like `'1m'`. */
  readonly window: Duration;
  /** `'counter'` (default): two fixed windows, weighted; `'log'`: exact, one timestamp per unit. */
  readonly algorithm?: 'log' | 'counter';
}

const KNOWN = ['limit', 'window', 'algorithm', ...LOCAL_LIMITER_OPTIONS] as const;

/**
 * At most `limit` requests in any `window`. A request made at `t` counts while `now < t + window`
 * and no longer at `t + window` exactly.
 * - `'log'` keeps each key's timestamps in a ring of at most `limit` entries (grown on demand):
 *   exact, memory O(limit) per key, integer costs only.
 * - `'counter'` (Cloudflare's approximation) keeps two fixed-window counts aligned to multiples
 *   of `window` on the clock, and estimates `previous * (1 - elapsed / window) + current`:
 *   constant memory, exact when traffic is even across the previous window.
 * Refused requests are not counted.
 *
 * @example
 * const login = slidingWindow({ limit: 5, window: '1m', algorithm: 'log' });
 * if (!login.take(username).allowed) throw new TooManyAttempts();
 */
export function slidingWindow(options: SlidingWindowOptions): RateLimiter {
  const o = optionsObject('slidingWindow', options);
  rejectUnknown('slidingWindow', o, KNOWN);
  if (o.limit === undefined) throw new InvalidOptionError('slidingWindow.limit', 'is required');
  const limit = integerOr('slidingWindow.limit', o.limit, 0, 1);
  const window = parseDuration('slidingWindow.window', o.window);
  if (!(window > 0)) throw new InvalidOptionError('slidingWindow.window', 'must be more than 0');
  const algorithm = oneOf('slidingWindow.algorithm', o.algorithm, ['log', 'counter'], 'counter');
  const settings = localSettings('slidingWindow', o, limit);
  return algorithm === 'log'
    ? new SlidingLog(settings, window)
    : new SlidingCounter(settings, window);
}

class LogState implements KeyedState {
  last = 0;
  hot = false;
  /** Ring of timestamps, oldest at `head`; grows by doubling up to `limit`. */
  times: Float64Array;
  head = 0;
  count = 0;
  constructor(last: number, capacity: number) {
    this.last = last;
    this.times = new Float64Array(capacity);
  }
  at(i: number): number {
    return this.times[(this.head + i) % this.times.length]!;
  }
}

class SlidingLog extends LocalRateLimiter<LogState> {
  readonly algorithm = 'slidingWindow';
  readonly #window: number;

  constructor(settings: LocalLimiterSettings, window: number) {
    super(settings);
    this.#window = window;
    this.reset();
  }

  protected decide(s: LogState, now: number, cost: number, commit: boolean): LimitDecision {
    if (!Number.isInteger(cost) || cost < 0)
      throw costError('slidingWindow', cost, 'an integer >= 0');
    this.#expire(s, now); // dropping expired entries changes no decision, so peek may do it too
    const limit = this.limit;
    const window = this.#window;
    const allowed = s.count + cost <= limit;
    let retryAfter = 0;
    if (commit) {
      s.last = now;
      if (allowed) this.#push(s, now, cost);
    }
    const used = allowed && !commit ? s.count + cost : s.count;
    if (!allowed) {
      // Wait for the entry whose expiry frees enough room for `cost`.
      retryAfter = cost > limit ? Infinity : s.at(s.count + cost - limit - 1) + window - now;
    }
    const newest = allowed && cost > 0 ? now : s.count > 0 ? s.at(s.count - 1) : now - window;
    const reset = newest + window - now;
    return limitDecision(allowed, limit - used, retryAfter, reset, limit, 0);
  }

  #expire(s: LogState, now: number): void {
    const window = this.#window;
    const size = s.times.length;
    while (s.count > 0 && s.times[s.head]! + window <= now) {
      s.head = (s.head + 1) % size;
      s.count--;
    }
  }

  #push(s: LogState, now: number, cost: number): void {
    if (s.count + cost > s.times.length)
      grow(s, Math.min(this.limit, Math.max(s.times.length * 2, s.count + cost)));
    const size = s.times.length;
    for (let i = 0; i < cost; i++) s.times[(s.head + s.count++) % size] = now;
  }

  protected fresh(now: number): LogState {
    return new LogState(now, Math.min(this.limit, 8));
  }

  /** No timestamp inside the window: the same as a key never seen. */
  protected isIdle(s: LogState, now: number): boolean {
    return s.count === 0 || s.at(s.count - 1) + this.#window <= now;
  }
}

function grow(s: LogState, capacity: number): void {
  const times = new Float64Array(capacity);
  for (let i = 0; i < s.count; i++) times[i] = s.at(i);
  s.times = times;
  s.head = 0;
}

class CounterState implements KeyedState {
  last = 0;
  hot = false;
  /** Index of the current fixed window: floor(time / window). */
  index = 0;
  previous = 0;
  current = 0;
  constructor(last: number, index: number) {
    this.last = last;
    this.index = index;
  }
}

class SlidingCounter extends LocalRateLimiter<CounterState> {
  readonly algorithm = 'slidingWindow';
  readonly #window: number;

  constructor(settings: LocalLimiterSettings, window: number) {
    super(settings);
    this.#window = window;
    this.reset();
  }

  // hot path: arithmetic, then one decision literal at a single site (see limitDecision).
  protected decide(s: CounterState, now: number, cost: number, commit: boolean): LimitDecision {
    if (typeof cost !== 'number' || !(cost >= 0)) throw costError('slidingWindow', cost);
    const limit = this.limit;
    const window = this.#window;
    const index = Math.floor(now / window);
    let previous = s.previous;
    let current = s.current;
    if (index !== s.index) {
      previous = index === s.index + 1 ? current : 0;
      current = 0;
    }
    const start = index * window;
    // The previous window's share still inside the sliding window (ms-first keeps it exact).
    const used = (previous * (start + window - now)) / window + current;
    const allowed = used + cost <= limit + EPSILON;
    if (allowed) current += cost;
    if (commit) {
      s.index = index;
      s.previous = previous;
      s.current = current;
      s.last = now;
    }
    const retryAfter = allowed
      ? 0
      : counterRetry(limit, window, start, previous, current, cost) - now;
    const reset = current > 0 ? start + 2 * window - now : previous > 0 ? start + window - now : 0;
    const remaining = Math.max(0, Math.floor(limit - used - (allowed ? cost : 0) + EPSILON));
    return limitDecision(allowed, remaining, retryAfter, reset, limit, 0);
  }

  protected fresh(now: number): CounterState {
    return new CounterState(now, Math.floor(now / this.#window));
  }

  /** Both counts have aged out of the sliding window: the same as a key never seen. */
  protected isIdle(s: CounterState, now: number): boolean {
    const index = Math.floor(now / this.#window);
    if (index === s.index) return s.current === 0 && s.previous === 0;
    return index > s.index + 1 || s.current === 0;
  }
}

/**
 * When `previous * (start + window - t) / window + current + cost <= limit` first holds: later
 * in this window if `current` leaves room, else in the next, where `current` is the fading one.
 */
export function counterRetry(
  limit: number,
  window: number,
  start: number,
  previous: number,
  current: number,
  cost: number,
): number {
  if (cost > limit) return Infinity;
  if (current + cost <= limit)
    return start + window - (window * (limit - current - cost)) / previous;
  if (current <= limit - cost) return start + window;
  return start + 2 * window - (window * (limit - cost)) / current;
}
