/**
 * RFC 9111 freshness rules the gateway's shared cache needs: which responses it may store, for how
 * long, and when a request asks it not to answer from the cache. Only what a shared cache without
 * revalidation needs; anything it cannot honour (response `no-cache`, `Vary: *`) means "do not store".
 */

/** A header bag as Node gives it (`IncomingHttpHeaders`, `OutgoingHttpHeaders`): lower-case names. */
export type HeaderBag = Readonly<Record<string, string | readonly string[] | number | undefined>>;

/** Statuses a cache may store without explicit freshness (RFC 9111 §4.2.2, heuristically cacheable). */
export const CACHEABLE_STATUSES: ReadonlySet<number> = new Set([200, 203, 204, 300, 301, 404, 410]);

/** One header's value as a single string (lists joined with `, `), or `undefined`. */
export function headerValue(headers: HeaderBag, name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return value.join(', ');
}

/**
 * Parsed `Cache-Control` directives: lower-case names; a value (quotes removed) or `''` for a bare
 * directive.
 *
 * @example
 * parseCacheControl('public, max-age=60').get('max-age'); // '60'
 */
export function parseCacheControl(value: string | undefined): Map<string, string> {
  const directives = new Map<string, string>();
  if (value === undefined) return directives;
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (name === '') continue;
    let arg = eq < 0 ? '' : part.slice(eq + 1).trim();
    if (arg.length >= 2 && arg.startsWith('"') && arg.endsWith('"')) arg = arg.slice(1, -1);
    // RFC 9111 §4.2.1: with duplicates, the first one counts.
    if (!directives.has(name)) directives.set(name, arg);
  }
  return directives;
}

/** A delta-seconds directive value, or `undefined` when absent or not a non-negative integer. */
function deltaSeconds(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}

/**
 * True when the request asks not to be answered from the cache: `Cache-Control: no-cache` or
 * `no-store`, or `Pragma: no-cache` without a `Cache-Control` (RFC 9111 §5.4).
 *
 * @example
 * bypassesCache({ 'cache-control': 'no-cache' }); // true
 */
export function bypassesCache(requestHeaders: HeaderBag): boolean {
  const cc = headerValue(requestHeaders, 'cache-control');
  if (cc === undefined) return /\bno-cache\b/i.test(headerValue(requestHeaders, 'pragma') ?? '');
  const d = parseCacheControl(cc);
  return d.has('no-cache') || d.has('no-store');
}

/** Inputs of `storeTtlMs` besides the headers. */
export interface FreshnessPolicy {
  /** The route's TTL: used when the response gives none, and an upper bound when it does. */
  readonly ttlMs: number;
  /** Lower-case request header names that are part of the cache key. */
  readonly vary: ReadonlySet<string>;
}

/**
 * How long a shared cache may keep this response, in ms; `0` means "do not store". The route's
 * TTL is an upper bound: an `s-maxage` / `max-age` / `Expires` shorter than it wins (less any
 * `Age` the upstream already reported); a response without freshness information gets the TTL.
 *
 * Not stored: statuses outside `CACHEABLE_STATUSES`; a request with `Cache-Control: no-store`; a
 * request with `Authorization` unless the response says `public` or `s-maxage` (RFC 9111 §3.5);
 * a response with `no-store`, `private`, `no-cache` (this cache never revalidates), `Set-Cookie`,
 * `Vary: *` or a `Vary` naming a request header outside the key's `vary` list.
 *
 * @example
 * storeTtlMs({ ttlMs: 30_000, vary: new Set() }, {}, 200, { 'cache-control': 'max-age=10' }); // 10_000
 */
export function storeTtlMs(
  policy: FreshnessPolicy,
  requestHeaders: HeaderBag,
  status: number,
  responseHeaders: HeaderBag,
): number {
  if (!CACHEABLE_STATUSES.has(status) || !(policy.ttlMs > 0)) return 0;
  const req = parseCacheControl(headerValue(requestHeaders, 'cache-control'));
  if (req.has('no-store')) return 0;
  const res = parseCacheControl(headerValue(responseHeaders, 'cache-control'));
  if (res.has('no-store') || res.has('private') || res.has('no-cache')) return 0;
  if (requestHeaders.authorization !== undefined && !res.has('public') && !res.has('s-maxage')) {
    return 0;
  }
  if (responseHeaders['set-cookie'] !== undefined) return 0;
  const vary = headerValue(responseHeaders, 'vary');
  if (vary !== undefined) {
    for (const name of vary.split(',')) {
      const n = name.trim().toLowerCase();
      if (n !== '' && !policy.vary.has(n)) return 0; // includes `*`
    }
  }
  const lifetimeMs = explicitLifetimeMs(res, responseHeaders);
  const ttl =
    lifetimeMs === undefined
      ? policy.ttlMs
      : Math.min(policy.ttlMs, lifetimeMs - initialAgeMs(responseHeaders));
  return ttl > 0 ? ttl : 0;
}

/** The `Age` the upstream reported, in ms (0 when absent or malformed). */
export function initialAgeMs(responseHeaders: HeaderBag): number {
  return (deltaSeconds(headerValue(responseHeaders, 'age')?.trim()) ?? 0) * 1000;
}

/** `s-maxage`, else `max-age`, else `Expires − Date` (RFC 9111 §4.2.1), in ms. */
function explicitLifetimeMs(
  cc: Map<string, string>,
  responseHeaders: HeaderBag,
): number | undefined {
  const seconds = deltaSeconds(cc.get('s-maxage')) ?? deltaSeconds(cc.get('max-age'));
  if (seconds !== undefined) return seconds * 1000;
  if (cc.has('s-maxage') || cc.has('max-age')) return 0; // malformed: treat as stale
  const expires = headerValue(responseHeaders, 'expires');
  if (expires === undefined) return undefined;
  const at = Date.parse(expires);
  if (Number.isNaN(at)) return 0; // RFC 9111 §5.3: an invalid Expires (e.g. "0") is in the past
  const date = Date.parse(headerValue(responseHeaders, 'date') ?? '');
  return at - (Number.isNaN(date) ? Date.now() : date);
}
