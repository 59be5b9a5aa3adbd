import { SwitchyardError } from '../../../core/errors.js';
import { createLogger, type Logger } from '../../../core/logger.js';
import { systemClock, type Clock } from '../../../resilience/index.js';
import { storableHeaders, type CachedResponse } from './cached-response.js';
import {
  bypassesCache,
  headerValue,
  initialAgeMs,
  storeTtlMs,
  type FreshnessPolicy,
  type HeaderBag,
} from './cache-control.js';
import { MemoryCacheStore } from './memory-cache-store.js';
import { encodeEntry, RedisCacheStore, type RedisCacheClient } from './redis-cache-store.js';

/** Options for `createResponseCache()`. */
export interface ResponseCacheOptions {
  /** The route's TTL in ms: used when a response gives no freshness, and an upper bound when it does. */
  readonly ttlMs: number;
  /** Entries kept in memory (default 10 000; memory store only). */
  readonly maxEntries?: number;
  /** Larger bodies are not stored (default 1 MiB). */
  readonly maxBodyBytes?: number;
  /** Bytes kept in memory, bodies and headers (default 64 MiB; memory store only). */
  readonly maxTotalBytes?: number;
  /**
   * Request header names whose values are part of the key (default `['accept-encoding']`, so a
   * compressed body is only replayed to clients that sent the same `Accept-Encoding`). A response
   * whose `Vary` names a header outside this list is not stored.
   */
  readonly vary?: readonly string[];
  /** An ioredis client: the cache is then shared by every gateway using it (no memory copy). */
  readonly redis?: RedisCacheClient;
  /** Prefix of every key (default `'sy:cache:'`); give each route or gateway group its own. */
  readonly prefix?: string;
  /** A Redis call slower than this is a miss (default 100 ms). */
  readonly redisTimeoutMs?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
}

/** A response to store: what the upstream sent, with the TTL `shouldStore` returned. */
export interface StorableResponse {
  readonly status: number;
  /** Response headers as sent by the upstream; hop-by-hop ones and `Age` are dropped. */
  readonly headers: readonly (readonly [name: string, value: string])[];
  readonly body: Buffer;
  readonly ttlMs: number;
}

/** A shared HTTP response cache for GET/HEAD (RFC 9111 subset: no revalidation). */
export interface ResponseCache {
  readonly ttlMs: number;
  readonly maxBodyBytes: number;
  /** The cache's clock: pass `clock.now()` to `ageSeconds(entry, now)`. */
  readonly clock: Clock;
  /** The key for a request, or `undefined` when the method is not GET or HEAD (HEAD shares GET's). */
  key(method: string, host: string, pathWithQuery: string, headers: HeaderBag): string | undefined;
  /** True when the request's `Cache-Control: no-cache|no-store` (or `Pragma`) skips the lookup. */
  bypassLookup(requestHeaders: HeaderBag): boolean;
  /** The fresh entry under `key`; a Promise with Redis, which never rejects (errors are misses). */
  lookup(key: string): CachedResponse | undefined | Promise<CachedResponse | undefined>;
  /**
   * The TTL in ms to store this response with, or `0` for "do not store" (see `storeTtlMs`).
   * Only a GET's response is stored: a HEAD has no body to replay to a later GET.
   */
  shouldStore(
    method: string,
    requestHeaders: HeaderBag,
    status: number,
    responseHeaders: HeaderBag,
  ): number;
  /** Stores `response` under `key` (dropped when its body is over `maxBodyBytes`); never rejects. */
  store(key: string, response: StorableResponse): void | Promise<void>;
  /** Removes one entry (admin purge); never rejects. */
  delete(key: string): void | Promise<void>;
  /** Removes every entry (with Redis: every key under the prefix); never rejects. */
  clear(): void | Promise<void>;
  /** Entries and bytes held in memory (0 with Redis); `degraded` while Redis is failing. */
  stats(): { entries: number; bytes: number; degraded: boolean };
}

const KNOWN = new Set([
  'ttlMs',
  'maxEntries',
  'maxBodyBytes',
  'maxTotalBytes',
  'vary',
  'redis',
  'prefix',
  'redisTimeoutMs',
  'clock',
  'logger',
]);

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function invalid(option: string, problem: string): SwitchyardError {
  return new SwitchyardError('SY_GW_CACHE_INVALID_OPTION', `cache.${option}: ${problem}`, {
    details: { option: `cache.${option}` },
  });
}

function positive(options: ResponseCacheOptions, name: keyof ResponseCacheOptions, dflt: number) {
  const value = options[name] ?? dflt;
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    throw invalid(name, 'expected a finite number > 0');
  }
  return value;
}

/**
 * A response cache for one route (or one gateway): in memory (LRU bounded by entries and bytes)
 * or in Redis, shared by every gateway instance. Lookups and stores never throw into the request
 * path; with Redis down every lookup is a miss.
 *
 * @example
 * const cache = createResponseCache({ ttlMs: 30_000 });
 * const key = cache.key(req.method, host, req.url, req.headers);
 * const hit = key && !cache.bypassLookup(req.headers) ? await cache.lookup(key) : undefined;
 */
export function createResponseCache(options: ResponseCacheOptions): ResponseCache {
  for (const name of Object.keys(options)) {
    if (!KNOWN.has(name)) throw invalid(name, 'unknown option');
  }
  const vary = (options.vary ?? ['accept-encoding']).map((name) => {
    if (typeof name !== 'string' || !HEADER_NAME.test(name)) {
      throw invalid('vary', `not a header name: ${String(name)}`);
    }
    return name.toLowerCase();
  });
  const prefix = options.prefix ?? 'sy:cache:';
  if (typeof prefix !== 'string') throw invalid('prefix', 'expected a string');
  const clock = options.clock ?? systemClock;
  const settings: Settings = {
    policy: { ttlMs: positive(options, 'ttlMs', 0), vary: new Set(vary) },
    varyList: vary,
    maxBodyBytes: positive(options, 'maxBodyBytes', 1 << 20),
    prefix,
    clock,
  };
  const maxEntries = positive(options, 'maxEntries', 10_000);
  const maxTotalBytes = positive(options, 'maxTotalBytes', 64 << 20);
  if (options.redis === undefined) {
    return new MemoryResponseCache(settings, new MemoryCacheStore({ maxEntries, maxTotalBytes }));
  }
  const store = new RedisCacheStore(options.redis, {
    prefix,
    timeoutMs: positive(options, 'redisTimeoutMs', 100),
    clock,
    logger: options.logger ?? createLogger('gateway.cache'),
  });
  return new RedisResponseCache(settings, store);
}

interface Settings {
  readonly policy: FreshnessPolicy;
  readonly varyList: readonly string[];
  readonly maxBodyBytes: number;
  readonly prefix: string;
  readonly clock: Clock;
}

/** The parts both stores share: keys and the store decision. */
abstract class BaseResponseCache {
  readonly ttlMs: number;
  readonly maxBodyBytes: number;
  readonly clock: Clock;
  protected readonly s: Settings;

  constructor(settings: Settings) {
    this.s = settings;
    this.ttlMs = settings.policy.ttlMs;
    this.maxBodyBytes = settings.maxBodyBytes;
    this.clock = settings.clock;
  }

  // hot path: one string build per request; no arrays or closures.
  key(method: string, host: string, pathWithQuery: string, headers: HeaderBag): string | undefined {
    if (method !== 'GET' && method !== 'HEAD') return undefined;
    // Newlines cannot occur in a host, a request target or a header value, so parts never blur.
    let key = `${this.s.prefix}${host.toLowerCase()}\n${pathWithQuery}`;
    const vary = this.s.varyList;
    for (let i = 0; i < vary.length; i++) {
      const name = vary[i] as string;
      key += `\n${headerValue(headers, name) ?? ''}`;
    }
    return key;
  }

  bypassLookup(requestHeaders: HeaderBag): boolean {
    return bypassesCache(requestHeaders);
  }

  shouldStore(
    method: string,
    requestHeaders: HeaderBag,
    status: number,
    responseHeaders: HeaderBag,
  ): number {
    if (method !== 'GET') return 0;
    return storeTtlMs(this.s.policy, requestHeaders, status, responseHeaders);
  }

  /** The headers to keep and the upstream's `Age`, or `undefined` when it must not be stored. */
  protected prepare(
    response: StorableResponse,
  ): { headers: [string, string][]; ageMs: number; ttlMs: number } | undefined {
    if (response.body.length > this.s.maxBodyBytes) return undefined;
    const ttlMs = Math.min(response.ttlMs, this.s.policy.ttlMs);
    if (!(ttlMs > 0)) return undefined;
    let ageMs = 0;
    for (const [name, value] of response.headers) {
      if (name.length === 3 && name.toLowerCase() === 'age') ageMs = initialAgeMs({ age: value });
    }
    return { headers: storableHeaders(response.headers), ageMs, ttlMs };
  }
}

class MemoryResponseCache extends BaseResponseCache implements ResponseCache {
  readonly #store: MemoryCacheStore;

  constructor(settings: Settings, store: MemoryCacheStore) {
    super(settings);
    this.#store = store;
  }

  lookup(key: string): CachedResponse | undefined {
    return this.#store.get(key, this.s.clock.now());
  }

  store(key: string, response: StorableResponse): void {
    const prepared = this.prepare(response);
    if (prepared === undefined) return;
    const now = this.s.clock.now();
    this.#store.set(key, {
      status: response.status,
      headers: prepared.headers,
      body: response.body,
      storedAt: now - prepared.ageMs,
      expiresAt: now + prepared.ttlMs,
    });
  }

  delete(key: string): void {
    this.#store.delete(key);
  }

  clear(): void {
    this.#store.clear();
  }

  stats(): { entries: number; bytes: number; degraded: boolean } {
    return { entries: this.#store.size, bytes: this.#store.bytes, degraded: false };
  }
}

class RedisResponseCache extends BaseResponseCache implements ResponseCache {
  readonly #store: RedisCacheStore;

  constructor(settings: Settings, store: RedisCacheStore) {
    super(settings);
    this.#store = store;
  }

  lookup(key: string): Promise<CachedResponse | undefined> {
    return this.#store.get(key);
  }

  store(key: string, response: StorableResponse): Promise<void> {
    const prepared = this.prepare(response);
    if (prepared === undefined) return Promise.resolve();
    const { headers, ageMs, ttlMs } = prepared;
    const value = encodeEntry(response.status, headers, response.body, ttlMs, ageMs);
    return this.#store.set(key, value, ttlMs);
  }

  delete(key: string): Promise<void> {
    return this.#store.delete(key);
  }

  clear(): Promise<void> {
    return this.#store.clear();
  }

  stats(): { entries: number; bytes: number; degraded: boolean } {
    return { entries: 0, bytes: 0, degraded: this.#store.degraded };
  }
}
