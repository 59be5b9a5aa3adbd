import type { IncomingMessage } from 'node:http';
import type { Logger } from '../../../core/logger.js';
import { systemClock, type Clock, type Duration } from '../../../resilience/index.js';
import type { LimitDecision, RateLimiter } from '../../../resilience/rate-limiter.js';
import type { PolicyAnswer, PolicyContext, RequestPolicy } from '../policy.js';
import {
  invalidOption,
  limiterSpec,
  localLimiter,
  type LimiterSpecOptions,
} from './limiter-spec.js';
import { rateLimitKey, type RateLimitKeySpec } from './rate-limit-key.js';
import { redisRateLimiter, type RedisClient, type RedisRateLimiter } from './redis-rate-limiter.js';

// The gateway's rate-limit policy (issue 5). Behaviour worth knowing when configuring it:
// - Algorithm: `algorithm` if given; else a leaky bucket when `burst`, `nodelay` or `delay` is
//   set (nginx `limit_req` semantics for those words), else a token bucket of one second's burst.
//   A sliding window reads `rate` as "limit per period": `'100/m'` is 100 in any 60 s.
// - Keys: `ip` (the caller's trusted-proxy-resolved client IP), `consumer`, `header:NAME` (first
//   value), `claim:NAME` (string or number claims). A request with no value (header missing, no
//   consumer) is counted in ONE shared "anonymous" bucket, so omitting the header is no way
//   around the limit. Keys over 200 chars are hashed (SHA-256) so huge headers cannot bloat memory.
// - Memory: at most `maxKeys` buckets (LRU-evicted, idle ones dropped lazily; no timers).
// - Holding: a leaky bucket without `nodelay` makes `apply` wait `delayMs` (at most
//   `(burst − delay) / rate`); a client that disconnects meanwhile gets 499 and nothing goes
//   upstream. Everything else answers synchronously (no promise) on the local scope.
// - Headers: the contract lets a policy set response headers only on its own answer, so
//   `RateLimit-*` and `Retry-After` are on the 429; for admitted requests the proxy can call
//   `rateLimitHeaders(decision)` from `onDecision`.
// - `scope: cluster`: see redis-rate-limiter.ts (exact under concurrency; Redis down → a local
//   fallback limit or 503). `scope: local` under `--workers N` is per worker (N× the limit):
//   sharing it needs the primary to hold the buckets (see the session report).

/** Options for `rateLimit()`; see limiter-spec.ts for `rate`, `burst`, `nodelay`, `delay`, `algorithm`. */
export interface RateLimitOptions extends LimiterSpecOptions {
  /** What the limit counts per (default `'ip'`); a request without a value shares one bucket. */
  readonly key?: RateLimitKeySpec;
  /** `'local'` (default): this process. `'cluster'`: every gateway, through `redis`. */
  readonly scope?: 'local' | 'cluster';
  /** Required with `scope: 'cluster'` (an ioredis client; the policy does not close it). */
  readonly redis?: RedisClient;
  /** Redis down: `'allow'` (default, local fallback limit) or `'deny'` (503). */
  readonly onRedisError?: 'allow' | 'deny';
  /** Redis key prefix (default `'sy:rl:'`); give each route's limit its own. */
  readonly prefix?: string;
  /** A Redis decision slower than this counts as a Redis failure (default `'200ms'`). */
  readonly redisTimeout?: Duration;
  /** Keys tracked in memory (default 10 000; least recently used are evicted first). */
  readonly maxKeys?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /**
   * Called with every admitting decision (not refusals, which get their headers on the 429):
   * the proxy can set `rateLimitHeaders(decision)` on the response and count metrics here.
   */
  readonly onDecision?: (ctx: PolicyContext, decision: LimitDecision) => void;
}

/** The policy, with its limiter exposed for dashboards and tests. */
export interface RateLimitPolicy extends RequestPolicy {
  readonly limiter: RateLimiter | RedisRateLimiter;
}

const KNOWN = new Set([
  'rate',
  'burst',
  'nodelay',
  'delay',
  'algorithm',
  'key',
  'scope',
  'redis',
  'onRedisError',
  'prefix',
  'redisTimeout',
  'maxKeys',
  'clock',
  'logger',
  'onDecision',
]);

/**
 * A gateway rate limit. Over the limit → 429 `SY_GW_RATE_LIMITED` with `Retry-After` and the
 * IETF `RateLimit-Limit` / `-Remaining` / `-Reset` headers. A leaky bucket without `nodelay`
 * holds excess requests and releases them at the rate (nginx `limit_req burst=`); a client that
 * disconnects while held is dropped (499 `SY_GW_RATE_LIMIT_CANCELLED`, its slot stays charged,
 * as in nginx). The hold is bounded by `(burst − delay) / rate`.
 *
 * @example
 * // nginx: limit_req zone=perip burst=200 nodelay; rate=100r/s
 * const perIp = rateLimit({ rate: '100/s', burst: 200, nodelay: true, key: 'ip' });
 * const shared = rateLimit({ rate: '10/s', algorithm: 'sliding-window', scope: 'cluster', redis });
 */
export function rateLimit(options: RateLimitOptions): RateLimitPolicy {
  for (const name of Object.keys(options)) {
    if (!KNOWN.has(name)) throw invalidOption(`rateLimit.${name}`, 'unknown option');
  }
  const keyOf = rateLimitKey(options.key ?? 'ip');
  const clock = options.clock ?? systemClock;
  const maxKeys = options.maxKeys ?? 10_000;
  if (!Number.isInteger(maxKeys) || maxKeys < 1) {
    throw invalidOption('rateLimit.maxKeys', 'expected an integer >= 1');
  }
  const scope = options.scope ?? 'local';
  const spec = {
    rate: options.rate,
    burst: options.burst,
    nodelay: options.nodelay,
    delay: options.delay,
    algorithm: options.algorithm,
  };
  const onDecision = options.onDecision;
  if (scope === 'local') {
    for (const name of ['redis', 'onRedisError', 'prefix', 'redisTimeout'] as const) {
      if (options[name] !== undefined) {
        throw invalidOption(`rateLimit.${name}`, "only applies with scope: 'cluster'");
      }
    }
    const limiter = localLimiter(limiterSpec('rateLimit', strip(spec)), clock, maxKeys);
    return {
      name: 'rate-limit',
      ownedHeaders: [],
      limiter,
      apply(ctx) {
        // hot path: one Map lookup and arithmetic; no promise unless the request is held.
        const d = limiter.take(keyOf(ctx));
        return answer(ctx, d, clock, onDecision);
      },
    };
  }
  if (scope !== 'cluster') throw invalidOption('rateLimit.scope', "expected 'local' or 'cluster'");
  if (options.redis === undefined) {
    throw invalidOption('rateLimit.redis', "is required with scope: 'cluster'");
  }
  const limiter = redisRateLimiter(options.redis, {
    ...strip(spec),
    ...strip({
      prefix: options.prefix,
      onRedisError: options.onRedisError,
      timeout: options.redisTimeout,
      logger: options.logger,
    }),
    maxKeys,
    clock,
  });
  const unavailable = (): PolicyAnswer => ({
    status: 503,
    headers: { 'Retry-After': '1' },
    body: { code: 'SY_GW_RATE_LIMIT_UNAVAILABLE', message: 'The rate limit store is unavailable.' },
  });
  return {
    name: 'rate-limit',
    ownedHeaders: [],
    limiter,
    apply(ctx) {
      return limiter.take(keyOf(ctx)).then((d) => answer(ctx, d, clock, onDecision), unavailable);
    },
  };
}

/**
 * The IETF draft headers for a decision (`RateLimit-Reset` in whole seconds, rounded up).
 *
 * @example
 * for (const [name, value] of Object.entries(rateLimitHeaders(d))) res.setHeader(name, value);
 */
export function rateLimitHeaders(d: LimitDecision): Record<string, string> {
  return {
    'RateLimit-Limit': String(d.limit),
    'RateLimit-Remaining': String(d.remaining),
    'RateLimit-Reset': String(Math.ceil(d.resetMs / 1000)),
  };
}

function answer(
  ctx: PolicyContext,
  d: LimitDecision,
  clock: Clock,
  onDecision: RateLimitOptions['onDecision'],
): PolicyAnswer | Promise<PolicyAnswer> {
  if (!d.allowed) return refused(d);
  onDecision?.(ctx, d);
  return d.delayMs > 0 ? hold(ctx.req, clock, d.delayMs) : undefined;
}

function refused(d: LimitDecision): PolicyAnswer {
  // Infinity only for a cost above the capacity, which a request (cost 1) never has; cap anyway.
  const seconds = Number.isFinite(d.retryAfterMs)
    ? Math.max(1, Math.ceil(d.retryAfterMs / 1000))
    : 3600;
  const headers = rateLimitHeaders(d);
  headers['Retry-After'] = String(seconds);
  return {
    status: 429,
    headers,
    body: { code: 'SY_GW_RATE_LIMITED', message: `Too many requests; retry after ${seconds} s.` },
  };
}

const CANCELLED: PolicyAnswer = {
  status: 499,
  body: { code: 'SY_GW_RATE_LIMIT_CANCELLED', message: 'The client went away while held.' },
};

/** Holds an admitted request `ms` (nginx's delay), ending early if the client disconnects. */
function hold(req: IncomingMessage, clock: Clock, ms: number): Promise<PolicyAnswer> {
  if (gone(req)) return Promise.resolve(CANCELLED);
  return new Promise((resolve) => {
    const onClose = () => {
      // 'close' also follows a fully read body; only a dead connection cancels the hold.
      if (!gone(req)) return;
      clock.clearTimeout(timer);
      resolve(CANCELLED);
    };
    const timer = clock.setTimeout(() => {
      req.off('close', onClose);
      resolve(undefined);
    }, ms);
    req.once('close', onClose);
  });
}

/** The client is gone: its connection (HTTP/1) or stream (HTTP/2 compat) closed early. */
function gone(req: IncomingMessage): boolean {
  const stream = (req as { stream?: { destroyed?: boolean; closed?: boolean } }).stream;
  if (stream !== undefined) return stream.destroyed === true || stream.closed === true;
  const socket = req.socket as IncomingMessage['socket'] | null;
  return socket === null || socket.destroyed || (req.destroyed && !req.complete);
}

/** Drops undefined fields (the limiters reject unknown keys, not undefined values, but be exact). */
function strip<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as T;
}
