import { createHash } from 'node:crypto';
import type { PolicyContext } from '../policy.js';
import { invalidOption } from './limiter-spec.js';

/** What a limit is counted per: `ip`, `consumer`, `header:NAME` or `claim:NAME`. */
export type RateLimitKeySpec = 'ip' | 'consumer' | `header:${string}` | `claim:${string}`;

/**
 * Reads a request's key; `undefined` means "no value" (header or claim missing, no consumer),
 * and such requests share one bucket, the limiter's global ("anonymous") one.
 */
export type RateLimitKeyFn = (ctx: PolicyContext) => string | undefined;

/** Keys longer than this are replaced by a hash, so a client's huge header cannot bloat memory. */
export const MAX_KEY_LENGTH = 200;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Compiles a key spec once per config snapshot into a reader.
 *
 * @example
 * const keyOf = rateLimitKey('header:X-API-Key');
 * keyOf(ctx); // the header's (first) value, or undefined
 */
export function rateLimitKey(spec: RateLimitKeySpec, option = 'rateLimit.key'): RateLimitKeyFn {
  if (spec === 'ip') return (ctx) => bounded(ctx.clientIp);
  if (spec === 'consumer') return (ctx) => bounded(ctx.consumer);
  if (typeof spec === 'string' && spec.startsWith('header:')) {
    const name = spec.slice(7).toLowerCase();
    if (!TOKEN.test(name))
      throw invalidOption(option, `bad header name in ${JSON.stringify(spec)}`);
    return (ctx) => {
      const value = ctx.req.headers[name];
      return bounded(Array.isArray(value) ? value[0] : value);
    };
  }
  if (typeof spec === 'string' && spec.startsWith('claim:') && spec.length > 6) {
    const claim = spec.slice(6);
    return (ctx) => {
      const value = ctx.claims?.[claim];
      // Only scalar claims name a client; an object or array would stringify ambiguously.
      return typeof value === 'string' || typeof value === 'number'
        ? bounded(String(value))
        : undefined;
    };
  }
  throw invalidOption(
    option,
    `expected ip, consumer, header:NAME or claim:NAME, got ${JSON.stringify(spec)}`,
  );
}

/** hot path: most keys pass through untouched; empty means "no value". */
function bounded(key: string | undefined): string | undefined {
  if (key === undefined || key.length === 0) return undefined;
  if (key.length <= MAX_KEY_LENGTH) return key;
  // NUL cannot occur in a header value or an IP, so a hashed key never equals a plain one.
  return `\0${createHash('sha256').update(key).digest('base64url')}`;
}
