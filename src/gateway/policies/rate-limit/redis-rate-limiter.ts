import { counterRetry } from '../../../resilience/sliding-window.js';
import { SwitchyardError } from '../../../core/errors.js';
import { createLogger, type Logger } from '../../../core/logger.js';
import { systemClock, type Clock, type Duration } from '../../../resilience/index.js';
import { parseDuration } from '../../../resilience/options.js';
import {
  executeDecision,
  limitDecision,
  type AsyncRateLimiter,
  type LimitDecision,
  type RateLimitExecuteOptions,
  type RateLimiter,
} from '../../../resilience/rate-limiter.js';
import type { Work } from '../../../resilience/types.js';
import { invalidOption, limiterSpec, localLimiter, type LimiterSpec } from './limiter-spec.js';
import type { LimiterSpecOptions } from './limiter-spec.js';
import { GCRA, SLIDING_WINDOW, type RedisScript } from './redis-scripts.js';

/**
 * The few ioredis calls the limiter makes; an ioredis `Redis` or `Cluster` fits (every key of a
 * decision is one key, so Cluster slots are never crossed).
 */
export interface RedisClient {
  /** ioredis connection state: `reconnecting`, `close` or `end` skip the round trip (fallback at once). */
  readonly status: string;
  evalsha(sha: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  del(...keys: string[]): Promise<number>;
  scan(
    cursor: string,
    matchToken: 'MATCH',
    pattern: string,
    countToken: 'COUNT',
    count: number,
  ): Promise<[cursor: string, keys: string[]]>;
}

/** Options for `redisRateLimiter()`. */
export interface RedisRateLimiterOptions extends LimiterSpecOptions {
  /** Prefix of every Redis key (default `'sy:rl:'`); give each limit its own. */
  readonly prefix?: string;
  /**
   * When Redis fails or is not connected: `'allow'` (default) decides with a local limiter of
   * the same settings (per process, so the cluster may admit up to N× the limit) and logs a
   * warning once per outage; `'deny'` rejects the take with `SY_GW_RATE_LIMIT_UNAVAILABLE`.
   */
  readonly onRedisError?: 'allow' | 'deny';
  /** A decision that takes longer counts as a Redis failure (default `'200ms'`). */
  readonly timeout?: Duration;
  /** Keys the local fallback tracks (default 10 000). */
  readonly maxKeys?: number;
  /** For `execute()` holds and the fallback limiter (default `systemClock`). */
  readonly clock?: Clock;
  readonly logger?: Logger;
}

/** An `AsyncRateLimiter` backed by Redis, that says whether it is degraded (on its fallback). */
export interface RedisRateLimiter extends AsyncRateLimiter {
  readonly spec: LimiterSpec;
  /** True while Redis is failing and decisions come from the fallback (or are denied). */
  readonly degraded: boolean;
}

const KNOWN = new Set([
  'rate',
  'burst',
  'nodelay',
  'delay',
  'algorithm',
  'prefix',
  'onRedisError',
  'timeout',
  'maxKeys',
  'clock',
  'logger',
]);

/**
 * A rate limiter shared by every gateway through Redis: one atomic Lua script per decision
 * (EVALSHA, EVAL on NOSCRIPT), timed by Redis `TIME`. Token bucket and leaky bucket (nginx
 * rules) run as GCRA; sliding window as a two-window counter in one hash.
 *
 * @example
 * const limiter = redisRateLimiter(new Redis(url), { rate: '10/s', algorithm: 'sliding-window' });
 * const d = await limiter.take(clientIp);
 */
export function redisRateLimiter(
  redis: RedisClient,
  options: RedisRateLimiterOptions,
): RedisRateLimiter {
  for (const name of Object.keys(options)) {
    if (!KNOWN.has(name)) throw invalidOption(`redisRateLimiter.${name}`, 'unknown option');
  }
  const spec = limiterSpec('redisRateLimiter', options);
  const onError = options.onRedisError ?? 'allow';
  if (onError !== 'allow' && onError !== 'deny') {
    throw invalidOption('redisRateLimiter.onRedisError', "expected 'allow' or 'deny'");
  }
  const timeoutMs =
    options.timeout === undefined
      ? 200
      : parseDuration('redisRateLimiter.timeout', options.timeout);
  const clock = options.clock ?? systemClock;
  return new RedisLimiter(redis, spec, {
    prefix: options.prefix ?? 'sy:rl:',
    deny: onError === 'deny',
    timeoutMs,
    clock,
    fallback: localLimiter(spec, clock, options.maxKeys ?? 10_000),
    logger: options.logger ?? createLogger('gateway.rate-limit'),
  });
}

interface Settings {
  readonly prefix: string;
  readonly deny: boolean;
  readonly timeoutMs: number;
  readonly clock: Clock;
  readonly fallback: RateLimiter;
  readonly logger: Logger;
}

class RedisLimiter implements RedisRateLimiter {
  readonly spec: LimiterSpec;
  readonly limit: number;
  degraded = false;
  readonly #redis: RedisClient;
  readonly #s: Settings;
  readonly #script: RedisScript;
  /** The script's ARGV before cost and commit. */
  readonly #args: [string, string, string?];

  constructor(redis: RedisClient, spec: LimiterSpec, settings: Settings) {
    this.#redis = redis;
    this.spec = spec;
    this.limit = spec.limit;
    this.#s = settings;
    if (spec.algorithm === 'sliding-window') {
      this.#script = SLIDING_WINDOW;
      this.#args = [String(spec.limit), String(spec.windowMs)];
    } else {
      this.#script = GCRA;
      const capacityMs = spec.limit * spec.intervalMs;
      this.#args = [String(spec.intervalMs), String(capacityMs), String(spec.passMs)];
    }
  }

  take(key?: string, cost = 1): Promise<LimitDecision> {
    return this.#decide(key, cost, true);
  }

  peek(key?: string, cost = 1): Promise<LimitDecision> {
    return this.#decide(key, cost, false);
  }

  async reset(key?: string): Promise<void> {
    if (key !== undefined) {
      this.#s.fallback.reset(key);
      await this.#redis.del(this.#key(key));
      return;
    }
    this.#s.fallback.reset();
    // Every key under the prefix (one node; with Cluster, reset per key instead).
    let cursor = '0';
    do {
      const [next, keys] = await this.#redis.scan(
        cursor,
        'MATCH',
        `${escapeGlob(this.#s.prefix)}*`,
        'COUNT',
        500,
      );
      if (keys.length > 0) await this.#redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  }

  execute<T>(fn: Work<T>, options?: RateLimitExecuteOptions): Promise<T> {
    return this.take(options?.key, options?.cost).then((d) =>
      executeDecision(d, this.#s.clock, fn, options),
    );
  }

  #key(key: string | undefined): string {
    // `g` (global) and `k:` (keyed) cannot collide.
    return key === undefined ? `${this.#s.prefix}g` : `${this.#s.prefix}k:${key}`;
  }

  #decide(key: string | undefined, cost: number, commit: boolean): Promise<LimitDecision> {
    if (typeof cost !== 'number' || !(cost >= 0)) {
      return Promise.reject(invalidOption('redisRateLimiter.cost', 'expected a number >= 0'));
    }
    // hot path: known to be down (reconnecting, closed) → no round trip, no timer. A client
    // still connecting, or lazy ('wait'), gets the command: it connects, the timeout bounds it.
    const status = this.#redis.status;
    if (status === 'reconnecting' || status === 'close' || status === 'end') {
      return this.#failed(new Error(`redis is ${this.#redis.status}`), key, cost, commit);
    }
    const redisKey = this.#key(key);
    return withTimeout(
      this.#eval(redisKey, String(cost), commit ? '1' : '0'),
      this.#s.timeoutMs,
    ).then(
      (reply) => {
        if (this.degraded) this.#recovered();
        return this.#decision(reply as string[], cost);
      },
      (error: unknown) => this.#failed(error, key, cost, commit),
    );
  }

  #eval(key: string, cost: string, commit: string): Promise<unknown> {
    const [a, b, c] = this.#args;
    const s = this.#script;
    const args = c === undefined ? [a, b, cost, commit] : [a, b, c, cost, commit];
    return this.#redis.evalsha(s.sha, 1, key, ...args).catch((error: unknown) => {
      // First use on this server, or after SCRIPT FLUSH / a restart: send the source once.
      if (error instanceof Error && error.message.startsWith('NOSCRIPT')) {
        return this.#redis.eval(s.source, 1, key, ...args);
      }
      throw error;
    });
  }

  #decision(r: string[], cost: number): LimitDecision {
    const allowed = Number(r[0]) === 1;
    const limit = this.limit;
    const spec = this.spec;
    if (spec.algorithm !== 'sliding-window') {
      const level = Number(r[1]);
      const interval = spec.intervalMs;
      const capacity = limit * interval;
      const retry = allowed ? 0 : cost > limit ? Infinity : Number(r[2]);
      const remaining = Math.max(0, Math.floor((capacity - level) / interval + 1e-6));
      return limitDecision(allowed, remaining, retry, level, limit, Number(r[3]));
    }
    const used = Number(r[1]);
    const previous = Number(r[2]);
    const current = Number(r[3]);
    const start = Number(r[4]); // relative to the script's "now"
    const window = spec.windowMs;
    const retry = allowed ? 0 : counterRetry(limit, window, start, previous, current, cost);
    const reset = current > 0 ? start + 2 * window : previous > 0 ? start + window : 0;
    const remaining = Math.max(0, Math.floor(limit - used - (allowed ? cost : 0) + 1e-6));
    return limitDecision(allowed, remaining, retry, Math.max(0, reset), limit, 0);
  }

  #failed(
    error: unknown,
    key: string | undefined,
    cost: number,
    commit: boolean,
  ): Promise<LimitDecision> {
    if (!this.degraded) {
      this.degraded = true;
      this.#s.logger.warn(
        this.#s.deny
          ? 'rate limit: Redis unavailable, refusing requests (onRedisError: deny)'
          : 'rate limit: Redis unavailable, falling back to a per-process limit',
        { prefix: this.#s.prefix, error: error instanceof Error ? error.message : String(error) },
      );
    }
    if (this.#s.deny) {
      return Promise.reject(
        new SwitchyardError('SY_GW_RATE_LIMIT_UNAVAILABLE', 'The rate limit store is unavailable', {
          status: 503,
          cause: error,
        }),
      );
    }
    const f = this.#s.fallback;
    return Promise.resolve(commit ? f.take(key, cost) : f.peek(key, cost));
  }

  #recovered(): void {
    this.degraded = false;
    this.#s.logger.info('rate limit: Redis is back, limits are shared again', {
      prefix: this.#s.prefix,
    });
  }
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

class RedisTimeoutError extends Error {}

/** Rejects if `promise` has not settled in `ms` (a real timer: Redis round trips are real time). */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new RedisTimeoutError(`redis took over ${ms} ms`)), ms);
    timer.unref();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
