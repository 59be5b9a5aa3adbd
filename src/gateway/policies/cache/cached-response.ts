/** A stored response, as `ResponseCache.lookup` returns it. Times are the cache clock's ms. */
export interface CachedResponse {
  readonly status: number;
  /** End-to-end response headers as stored (hop-by-hop headers and `Age` removed). */
  readonly headers: readonly (readonly [name: string, value: string])[];
  readonly body: Buffer;
  /** When the response was generated (the upstream's `Age` already subtracted). */
  readonly storedAt: number;
  readonly expiresAt: number;
}

/**
 * The `Age` header value for `entry` at `now` (whole seconds, RFC 9111 §5.1).
 *
 * @example
 * res.setHeader('Age', ageSeconds(entry, clock.now()));
 */
export function ageSeconds(entry: CachedResponse, now: number): number {
  return Math.max(0, Math.floor((now - entry.storedAt) / 1000));
}

/** Headers never stored: hop-by-hop (RFC 9110 §7.6.1) and `Age`, which the cache recomputes. */
const NOT_STORED = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'age',
]);

/** `headers` without the ones a cache must not replay, names lower-cased. */
export function storableHeaders(
  headers: readonly (readonly [string, string])[],
): [name: string, value: string][] {
  const out: [string, string][] = [];
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if (!NOT_STORED.has(lower)) out.push([lower, value]);
  }
  return out;
}

/** Approximate bytes an entry holds in memory: body, header text, key, and a fixed overhead. */
export function entryBytes(key: string, entry: CachedResponse): number {
  let bytes = 128 + key.length * 2 + entry.body.length;
  for (const [name, value] of entry.headers) bytes += 32 + (name.length + value.length) * 2;
  return bytes;
}
