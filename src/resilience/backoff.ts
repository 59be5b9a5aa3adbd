import { InvalidOptionError } from './errors.js';
import {
  durationOr,
  numberOr,
  oneOf,
  optionsObject,
  parseDuration,
  rejectUnknown,
  type Duration,
} from './options.js';

/**
 * Backoffs decide how long `retry` waits before each retry. They are immutable and pure: the delay
 * depends only on the `BackoffInput` (including its random source), so a seeded random gives a
 * reproducible sequence and one backoff can be shared by any number of policies and calls.
 */

/** Uniform numbers in [0, 1), like `Math.random`; inject a seeded one for reproducible delays. */
export type RandomSource = () => number;

/** What a backoff is told when asked for a delay. */
export interface BackoffInput {
  /** 1 for the wait before the first retry (attempt 2), 2 before the second, and so on. */
  readonly retry: number;
  /** What this backoff returned for the previous retry of the same call; 0 before the first. */
  readonly previousMs: number;
  /** Uniform in [0, 1). `retry` passes its own `random` option here. */
  readonly random: RandomSource;
}

/**
 * How long to wait before a retry, in milliseconds. Implement it to plug in your own schedule.
 *
 * @example
 * const linear: Backoff = { next: ({ retry }) => retry * 250 };
 * retry({ backoff: linear });
 */
export interface Backoff {
  next(input: BackoffInput): number;
}

/** A backoff that always waits the same time. */
export interface ConstantBackoff extends Backoff {
  readonly kind: 'constant';
  readonly delayMs: number;
}

/**
 * Waits `delay` before every retry.
 *
 * @example
 * retry({ maxAttempts: 5, backoff: constantBackoff('250ms') });
 */
export function constantBackoff(delay: Duration): ConstantBackoff {
  const delayMs = parseDuration('constantBackoff.delay', delay);
  return Object.freeze({ kind: 'constant', delayMs, next: () => delayMs });
}

/** How `exponentialBackoff` randomizes each delay (see its doc for the formulas). */
export type Jitter = 'none' | 'full' | 'equal' | 'decorrelated';
const JITTERS: readonly Jitter[] = ['none', 'full', 'equal', 'decorrelated'];

/** Options for `exponentialBackoff()`; every one is optional. */
export interface ExponentialBackoffOptions {
  /** Base delay before the first retry. Default `100ms`. */
  initial?: Duration;
  /** Growth factor per retry, >= 1. Default 2. Not used by `decorrelated` jitter (AWS's 3). */
  multiplier?: number;
  /** Cap on every delay. Default `10s`; must be >= `initial`. */
  max?: Duration;
  /** How to randomize: `none`, `full` (default), `equal` or `decorrelated`. */
  jitter?: Jitter;
}

/** An exponential backoff; its settings are exposed read-only for logs and docs. */
export interface ExponentialBackoff extends Backoff {
  readonly kind: 'exponential';
  readonly initialMs: number;
  readonly multiplier: number;
  readonly maxMs: number;
  readonly jitter: Jitter;
}

/** Largest multiplier we accept; beyond it the second retry already waits `max`. */
const MAX_MULTIPLIER = 1000;

/**
 * Exponential backoff capped at `max`. With d = min(max, initial × multiplier^(retry − 1)):
 * `none` waits d; `full` waits random in [0, d); `equal` waits d/2 + random in [0, d/2);
 * `decorrelated` (AWS) waits min(max, random in [initial, 3 × previous)), ignoring `multiplier`.
 * The exponent is clamped where the cap is reached, so retry 10 000 is as finite as retry 10.
 *
 * @example
 * retry({ backoff: exponentialBackoff({ initial: '200ms', max: '5s', jitter: 'decorrelated' }) });
 */
export function exponentialBackoff(options?: ExponentialBackoffOptions): ExponentialBackoff {
  const o = optionsObject('exponentialBackoff', options);
  rejectUnknown('exponentialBackoff', o, ['initial', 'multiplier', 'max', 'jitter']);
  const initialMs = durationOr('exponentialBackoff.initial', o.initial, 100);
  const multiplier = numberOr('exponentialBackoff.multiplier', o.multiplier, 2, 1, MAX_MULTIPLIER);
  const maxMs = durationOr('exponentialBackoff.max', o.max, Math.max(10_000, initialMs));
  if (maxMs < initialMs) {
    throw new InvalidOptionError('exponentialBackoff.max', `must be >= initial (${initialMs} ms)`);
  }
  const jitter = oneOf('exponentialBackoff.jitter', o.jitter, JITTERS, 'full');
  const next = nextFor(jitter, initialMs, multiplier, maxMs);
  return Object.freeze({ kind: 'exponential', initialMs, multiplier, maxMs, jitter, next });
}

function nextFor(jitter: Jitter, initialMs: number, multiplier: number, maxMs: number) {
  if (jitter === 'decorrelated') {
    return ({ previousMs, random }: BackoffInput): number => {
      // `>` is false for NaN, so a bogus previous value restarts the sequence instead of spreading.
      const prev = previousMs > initialMs ? Math.min(previousMs, maxMs) : initialMs;
      return Math.min(maxMs, initialMs + random() * (prev * 3 - initialMs));
    };
  }
  const cap = capExponent(initialMs, multiplier, maxMs);
  const ceiling = ({ retry }: BackoffInput): number =>
    Math.min(maxMs, initialMs * multiplier ** (retry > 1 ? Math.min(retry - 1, cap) : 0));
  if (jitter === 'none') return ceiling;
  if (jitter === 'full') return (input: BackoffInput) => input.random() * ceiling(input);
  return (input: BackoffInput) => {
    const half = ceiling(input) / 2;
    return half + input.random() * half;
  };
}

/** The exponent at which `initial × multiplier^e` reaches `max`; larger ones change nothing. */
function capExponent(initialMs: number, multiplier: number, maxMs: number): number {
  if (initialMs === 0 || multiplier === 1) return 0;
  return Math.ceil(Math.log(maxMs / initialMs) / Math.log(multiplier));
}
