/** Reading server-requested waits: `Retry-After` headers and `retryAfterMs` on errors. */

/**
 * Reads a server-requested wait (ms) from an outcome: `retryAfterMs` on errors (our
 * `BrokenCircuitError` and `RateLimitedError` carry it), or a `Retry-After` header (seconds or
 * HTTP date) on a fetch `Response`-like `{ headers: { get() } }` or a plain `{ headers: {...} }`.
 *
 * @example
 * retryAfterOf({ headers: { 'retry-after': '2' } }); // 2000
 */
export function retryAfterOf(outcome: unknown, nowMs = Date.now()): number | undefined {
  if (typeof outcome !== 'object' || outcome === null) return undefined;
  const ms = (outcome as { retryAfterMs?: unknown }).retryAfterMs;
  if (typeof ms === 'number') return ms >= 0 ? ms : undefined;
  const header = headerValue((outcome as { headers?: unknown }).headers);
  return header === undefined ? undefined : parseRetryAfter(header, nowMs);
}

/**
 * Parses a `Retry-After` value: delay-seconds (`"120"`) or an HTTP date, which is read against the
 * wall clock `nowMs` (a date in the past means 0). Anything else gives `undefined`.
 *
 * @example
 * const now = Date.parse('Wed, 21 Oct 2015 07:27:00 GMT');
 * parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', now); // 60000
 */
export function parseRetryAfter(value: string, nowMs = Date.now()): number | undefined {
  const text = value.trim();
  if (SECONDS.test(text)) return Number(text) * 1000;
  if (!HTTP_DATE.test(text)) return undefined; // Date.parse would read "-3" as a year
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

const SECONDS = /^\d+(?:\.\d+)?$/;
/** All three HTTP-date forms (IMF-fixdate, RFC 850, asctime) start with a day name. */
const HTTP_DATE = /^[A-Za-z]{3}/;

function headerValue(headers: unknown): string | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  const get = (headers as { get?: unknown }).get;
  if (typeof get === 'function') return stringOf(get.call(headers, 'retry-after'));
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() === 'retry-after')
      return stringOf((headers as Record<string, unknown>)[key]);
  }
  return undefined;
}

function stringOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return Array.isArray(value) ? stringOf(value[0]) : undefined;
}
