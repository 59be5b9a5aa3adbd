import { InvalidOptionError } from './errors.js';

/** A duration: milliseconds as a number, or a string such as `250ms`, `2s`, `1.5m`, `1h`. */
export type Duration = number | string;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;

/** Parses a `Duration` to milliseconds; throws `InvalidOptionError` naming `option` if malformed. */
export function parseDuration(option: string, value: unknown): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) {
      throw new InvalidOptionError(
        option,
        `expected a non-negative duration, got ${String(value)}`,
      );
    }
    return value;
  }
  if (typeof value === 'string') {
    const m = DURATION.exec(value.trim());
    if (m) return Number(m[1]) * UNIT_MS[m[2]!]!;
  }
  throw new InvalidOptionError(
    option,
    `expected milliseconds or a string like "500ms", "2s", "1m", got ${describe(value)}`,
  );
}

/** An optional duration: `fallback` when undefined. */
export function durationOr(option: string, value: unknown, fallback: number): number {
  return value === undefined ? fallback : parseDuration(option, value);
}

export function integerOr(option: string, value: unknown, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new InvalidOptionError(option, `expected an integer >= ${min}, got ${describe(value)}`);
  }
  return value;
}

export function numberOr(
  option: string,
  value: unknown,
  fallback: number,
  min = 0,
  max = Infinity,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value < min || value > max) {
    const range = max === Infinity ? `>= ${min}` : `between ${min} and ${max}`;
    throw new InvalidOptionError(option, `expected a number ${range}, got ${describe(value)}`);
  }
  return value;
}

/** A ratio given either as 0..1 or as a percentage 0..100 is ambiguous; we accept 0..1 only. */
export function ratioOr(option: string, value: unknown, fallback: number): number {
  return numberOr(option, value, fallback, 0, 1);
}

export function functionOr<F>(option: string, value: unknown, fallback: F): F {
  if (value === undefined) return fallback;
  if (typeof value !== 'function') {
    throw new InvalidOptionError(option, `expected a function, got ${describe(value)}`);
  }
  return value as F;
}

export function oneOf<T extends string>(
  option: string,
  value: unknown,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw new InvalidOptionError(
      option,
      `expected one of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${describe(value)}`,
    );
  }
  return value as T;
}

/** Rejects option keys the factory does not know (a typo should not silently mean "default"). */
export function rejectUnknown(factory: string, options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new InvalidOptionError(
        `${factory}.${key}`,
        `unknown option (known: ${known.join(', ')})`,
      );
    }
  }
}

/** Ensures `options` is a plain object (or undefined, read as `{}`). */
export function optionsObject<T extends object>(
  factory: string,
  options: T | undefined,
): Partial<T> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidOptionError(factory, `expected an options object, got ${describe(options)}`);
  }
  return options;
}

export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}
