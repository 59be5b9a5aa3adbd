import { systemClock, type Clock } from '../clock.js';
import { InvalidOptionError } from '../errors.js';
import {
  describe,
  durationOr,
  functionOr,
  integerOr,
  numberOr,
  oneOf,
  optionsObject,
  ratioOr,
  rejectUnknown,
  type Duration,
} from '../options.js';
import { ConsecutiveFailures } from './consecutive-failures.js';
import { CountWindow } from './count-window.js';
import type { CircuitBreakerSnapshot } from './snapshot.js';
import { TimeWindow } from './time-window.js';
import type { TripStrategy } from './trip-strategy.js';

/** Options of `circuitBreaker()`; every one is optional. See docs/reference for the table. */
export interface CircuitBreakerOptions {
  /** Consecutive mode (the default): the Nth failure in a row trips (default 5). */
  failureThreshold?: number;
  /** Rate mode instead of consecutive: a count- or time-based sliding window. */
  window?: CountWindowOptions | TimeWindowOptions;
  /** Calls slower than `duration` count as slow; see `SlowCallOptions`. */
  slowCall?: SlowCallOptions;
  /** How long OPEN lasts before a probe is admitted (default 30 s). */
  cooldown?: Duration;
  /** Grow the cooldown on each re-open without an intervening close. */
  cooldownBackoff?: CooldownBackoffOptions;
  halfOpen?: HalfOpenOptions;
  // method syntax (bivariant parameters) so a `(res: Response) => boolean` fits
  /** Which errors count as failures (default: all). Cancellations never count. */
  isFailure?(error: unknown): boolean;
  // method syntax (bivariant parameters) so a `(res: Response) => boolean` fits
  /** Which results count as failures (e.g. HTTP 5xx); the result still goes to the caller. */
  isResultFailure?(result: unknown): boolean;
  /** Start a timer on trip that moves OPEN → HALF_OPEN on time (for dashboards). Default false. */
  eagerHalfOpen?: boolean;
  /** Start from a `snapshot()` (e.g. one saved by another process). */
  initialState?: CircuitBreakerSnapshot;
  clock?: Clock;
  /** A label carried into snapshots. */
  name?: string;
}

export interface CountWindowOptions {
  type: 'count';
  /** How many recent calls the window holds (default 100). */
  size?: number;
  /** Calls needed in the window before it can trip (default `size`). */
  minimumCalls?: number;
  /** Trip when failures / calls >= this ratio, 0 < r <= 1 (default 0.5). */
  failureRateThreshold?: number;
}

export interface TimeWindowOptions {
  type: 'time';
  /** How far back the window reaches (default 60 s). */
  duration?: Duration;
  /** Buckets the window is kept in (default 10). */
  buckets?: number;
  /** Calls needed in the window before it can trip (default 100). */
  minimumCalls?: number;
  /** Trip when failures / calls >= this ratio, 0 < r <= 1 (default 0.5). */
  failureRateThreshold?: number;
}

export interface SlowCallOptions {
  /** A call that takes longer than this is slow (default 60 s). */
  duration?: Duration;
  /**
   * Window modes only: trip when slow calls / calls >= this ratio (default 1). In consecutive
   * mode each slow call counts toward `failureThreshold` instead, and this key is rejected.
   */
  rateThreshold?: number;
}

export interface CooldownBackoffOptions {
  /** Each re-open multiplies the cooldown by this (default 2, >= 1). */
  multiplier?: number;
  /** The cooldown never grows past this (default 10 × `cooldown`). */
  max?: Duration;
}

export interface HalfOpenOptions {
  /** Probes allowed in flight at once (default 1). */
  maxProbes?: number;
  /** Successful probes needed to close (default 2). */
  successThreshold?: number;
  /** With every probe slot taken and none settling for this long, re-open (default 60 s). */
  maxWait?: Duration;
}

/** Validated, resolved options. */
export interface BreakerConfig {
  readonly strategy: TripStrategy;
  /** `Infinity` when slow calls are not tracked. */
  readonly slowCallMs: number;
  readonly cooldownMs: number;
  /** 1 when the cooldown does not grow. */
  readonly backoffMultiplier: number;
  readonly maxCooldownMs: number;
  readonly maxProbes: number;
  readonly successThreshold: number;
  readonly maxWaitMs: number;
  readonly isFailure: ((error: unknown) => boolean) | undefined;
  readonly isResultFailure: ((result: unknown) => boolean) | undefined;
  readonly eagerHalfOpen: boolean;
  readonly initialState: unknown;
  readonly clock: Clock;
  readonly name: string | undefined;
}

const OPTIONS = [
  'failureThreshold',
  'window',
  'slowCall',
  'cooldown',
  'cooldownBackoff',
  'halfOpen',
  'isFailure',
  'isResultFailure',
  'eagerHalfOpen',
  'initialState',
  'clock',
  'name',
] as const;

/** Validates `circuitBreaker()` options; errors name the option, e.g. `circuitBreaker.halfOpen.maxProbes`. */
export function parseBreakerOptions(options: CircuitBreakerOptions | undefined): BreakerConfig {
  const o = optionsObject('circuitBreaker', options);
  rejectUnknown('circuitBreaker', o, OPTIONS);
  const clock = clockOr('circuitBreaker.clock', o.clock);
  const cooldownMs = durationOr('circuitBreaker.cooldown', o.cooldown, 30_000);
  const slow = slowCall(o.slowCall, o.window !== undefined);
  return {
    strategy: strategy(o, slow.rateThreshold, clock),
    slowCallMs: slow.durationMs,
    cooldownMs,
    ...cooldownBackoff(o.cooldownBackoff, cooldownMs),
    ...halfOpen(o.halfOpen),
    isFailure: functionOr('circuitBreaker.isFailure', o.isFailure, undefined),
    isResultFailure: functionOr('circuitBreaker.isResultFailure', o.isResultFailure, undefined),
    eagerHalfOpen: booleanOr('circuitBreaker.eagerHalfOpen', o.eagerHalfOpen, false),
    initialState: o.initialState,
    clock,
    name: nameOr('circuitBreaker.name', o.name),
  };
}

function strategy(o: CircuitBreakerOptions, slowRate: number, clock: Clock): TripStrategy {
  if (o.window === undefined) {
    return new ConsecutiveFailures(
      integerOr('circuitBreaker.failureThreshold', o.failureThreshold, 5, 1),
    );
  }
  if (o.failureThreshold !== undefined) {
    throw new InvalidOptionError(
      'circuitBreaker.failureThreshold',
      'counts failures in a row and cannot be combined with `window` (use window.failureRateThreshold)',
    );
  }
  const w = section('circuitBreaker.window', o.window);
  if (w.type === undefined) {
    throw new InvalidOptionError('circuitBreaker.window.type', 'required: "count" or "time"');
  }
  const type = oneOf('circuitBreaker.window.type', w.type, ['count', 'time'], 'count');
  return type === 'count' ? countWindow(w, slowRate) : timeWindow(w, slowRate, clock);
}

function countWindow(w: Record<string, unknown>, slowRate: number): TripStrategy {
  rejectUnknown('circuitBreaker.window', w, [
    'type',
    'size',
    'minimumCalls',
    'failureRateThreshold',
  ]);
  const size = atMost(
    'circuitBreaker.window.size',
    integerOr('circuitBreaker.window.size', w.size, 100, 1),
    1_000_000,
  );
  const minimumCalls = integerOr('circuitBreaker.window.minimumCalls', w.minimumCalls, size, 1);
  if (minimumCalls > size) {
    throw new InvalidOptionError(
      'circuitBreaker.window.minimumCalls',
      `${minimumCalls} can never be reached in a window of ${size} calls`,
    );
  }
  const failureRateThreshold = failureRate(w.failureRateThreshold);
  return new CountWindow({
    size,
    minimumCalls,
    failureRateThreshold,
    slowCallRateThreshold: slowRate,
  });
}

function timeWindow(w: Record<string, unknown>, slowRate: number, clock: Clock): TripStrategy {
  const keys = ['type', 'duration', 'buckets', 'minimumCalls', 'failureRateThreshold'];
  rejectUnknown('circuitBreaker.window', w, keys);
  return new TimeWindow({
    durationMs: positiveDuration('circuitBreaker.window.duration', w.duration, 60_000),
    buckets: atMost(
      'circuitBreaker.window.buckets',
      integerOr('circuitBreaker.window.buckets', w.buckets, 10, 1),
      10_000,
    ),
    minimumCalls: integerOr('circuitBreaker.window.minimumCalls', w.minimumCalls, 100, 1),
    failureRateThreshold: failureRate(w.failureRateThreshold),
    slowCallRateThreshold: slowRate,
    clock,
  });
}

function slowCall(
  value: unknown,
  windowed: boolean,
): { durationMs: number; rateThreshold: number } {
  if (value === undefined) return { durationMs: Infinity, rateThreshold: Infinity };
  const s = section('circuitBreaker.slowCall', value);
  rejectUnknown('circuitBreaker.slowCall', s, ['duration', 'rateThreshold']);
  const durationMs = durationOr('circuitBreaker.slowCall.duration', s.duration, 60_000);
  if (!windowed && s.rateThreshold !== undefined) {
    throw new InvalidOptionError(
      'circuitBreaker.slowCall.rateThreshold',
      'applies only with a `window`; in consecutive mode each slow call counts toward failureThreshold',
    );
  }
  const rate = windowed
    ? positiveRatio('circuitBreaker.slowCall.rateThreshold', s.rateThreshold, 1)
    : Infinity;
  return { durationMs, rateThreshold: rate };
}

function cooldownBackoff(value: unknown, cooldownMs: number) {
  if (value === undefined) return { backoffMultiplier: 1, maxCooldownMs: cooldownMs };
  const b = section('circuitBreaker.cooldownBackoff', value);
  rejectUnknown('circuitBreaker.cooldownBackoff', b, ['multiplier', 'max']);
  const backoffMultiplier = numberOr(
    'circuitBreaker.cooldownBackoff.multiplier',
    b.multiplier,
    2,
    1,
  );
  const maxCooldownMs = durationOr('circuitBreaker.cooldownBackoff.max', b.max, 10 * cooldownMs);
  if (maxCooldownMs < cooldownMs) {
    throw new InvalidOptionError(
      'circuitBreaker.cooldownBackoff.max',
      `${maxCooldownMs} ms is shorter than the cooldown (${cooldownMs} ms)`,
    );
  }
  return { backoffMultiplier, maxCooldownMs };
}

function halfOpen(value: unknown) {
  const h = section('circuitBreaker.halfOpen', value);
  rejectUnknown('circuitBreaker.halfOpen', h, ['maxProbes', 'successThreshold', 'maxWait']);
  return {
    maxProbes: integerOr('circuitBreaker.halfOpen.maxProbes', h.maxProbes, 1, 1),
    successThreshold: integerOr(
      'circuitBreaker.halfOpen.successThreshold',
      h.successThreshold,
      2,
      1,
    ),
    maxWaitMs: positiveDuration('circuitBreaker.halfOpen.maxWait', h.maxWait, 60_000),
  };
}

/** A nested options object (`window`, `slowCall`, …); `undefined` reads as `{}`. */
function section(option: string, value: unknown): Record<string, unknown> {
  return optionsObject(option, value as Record<string, unknown> | undefined);
}

function failureRate(value: unknown): number {
  return positiveRatio('circuitBreaker.window.failureRateThreshold', value, 0.5);
}

/** A ratio in (0, 1]: a threshold of 0 would trip on a window with no failures at all. */
function positiveRatio(option: string, value: unknown, fallback: number): number {
  const ratio = ratioOr(option, value, fallback);
  if (ratio === 0)
    throw new InvalidOptionError(option, 'expected a ratio above 0 and at most 1, got 0');
  return ratio;
}

function positiveDuration(option: string, value: unknown, fallback: number): number {
  const ms = durationOr(option, value, fallback);
  if (ms === 0) throw new InvalidOptionError(option, 'expected a duration above 0');
  return ms;
}

/** Windows are allocated up front, so their size is capped. */
function atMost(option: string, value: number, max: number): number {
  if (value > max) throw new InvalidOptionError(option, `expected at most ${max}, got ${value}`);
  return value;
}

function booleanOr(option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    throw new InvalidOptionError(option, `expected true or false, got ${describe(value)}`);
  }
  return value;
}

function nameOr(option: string, value: unknown): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  throw new InvalidOptionError(option, `expected a string, got ${describe(value)}`);
}

function clockOr(option: string, value: unknown): Clock {
  if (value === undefined) return systemClock;
  if (isClock(value)) return value;
  throw new InvalidOptionError(
    option,
    `expected a Clock (now, setTimeout, clearTimeout), got ${describe(value)}`,
  );
}

function isClock(value: unknown): value is Clock {
  return (
    typeof value === 'object' &&
    value !== null &&
    'now' in value &&
    typeof value.now === 'function' &&
    'setTimeout' in value &&
    typeof value.setTimeout === 'function' &&
    'clearTimeout' in value &&
    typeof value.clearTimeout === 'function'
  );
}
