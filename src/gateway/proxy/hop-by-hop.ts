/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection and are never forwarded, plus
 * the ones the proxy owns on each side. Keys are lower-case; header names from `rawHeaders` are
 * lower-cased before the lookup only when their length matches one of these (cheap pre-filter).
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Headers the gateway sets itself on the upstream request; a client's copies are dropped. */
const OWNED_UPSTREAM = new Set([
  'host',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-request-id',
  'traceparent',
  'expect',
  'forwarded',
]);

const LENGTHS = new Set([...HOP_BY_HOP, ...OWNED_UPSTREAM].map((h) => h.length));
const RESPONSE_LENGTHS = new Set([...HOP_BY_HOP].map((h) => h.length));

/** True when `name` (any case) must not be copied from the client request to the upstream. */
export function isDroppedRequestHeader(name: string): boolean {
  if (!LENGTHS.has(name.length)) return false;
  const lower = name.toLowerCase();
  return HOP_BY_HOP.has(lower) || OWNED_UPSTREAM.has(lower);
}

/** True when `name` (lower-case) must not be copied from the upstream response to the client. */
export function isDroppedResponseHeader(lower: string): boolean {
  return RESPONSE_LENGTHS.has(lower.length) && HOP_BY_HOP.has(lower);
}

/**
 * Extra per-connection headers named in a `Connection` header value (`Connection: close, X-Foo`),
 * lower-cased, or `undefined` when it names none beyond the standard tokens.
 */
export function connectionTokens(value: string | undefined): Set<string> | undefined {
  // hot path: the common values name nothing extra; skip the split.
  if (value === undefined || value === 'keep-alive' || value === 'close') return undefined;
  let extra: Set<string> | undefined;
  for (const raw of value.split(',')) {
    const token = raw.trim().toLowerCase();
    if (token === '' || token === 'close' || token === 'keep-alive' || token === 'upgrade')
      continue;
    (extra ??= new Set()).add(token);
  }
  return extra;
}
