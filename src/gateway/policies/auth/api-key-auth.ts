import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestPolicy } from '../policy.js';
import { firstHeader, headerName, invalidOption, REALM, unauthorized } from './auth-answers.js';

export interface ApiKeyConsumer {
  readonly name: string;
  readonly keys: readonly string[];
}

export interface ApiKeyAuthOptions {
  readonly consumers: readonly ApiKeyConsumer[];
  /** Header holding the key. Default `x-api-key`. */
  readonly header?: string;
  /** Query parameter also accepted (the header wins), e.g. `apikey`. Off unless set. */
  readonly query?: string;
  /** Longer keys are refused unhashed. Default 1024. */
  readonly maxKeyLength?: number;
}

const CONSUMER_HEADER = 'x-consumer';
// RFC 7235 wants a challenge on every 401; API keys have no registered scheme, so Kong's `Key`.
const CHALLENGE = `Key realm="${REALM}"`;

/**
 * API-key authentication per consumer. Keys are kept only as SHA-256 digests; the request's key is
 * hashed and looked up by digest, then compared in constant time. Sets `ctx.consumer` and the
 * upstream `x-consumer` header (owned: a client's copy never reaches the upstream).
 *
 * @example
 * const auth = apiKeyAuth({ consumers: [{ name: 'partner-a', keys: [process.env.PARTNER_A_KEY!] }] });
 */
export function apiKeyAuth(options: ApiKeyAuthOptions): RequestPolicy {
  const header = headerName('apiKey.header', options.header ?? 'x-api-key');
  const query = options.query;
  if (query !== undefined && (typeof query !== 'string' || query === ''))
    throw invalidOption('apiKey.query', 'must be a non-empty parameter name');
  const maxKeyLength = options.maxKeyLength ?? 1024;
  // Digest (hex) → consumer. A map lookup by digest leaks nothing usable about the key: an attacker
  // cannot steer a SHA-256 prefix. The final timingSafeEqual is belt and braces.
  const byDigest = new Map<string, { digest: Buffer; consumer: string }>();
  if (options.consumers.length === 0)
    throw invalidOption('apiKey.consumers', 'needs at least one consumer');
  for (const c of options.consumers) {
    if (typeof c.name !== 'string' || !/^[\x21-\x7e]+$/.test(c.name))
      throw invalidOption('apiKey.consumers.name', `bad consumer name ${JSON.stringify(c.name)}`);
    for (const key of c.keys) {
      if (typeof key !== 'string' || key === '' || key.length > maxKeyLength)
        throw invalidOption(
          `apiKey.consumers.${c.name}.keys`,
          `keys must be 1..${maxKeyLength} chars`,
        );
      const digest = sha256(key);
      const hex = digest.toString('hex');
      if (byDigest.has(hex))
        throw invalidOption(`apiKey.consumers.${c.name}.keys`, 'a key is used twice');
      byDigest.set(hex, { digest, consumer: c.name });
    }
  }

  return {
    name: 'api-key-auth',
    ownedHeaders: [CONSUMER_HEADER],
    apply(ctx) {
      const key = firstHeader(ctx.req.headers[header]) ?? fromQuery(ctx.req.url, query);
      if (key === undefined || key === '') return unauthorized('Missing API key', CHALLENGE);
      if (key.length > maxKeyLength) return unauthorized('Invalid API key', CHALLENGE);
      const digest = sha256(key);
      const entry = byDigest.get(digest.toString('hex'));
      if (entry === undefined || !timingSafeEqual(entry.digest, digest))
        return unauthorized('Invalid API key', CHALLENGE);
      ctx.consumer = entry.consumer;
      ctx.upstreamHeaders.push([CONSUMER_HEADER, entry.consumer]);
      return undefined;
    },
  };
}

function sha256(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

function fromQuery(url: string | undefined, param: string | undefined): string | undefined {
  if (param === undefined || url === undefined) return undefined;
  const q = url.indexOf('?');
  if (q === -1) return undefined;
  return new URLSearchParams(url.slice(q + 1)).get(param) ?? undefined;
}
