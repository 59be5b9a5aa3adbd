import { parseDuration } from '../core/index.js';
import { invalidOption } from './client-errors.js';

/**
 * Option checks shared by the SDK's factories. Every problem throws `SY_CLIENT_INVALID_OPTION`
 * naming the exact path (`registerSelf.check.ttl`), and unknown keys are rejected, so a typo never
 * silently means "default".
 */

/** `value` as an options object (undefined → `{}`); rejects keys outside `known`. */
export function objectOption<T extends object>(
  option: string,
  value: T | undefined,
  known: readonly string[],
): Partial<T> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidOption(option, `expected an object, got ${describe(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw invalidOption(`${option}.${key}`, `unknown option (known: ${known.join(', ')})`);
    }
  }
  return value;
}

/** A duration in ms (`'10s'`, `250`), or `fallback` when undefined; must be ≥ `min`. */
export function durationOption(option: string, value: unknown, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  let ms: number;
  try {
    ms = parseDuration(option, value);
  } catch {
    throw invalidOption(option, `expected a duration such as "10s" or 250, got ${describe(value)}`);
  }
  if (ms < min) throw invalidOption(option, `must be at least ${min} ms, got ${ms} ms`);
  return ms;
}

/** An integer in [min, max], or `fallback` when undefined. */
export function integerOption(
  option: string,
  value: unknown,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidOption(option, `expected an integer in [${min}, ${max}], got ${describe(value)}`);
  }
  return value;
}

/** A non-empty string without control characters, or `fallback` when undefined. */
export function stringOption<F extends string | undefined>(
  option: string,
  value: unknown,
  fallback: F,
): string | F {
  if (value === undefined) return fallback;
  // eslint-disable-next-line no-control-regex
  if (typeof value !== 'string' || value === '' || /[\u0000-\u001f\u007f]/.test(value)) {
    throw invalidOption(option, `expected a non-empty string, got ${describe(value)}`);
  }
  return value;
}

/** A boolean, or `fallback` when undefined. */
export function booleanOption(option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalidOption(option, `expected a boolean`);
  return value;
}

/** A list of non-empty strings (tags), or `[]` when undefined. */
export function stringListOption(option: string, value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalidOption(option, `expected an array of strings`);
  return value.map((v: unknown, i) => stringOption(`${option}[${i}]`, v, undefined) as string);
}

/** A string → string map (meta), or `{}` when undefined. */
export function stringMapOption(option: string, value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidOption(option, `expected an object of strings`);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw invalidOption(`${option}.${k}`, `expected a string`);
    out[k] = v;
  }
  return out;
}

/** A short, readable description of a bad value for error messages. */
export function describe(value: unknown): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}
