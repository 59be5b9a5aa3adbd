import { numberOr, optionsObject, rejectUnknown } from './options.js';
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

/** Options for `tokenBucket()`. */
export interface TokenBucketOptions extends LocalLimiterOptions {
  /** Refill rate: `'100/s'`, `'10/m'`, a number per second, or `{ tokens, per }`. */
  readonly rate: RateInput;
  /** Bucket capacity, the largest burst (default: one second's worth of rate, at least 1). */
  readonly burst?: number;
}

const KNOWN = ['rate', 'burst', ...LOCAL_LIMITER_OPTIONS] as const;

// Fields start as numbers, not undefined: V8 then keeps them as in-place doubles, where an
// undefined-first field would box a new HeapNumber on every write.
class BucketState implements KeyedState {
  /** When the bucket is full again (GCRA's theoretical arrival time); <= now means full. */
  fullAt = 0;
  last = 0;
  hot = false;
  constructor(now: number) {
    this.fullAt = now;
    this.last = now;
  }
}

/**
 * Token bucket: `burst` tokens, refilled continuously at `rate`; a take of `cost` spends that
 * many. Refill is computed lazily from the clock on each take, so there are no timers. The state
 * is kept as the time the bucket is full again (the GCRA form of the same algorithm), so the
 * arithmetic is in milliseconds and `retryAfterMs` is exact for round rates.
 * A cost above `burst` can never be allowed: it is refused with `retryAfterMs: Infinity`
 * rather than thrown, so a caller-supplied cost cannot turn into an exception on the hot path.
 *
 * @example
 * const perUser = tokenBucket({ rate: '10/s', burst: 20 });
 * const d = perUser.take(userId);
 * if (!d.allowed) return reply(429, { 'retry-after': Math.ceil(d.retryAfterMs / 1000) });
 */
export function tokenBucket(options: TokenBucketOptions): RateLimiter {
  const o = optionsObject('tokenBucket', options);
  rejectUnknown('tokenBucket', o, KNOWN);
  const interval = parseRate('tokenBucket.rate', o.rate);
  const burst = numberOr('tokenBucket.burst', o.burst, Math.max(1, 1000 / interval), 1);
  return new TokenBucket(localSettings('tokenBucket', o, burst), interval);
}

class TokenBucket extends LocalRateLimiter<BucketState> {
  readonly algorithm = 'tokenBucket';
  /** Milliseconds per token. */
  readonly #interval: number;
  /** Milliseconds to refill an empty bucket: burst * interval. */
  readonly #capacityMs: number;

  constructor(settings: LocalLimiterSettings, interval: number) {
    super(settings);
    this.#interval = interval;
    this.#capacityMs = settings.limit * interval;
    this.reset();
  }

  // hot path: arithmetic, then one decision literal at a single site (see limitDecision).
  protected decide(s: BucketState, now: number, cost: number, commit: boolean): LimitDecision {
    if (typeof cost !== 'number' || !(cost >= 0)) throw costError('tokenBucket', cost);
    const interval = this.#interval;
    const capacity = this.#capacityMs;
    const debt = s.fullAt > now ? s.fullAt - now : 0; // refill still owed, in ms
    const after = debt + cost * interval;
    const allowed = after <= capacity + EPSILON;
    const owed = allowed ? after : debt;
    if (commit) {
      // A refused take changes nothing but `last`, which idleTimeout counts from.
      s.fullAt = now + owed;
      s.last = now;
    }
    const retryAfter = allowed ? 0 : cost > this.limit ? Infinity : after - capacity;
    const remaining = Math.floor((capacity - owed) / interval + EPSILON);
    return limitDecision(allowed, remaining, retryAfter, owed, this.limit, 0);
  }

  protected fresh(now: number): BucketState {
    return new BucketState(now);
  }

  /** Full again: the same as a key never seen. */
  protected isIdle(s: BucketState, now: number): boolean {
    return s.fullAt <= now;
  }
}
