/**
 * The small value types every section shares: durations, sizes, listen addresses, URLs, header
 * names, host names, paths. Each is a zod schema whose *input* is what YAML may say (the JSON
 * Schema publishes that) and whose *output* is the parsed value (ms, bytes, `{ host, port }`).
 */
import { z } from 'zod';
import { parseDuration } from '../../../core/index.js';
import { DEFAULTS } from '../defaults.js';

/** setTimeout's limit: longer timers fire at once (Node warns and uses 1 ms). */
const MAX_TIMER_MS = 2 ** 31 - 1;
const DURATION_PATTERN = /^\d+(\.\d+)?(ms|s|m|h)$/;
const SIZE_PATTERN = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)$/i;
const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** Adds a JSON Schema `default` and makes the key optional (`normalize` fills it in). */
export function withDefault<T extends z.ZodType>(schema: T, value: unknown) {
  return schema.meta({ ...z.globalRegistry.get(schema), default: value }).optional();
}

/**
 * A duration: milliseconds as a number, or `"250ms"`, `"5s"`, `"1.5m"`, `"1h"`; parses to ms.
 * `positive` refuses 0 (for timeouts and intervals, where 0 would mean "fire at once").
 */
export function duration(options: { positive?: boolean } = {}) {
  const what = options.positive ? 'a positive duration' : 'a duration';
  return z
    .union(
      [
        z.number().min(0),
        z.string().regex(DURATION_PATTERN, {
          error: `expected ${what} like "250ms", "5s", "1m" or "1h"`,
        }),
      ],
      { error: `expected ${what}: milliseconds, or a string like "250ms", "5s", "1m", "1h"` },
    )
    .transform((value, ctx) => {
      const ms = parseDuration('duration', value);
      if (options.positive && ms === 0) {
        ctx.addIssue({ code: 'custom', message: 'must be greater than 0', input: value });
      } else if (ms > MAX_TIMER_MS) {
        ctx.addIssue({
          code: 'custom',
          message: `must be at most ${MAX_TIMER_MS} ms (about 24 days, the timer limit)`,
          input: value,
        });
      }
      return ms;
    });
}

/** A size: bytes as a number, or `"512b"`, `"16kb"`, `"10mb"`, `"1gb"` (1024-based); to bytes. */
export function size() {
  return z
    .union(
      [
        z.int().min(0),
        z.string().regex(SIZE_PATTERN, { error: 'expected a size like "16kb", "10mb" or "1gb"' }),
      ],
      { error: 'expected a size: bytes, or a string like "16kb", "10mb", "1gb"' },
    )
    .transform((value) => {
      if (typeof value === 'number') return value;
      const m = SIZE_PATTERN.exec(value)!;
      return Math.floor(Number(m[1]) * SIZE_UNITS[m[2]!.toLowerCase()]!);
    });
}

const LISTEN_PATTERN = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]*)):(\d{1,5})$/;

/** A host and port to listen on. */
export interface Address {
  host: string;
  port: number;
}

/**
 * A listen address: `"host:port"`, `"[::1]:port"`, `":port"` or a port number. Without a host
 * it listens on loopback (127.0.0.1): exposing a port is a decision to write down.
 */
export function listenAddress() {
  return z
    .union(
      [
        z.int().min(0).max(65535),
        z.string().regex(LISTEN_PATTERN, {
          error: 'expected "host:port" (e.g. 127.0.0.1:8080), ":port" or a port number',
        }),
      ],
      { error: 'expected "host:port" (e.g. 127.0.0.1:8080), ":port" or a port number' },
    )
    .transform((value, ctx): Address => {
      if (typeof value === 'number') return { host: DEFAULTS.host, port: value };
      const m = LISTEN_PATTERN.exec(value)!;
      const port = Number(m[3]);
      if (port > 65535) {
        ctx.addIssue({
          code: 'custom',
          message: `port ${port} is out of range 0..65535`,
          input: value,
        });
      }
      return { host: m[1] ?? (m[2] || DEFAULTS.host), port };
    });
}

/** An absolute `http:` or `https:` URL. */
export function httpUrl(what: string) {
  return z.url({
    protocol: /^https?$/,
    error: `expected an http(s) URL for ${what}, like http://127.0.0.1:8002`,
  });
}

/** An upstream origin: an http(s) URL with no path, query, fragment or credentials. */
export function originUrl() {
  return httpUrl('an upstream target').superRefine((value, ctx) => {
    const u = new URL(value);
    const extra =
      u.username || u.password
        ? 'credentials'
        : u.pathname !== '/'
          ? `a path ("${u.pathname}"; use the route's rewrite or stripPrefix)`
          : u.search
            ? 'a query'
            : u.hash
              ? 'a fragment'
              : undefined;
    if (extra) {
      ctx.addIssue({
        code: 'custom',
        message: `a target URL is an origin (scheme://host:port) and may not have ${extra}`,
        input: value,
      });
    }
  });
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** An HTTP header (field) name: an RFC 9110 token. */
export function headerName() {
  return z.string().regex(TOKEN, { error: 'expected an HTTP header name (letters, digits, -)' });
}

/** A header value; YAML numbers and booleans (`X-Canary: true`) are taken as their text. */
export function headerValue() {
  return z
    .union([z.string(), z.number(), z.boolean()], {
      error: 'expected a header value (a string)',
    })
    .transform((v) => String(v))
    .refine((v) => !/[\r\n\0]/.test(v), {
      error: 'a header value may not contain CR, LF or NUL',
    });
}

const HOST =
  /^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/** A host name to match: `api.example.com` or a leading wildcard `*.example.com`, no port. */
export function hostPattern() {
  return z.string().regex(HOST, {
    error: 'expected a host name like api.example.com or *.example.com (no port, no scheme)',
  });
}

/** A regular expression (JavaScript syntax), checked by compiling it. */
export function regex() {
  return z.string().superRefine((value, ctx) => {
    try {
      new RegExp(value);
    } catch (error) {
      ctx.addIssue({
        code: 'custom',
        message: `invalid regular expression: ${(error as Error).message}`,
        input: value,
      });
    }
  });
}

/** One value or a list of them; the output is always a list. */
export function oneOrMany<T extends z.ZodType>(item: T) {
  return z
    .union([item, z.array(item).min(1)])
    .transform((v) => (Array.isArray(v) ? v : [v]) as z.output<T>[]);
}

/** Marks a secret: redacted by `redactConfig`, `writeOnly` in the JSON Schema. */
export function secret<T extends z.ZodType>(schema: T) {
  return schema.meta({ writeOnly: true, 'x-secret': true });
}
