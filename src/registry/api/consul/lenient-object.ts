import { BadRequestError, clip, hasControlCharacters } from '../api-errors.js';
import { parseGoDuration } from './go-duration.js';

/** Longest name, ID, address or tag accepted (Consul sets none; unbounded input is a DoS lever). */
export const MAX_NAME = 256;

/**
 * A JSON object read the way Consul reads request bodies: keys match case-insensitively and with
 * or without underscores (`Port`, `port`, `DeregisterCriticalServiceAfter`,
 * `deregister_critical_service_after`), `null` counts as absent, unknown keys are ignored (as
 * Consul's decoder does, so newer clients keep working). Every typed getter throws a
 * `BadRequestError` naming the field's full path, e.g. `Checks[1].Interval: ...`.
 */
export class LenientObject {
  readonly #values = new Map<string, unknown>();

  private constructor(
    readonly path: string,
    source: Record<string, unknown>,
  ) {
    const seen = new Map<string, string>();
    for (const key of Object.keys(source)) {
      const norm = normalizeKey(key);
      const earlier = seen.get(norm);
      if (earlier !== undefined) {
        throw new BadRequestError(`${this.field(key)}: given twice (as "${earlier}" and "${key}")`);
      }
      seen.set(norm, key);
      this.#values.set(norm, source[key]);
    }
  }

  /** Wraps `value`, which must be a JSON object (not an array, not null). */
  static from(path: string, value: unknown): LenientObject {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new BadRequestError(
        `${path || 'Request body'}: expected a JSON object, got ${describe(value)}`,
      );
    }
    return new LenientObject(path, value as Record<string, unknown>);
  }

  /** The full path of field `name`, for messages. */
  field(name: string): string {
    return this.path ? `${this.path}.${name}` : name;
  }

  /** The raw value, or undefined when absent or null. */
  raw(name: string): unknown {
    const value = this.#values.get(normalizeKey(name));
    return value === null ? undefined : value;
  }

  has(name: string): boolean {
    return this.raw(name) !== undefined;
  }

  string(name: string, max = MAX_NAME): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') this.#wrong(name, 'a string', value);
    if (value.length > max) {
      throw new BadRequestError(
        `${this.field(name)}: too long (${value.length} > ${max} characters)`,
      );
    }
    return value;
  }

  /** A name or ID: non-empty when given, no control characters, at most `MAX_NAME` long. */
  identifier(name: string): string | undefined {
    const value = this.string(name);
    if (value === undefined || value === '') return undefined;
    if (hasControlCharacters(value)) {
      throw new BadRequestError(`${this.field(name)}: must not contain control characters`);
    }
    return value;
  }

  integer(name: string, min: number, max: number): number | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.#wrong(name, `an integer from ${min} to ${max}`, value);
    }
    return value;
  }

  boolean(name: string): boolean | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') this.#wrong(name, 'true or false', value);
    return value;
  }

  stringArray(name: string, maxItems = 256): string[] | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) this.#wrong(name, 'an array of strings', value);
    if (value.length > maxItems) {
      throw new BadRequestError(
        `${this.field(name)}: too many items (${value.length} > ${maxItems})`,
      );
    }
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item !== 'string') this.#wrong(`${name}[${i}]`, 'a string', item);
      if (item.length > MAX_NAME || hasControlCharacters(item)) {
        throw new BadRequestError(
          `${this.field(`${name}[${i}]`)}: too long or has control characters`,
        );
      }
    }
    return value as string[];
  }

  /** An object of string values (Consul `Meta`), built without a prototype-setting `__proto__`. */
  stringMap(name: string): Record<string, string> | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) this.#wrong(name, 'an object', value);
    const entries = Object.entries(value as Record<string, unknown>);
    for (const [key, item] of entries) {
      if (typeof item !== 'string') this.#wrong(`${name}.${clip(key, 40)}`, 'a string', item);
    }
    return Object.fromEntries(entries) as Record<string, string>;
  }

  /** An HTTP header map (`{"X-A": ["1"]}`); a single string is taken as a one-item list. */
  headerMap(name: string): Record<string, string[]> | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) this.#wrong(name, 'an object', value);
    const out: [string, string[]][] = [];
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      const list = typeof item === 'string' ? [item] : item;
      if (!Array.isArray(list) || !list.every((v) => typeof v === 'string')) {
        this.#wrong(`${name}.${clip(key, 40)}`, 'a list of strings', item);
      }
      out.push([key, list]);
    }
    return Object.fromEntries(out);
  }

  /** A duration in ms: a Go duration string (`"10s"`, `"1m30s"`) or, as Consul, a number of ns. */
  duration(name: string): number | undefined {
    const value = this.raw(name);
    if (value === undefined || value === '') return undefined;
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value / 1e6;
    const ms = typeof value === 'string' ? parseGoDuration(value.trim()) : undefined;
    if (ms === undefined) this.#wrong(name, 'a duration such as "10s" or "1m30s"', value);
    return ms;
  }

  object(name: string): LenientObject | undefined {
    const value = this.raw(name);
    return value === undefined ? undefined : LenientObject.from(this.field(name), value);
  }

  objectArray(name: string, maxItems = 64): LenientObject[] | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) this.#wrong(name, 'an array of objects', value);
    if (value.length > maxItems) {
      throw new BadRequestError(
        `${this.field(name)}: too many items (${value.length} > ${maxItems})`,
      );
    }
    return value.map((item, i) => LenientObject.from(`${this.field(name)}[${i}]`, item));
  }

  #wrong(name: string, expected: string, value: unknown): never {
    throw new BadRequestError(`${this.field(name)}: expected ${expected}, got ${describe(value)}`);
  }
}

/** `Deregister_Critical_Service_After` → `deregistercriticalserviceafter`. */
export function normalizeKey(key: string): string {
  return key.replaceAll('_', '').toLowerCase();
}

/** A short description of a JSON value for an error message: `string "80"`, `an array`. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `string ${JSON.stringify(clip(value, 40))}`;
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${value}`;
  return typeof value;
}
