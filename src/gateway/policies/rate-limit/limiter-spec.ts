import { SwitchyardError } from '../../../core/errors.js';
import {
  leakyBucket,
  parseDuration,
  parseRate,
  slidingWindow,
  tokenBucket,
  type Clock,
  type RateInput,
  type RateLimiter,
} from '../../../resilience/index.js';

// One validated description of a limit, shared by the local policy and the Redis limiter, so
// both enforce the same numbers (and the Redis fallback is the same limit, kept locally).

/** The algorithms a gateway limit can use. */
export type RateLimitAlgorithm = 'token-bucket' | 'leaky-bucket' | 'sliding-window';

/** What a limit is: the `rateLimit` policy and `redisRateLimiter` take these. */
export interface LimiterSpecOptions {
  /** `'100/s'`, `'10r/s'`, `'600/m'`, `'5/10s'`, a number per second, or `{ tokens, per }`. */
  readonly rate: RateInput;
  /** Token bucket: capacity (default one second of rate, ≥ 1). Leaky bucket: nginx `burst` (default 0). */
  readonly burst?: number;
  /** Leaky bucket: pass admitted requests at once (nginx `nodelay`). */
  readonly nodelay?: boolean;
  /** Leaky bucket: pass this many excess requests at once, hold the rest (nginx `delay=N`). */
  readonly delay?: number;
  /**
   * Default: `'leaky-bucket'` when `burst`, `nodelay` or `delay` is given (the nginx
   * `limit_req` reading of those words), else `'token-bucket'`.
   */
  readonly algorithm?: RateLimitAlgorithm;
}

/** A validated limit. Times in ms. */
export interface LimiterSpec {
  readonly algorithm: RateLimitAlgorithm;
  /** Ms per unit request (GCRA emission interval). */
  readonly intervalMs: number;
  /** Capacity: token bucket `burst`, leaky bucket `burst + 1`, sliding window `limit`. */
  readonly limit: number;
  /** Leaky bucket: water (ms) up to which a request passes unheld; -1 = never hold. */
  readonly passMs: number;
  /** Sliding window: its length (the rate's period). */
  readonly windowMs: number;
  /** The options as given, to build the local limiter. */
  readonly options: LimiterSpecOptions;
}

/** `SY_GW_RATE_LIMIT_INVALID_OPTION` naming `option`, e.g. `rateLimit.burst`. */
export function invalidOption(option: string, problem: string): SwitchyardError {
  return new SwitchyardError('SY_GW_RATE_LIMIT_INVALID_OPTION', `${option}: ${problem}`, {
    details: { option },
  });
}

const ALGORITHMS: readonly RateLimitAlgorithm[] = [
  'token-bucket',
  'leaky-bucket',
  'sliding-window',
];
const RATE = /^(\d+(?:\.\d+)?)\s*r?\s*\/\s*(\S+)$/;

/**
 * Validates a limit; `factory` prefixes option names in errors.
 *
 * @example
 * const spec = limiterSpec('rateLimit', { rate: '100/s', burst: 200, nodelay: true });
 */
export function limiterSpec(factory: string, o: LimiterSpecOptions): LimiterSpec {
  const intervalMs = relabel(factory, () => parseRate(`${factory}.rate`, o.rate));
  const given = o.burst !== undefined || o.nodelay !== undefined || o.delay !== undefined;
  const algorithm = o.algorithm ?? (given ? 'leaky-bucket' : 'token-bucket');
  if (!ALGORITHMS.includes(algorithm)) {
    throw invalidOption(`${factory}.algorithm`, `expected one of ${ALGORITHMS.join(', ')}`);
  }
  const only = (name: 'burst' | 'nodelay' | 'delay', allowed: boolean) => {
    if (!allowed && o[name] !== undefined) {
      throw invalidOption(`${factory}.${name}`, `does not apply to algorithm ${algorithm}`);
    }
  };
  only('nodelay', algorithm === 'leaky-bucket');
  only('delay', algorithm === 'leaky-bucket');
  only('burst', algorithm !== 'sliding-window');
  // Build the local limiter once: it validates burst/nodelay/delay with the resilience rules.
  const limiter = relabel(factory, () => buildLocal(algorithm, o, intervalMs, undefined, 1));
  if (algorithm === 'sliding-window') {
    const { limit, windowMs } = rateWindow(factory, o.rate);
    return { algorithm, intervalMs, limit, passMs: -1, windowMs, options: o };
  }
  const delay = o.nodelay === true || algorithm === 'token-bucket' ? -1 : (o.delay ?? 0);
  const passMs = delay < 0 ? -1 : (1 + delay) * intervalMs;
  return { algorithm, intervalMs, limit: limiter.limit, passMs, windowMs: 0, options: o };
}

/**
 * The in-process limiter for `spec` (the `scope: local` limit, and the Redis fallback).
 *
 * @example
 * const local = localLimiter(spec, systemClock, 10_000);
 */
export function localLimiter(spec: LimiterSpec, clock: Clock, maxKeys: number): RateLimiter {
  return buildLocal(spec.algorithm, spec.options, spec.intervalMs, clock, maxKeys);
}

function buildLocal(
  algorithm: RateLimitAlgorithm,
  o: LimiterSpecOptions,
  intervalMs: number,
  clock: Clock | undefined,
  maxKeys: number,
): RateLimiter {
  const shared = clock === undefined ? { maxKeys } : { clock, maxKeys };
  if (algorithm === 'token-bucket') {
    return tokenBucket({ rate: { tokens: 1, per: intervalMs }, burst: o.burst, ...shared });
  }
  if (algorithm === 'leaky-bucket') {
    return leakyBucket({
      rate: { tokens: 1, per: intervalMs },
      burst: o.burst,
      nodelay: o.nodelay,
      delay: o.delay,
      ...shared,
    });
  }
  const { limit, windowMs } = rateWindow('rateLimit', o.rate);
  return slidingWindow({ limit, window: windowMs, ...shared });
}

/** A sliding window reads the rate as "limit per window": `'100/m'` → 100 in any 60 s. */
function rateWindow(factory: string, rate: RateInput): { limit: number; windowMs: number } {
  let limit: number;
  let windowMs = 1000;
  if (typeof rate === 'number') limit = rate;
  else if (typeof rate === 'string') {
    const m = RATE.exec(rate.trim())!; // parseRate accepted it
    limit = Number(m[1]);
    windowMs = parseDuration(`${factory}.rate`, /^(ms|s|m|h)$/.test(m[2]!) ? `1${m[2]}` : m[2]);
  } else {
    limit = rate.tokens;
    windowMs = parseDuration(`${factory}.rate.per`, rate.per);
  }
  if (!Number.isInteger(limit)) {
    throw invalidOption(`${factory}.rate`, 'a sliding window needs a whole number of requests');
  }
  return { limit, windowMs };
}

/** Resilience option errors (`tokenBucket.burst`) become ours, named for the gateway option. */
function relabel<T>(factory: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    const option = (error as { option?: unknown }).option;
    if (typeof option !== 'string') throw error;
    const name = option.replace(/^[A-Za-z]+\./, `${factory}.`);
    throw invalidOption(name, (error as Error).message.replace(/^.*?: /, ''));
  }
}
