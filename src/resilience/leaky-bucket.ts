import { InvalidOptionError } from './errors.js';
import { describe, integerOr, optionsObject, rejectUnknown } from './options.js';
import {
  costError,
  EPSILON,
  limitDecision,
  LOCAL_LIMITER_OPTIONS,
  LocalRateLimiter,
  localSettings,
  parseRate,
  type KeyedState,
  type LimitDecision,
  type LocalLimiterOptions,
  type LocalLimiterSettings,
  type RateInput,
  type RateLimiter,
} from './rate-limiter.js';

/** Options for `leakyBucket()`; the names and meaning follow nginx's `limit_req`. */
export interface LeakyBucketOptions extends LocalLimiterOptions {
  /** Drain rate (nginx `rate`): `'10/s'`, `'30/m'`, a number per second, `{ tokens, per }`. */
  readonly rate: RateInput;
  /** Excess requests held beyond the one being served (default 0); more are refused. */
  readonly burst?: number;
  /** Pass every admitted request at once; they still occupy the bucket (default false). */
  readonly nodelay?: boolean;
  /** Pass this many excess requests at once, hold the rest (nginx `delay=N`; default 0). */
  readonly delay?: number;
}

const KNOWN = ['rate', 'burst', 'nodelay', 'delay', ...LOCAL_LIMITER_OPTIONS] as const;

// Fields start as numbers so V8 keeps them as in-place doubles (see token-bucket.ts).
class LeakState implements KeyedState {
  /**
   * When the bucket drains empty; `(emptyAt - now) / interval` is the water in it, which is
   * nginx's `excess` + 1 (the request being served). Kept in ms so holds are exact.
   */
  emptyAt = 0;
  last = 0;
  hot = false;
  constructor(now: number) {
    this.emptyAt = now;
    this.last = now;
  }
}

/**
 * Leaky bucket as a meter, with nginx `limit_req` semantics. Each key's bucket drains at `rate`;
 * for a request, `excess = max(excess - rate * elapsed + 1, 0)`. If `excess > burst` it is
 * refused; otherwise it passes at once when `nodelay` or `excess <= delay`, else the caller must
 * hold it `(excess - delay) / rate` (`decision.delayMs`), so output leaves at the fixed rate.
 * A request of cost c counts as c unit requests and is held as the last of them.
 * `execute()` waits `delayMs` itself; a call cancelled while held keeps its slot, as in nginx.
 *
 * @example
 * const smooth = leakyBucket({ rate: '10/s', burst: 20 });
 * await smooth.execute(() => callUpstream(), { key: clientIp, signal });
 */
export function leakyBucket(options: LeakyBucketOptions): RateLimiter {
  const o = optionsObject('leakyBucket', options);
  rejectUnknown('leakyBucket', o, KNOWN);
  const interval = parseRate('leakyBucket.rate', o.rate);
  const burst = integerOr('leakyBucket.burst', o.burst, 0);
  if (o.nodelay !== undefined && typeof o.nodelay !== 'boolean') {
    throw new InvalidOptionError(
      'leakyBucket.nodelay',
      `expected a boolean, got ${describe(o.nodelay)}`,
    );
  }
  if (o.nodelay === true && o.delay !== undefined) {
    throw new InvalidOptionError(
      'leakyBucket.delay',
      'cannot be combined with nodelay (nginx takes one)',
    );
  }
  const delay = o.nodelay === true ? Infinity : integerOr('leakyBucket.delay', o.delay, 0);
  return new LeakyBucket(localSettings('leakyBucket', o, burst + 1), interval, delay);
}

class LeakyBucket extends LocalRateLimiter<LeakState> {
  readonly algorithm = 'leakyBucket';
  /** Milliseconds per request drained. */
  readonly #interval: number;
  /** Water the bucket holds, in ms of draining: (burst + 1) * interval. */
  readonly #capacityMs: number;
  /** Water up to which a request passes unheld: (1 + delay) * interval; Infinity for nodelay. */
  readonly #passMs: number;

  constructor(settings: LocalLimiterSettings, interval: number, delay: number) {
    super(settings);
    this.#interval = interval;
    this.#capacityMs = settings.limit * interval;
    this.#passMs = (1 + delay) * interval;
    this.reset();
  }

  // hot path: arithmetic, then one decision literal at a single site (see limitDecision).
  protected decide(s: LeakState, now: number, cost: number, commit: boolean): LimitDecision {
    if (typeof cost !== 'number' || !(cost >= 0)) throw costError('leakyBucket', cost);
    const interval = this.#interval;
    const capacity = this.#capacityMs;
    const ahead = s.emptyAt > now ? s.emptyAt - now : 0; // water ahead of this request, in ms
    const after = ahead + cost * interval;
    const allowed = after <= capacity + EPSILON;
    const level = allowed ? after : ahead;
    // nginx: hold for (excess - delay) / rate, where excess = water ahead of the last unit.
    const hold = allowed && cost > 0 && after - this.#passMs > EPSILON ? after - this.#passMs : 0;
    if (commit) {
      // A refused take changes nothing but `last`, which idleTimeout counts from.
      s.emptyAt = now + level;
      s.last = now;
    }
    const retryAfter = allowed ? 0 : cost > this.limit ? Infinity : after - capacity;
    const remaining = Math.floor((capacity - level) / interval + EPSILON);
    return limitDecision(allowed, remaining, retryAfter, level, this.limit, hold);
  }

  protected fresh(now: number): LeakState {
    return new LeakState(now);
  }

  /** Drained empty: the next request sees excess 0, as for a key never seen. */
  protected isIdle(s: LeakState, now: number): boolean {
    return s.emptyAt <= now;
  }
}
