import type { Logger } from '../../../core/logger.js';
import type { Clock } from '../../../resilience/index.js';
import type { CachedResponse } from './cached-response.js';

/**
 * The few ioredis calls the cache makes; an ioredis `Redis` fits (each call touches one key, so a
 * `Cluster` fits too, except for `clear()`).
 */
export interface RedisCacheClient {
  /** ioredis connection state: `reconnecting`, `close` or `end` skip the round trip (a miss at once). */
  readonly status: string;
  getBuffer(key: string): Promise<Buffer | null>;
  pttl(key: string): Promise<number>;
  set(key: string, value: Buffer, px: 'PX', ms: number): Promise<unknown>;
  del(...keys: string[]): Promise<number>;
  scan(
    cursor: string,
    matchToken: 'MATCH',
    pattern: string,
    countToken: 'COUNT',
    count: number,
  ): Promise<[cursor: string, keys: string[]]>;
}

/** What the value header holds besides the body. */
interface Meta {
  /** status */
  readonly s: number;
  /** headers */
  readonly h: [string, string][];
  /** TTL the entry was stored with, ms */
  readonly t: number;
  /** age the response already had when stored, ms */
  readonly a: number;
}

const VERSION = 1;

/**
 * Value layout (binary-safe): 1 byte version, uint32 BE length of a JSON header
 * `{s: status, h: headers, t: ttlMs, a: initialAgeMs}`, the header, then the body as is.
 *
 * @example
 * const value = encodeEntry(200, [['content-type', 'text/plain']], body, 30_000, 0);
 */
export function encodeEntry(
  status: number,
  headers: [string, string][],
  body: Buffer,
  ttlMs: number,
  initialAgeMs: number,
): Buffer {
  const meta: Meta = { s: status, h: headers, t: ttlMs, a: initialAgeMs };
  const json = Buffer.from(JSON.stringify(meta), 'utf8');
  const head = Buffer.allocUnsafe(5);
  head.writeUInt8(VERSION, 0);
  head.writeUInt32BE(json.length, 1);
  return Buffer.concat([head, json, body]);
}

/** The entry in `value`, read `pttlMs` before it expires at `now`; `undefined` if malformed. */
export function decodeEntry(
  value: Buffer,
  pttlMs: number,
  now: number,
): CachedResponse | undefined {
  if (value.length < 5 || value.readUInt8(0) !== VERSION) return undefined;
  const length = value.readUInt32BE(1);
  if (5 + length > value.length) return undefined;
  let meta: Meta;
  try {
    meta = JSON.parse(value.toString('utf8', 5, 5 + length)) as Meta;
  } catch {
    return undefined;
  }
  if (typeof meta.s !== 'number' || !Array.isArray(meta.h) || typeof meta.t !== 'number') {
    return undefined;
  }
  // Ages come from Redis's own TTL, so gateways with different clocks agree on them.
  const left = pttlMs >= 0 ? Math.min(pttlMs, meta.t) : meta.t;
  return {
    status: meta.s,
    headers: meta.h,
    body: value.subarray(5 + length),
    storedAt: now - (meta.t - left) - (meta.a || 0),
    expiresAt: now + left,
  };
}

/** Settings of a `RedisCacheStore`. */
export interface RedisCacheSettings {
  readonly prefix: string;
  readonly timeoutMs: number;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * A response store shared by every gateway through Redis (`SET key value PX ttl`). It never
 * throws: Redis down, slow (over `timeoutMs`) or answering garbage is a miss, logged once per
 * outage and again when it recovers.
 *
 * @example
 * const store = new RedisCacheStore(new Redis(url), { prefix: 'sy:cache:', timeoutMs: 100, clock, logger });
 */
export class RedisCacheStore {
  /** True while Redis is failing (lookups are misses, stores are dropped). */
  degraded = false;
  readonly #redis: RedisCacheClient;
  readonly #s: RedisCacheSettings;

  constructor(redis: RedisCacheClient, settings: RedisCacheSettings) {
    this.#redis = redis;
    this.#s = settings;
  }

  get(key: string): Promise<CachedResponse | undefined> {
    if (this.#down()) return Promise.resolve(undefined);
    const r = this.#redis;
    return this.#bounded(Promise.all([r.getBuffer(key), r.pttl(key)])).then(
      ([value, pttl]) => {
        this.#ok();
        if (value === null || pttl === -2) return undefined;
        return decodeEntry(value, pttl, this.#s.clock.now());
      },
      (error: unknown) => this.#failed(error),
    );
  }

  set(key: string, value: Buffer, ttlMs: number): Promise<void> {
    if (this.#down()) return Promise.resolve();
    return this.#bounded(this.#redis.set(key, value, 'PX', Math.max(1, Math.ceil(ttlMs)))).then(
      () => this.#ok(),
      (error: unknown) => this.#failed(error),
    );
  }

  delete(key: string): Promise<void> {
    return this.#bounded(this.#redis.del(key)).then(
      () => this.#ok(),
      (error: unknown) => this.#failed(error),
    );
  }

  /** Deletes every key under the prefix (one Redis node). */
  async clear(): Promise<void> {
    const pattern = `${this.#s.prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    try {
      let cursor = '0';
      do {
        const [next, keys] = await this.#redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
        if (keys.length > 0) await this.#redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
      this.#ok();
    } catch (error) {
      this.#failed(error);
    }
  }

  #down(): boolean {
    const status = this.#redis.status;
    if (status !== 'reconnecting' && status !== 'close' && status !== 'end') return false;
    this.#failed(new Error(`redis is ${status}`));
    return true;
  }

  #bounded<T>(work: Promise<T>): Promise<T> {
    const { clock, timeoutMs } = this.#s;
    return new Promise<T>((resolve, reject) => {
      const timer = clock.setTimeout(
        () => reject(new Error(`redis did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      work.then(
        (value) => {
          clock.clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clock.clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  #ok(): void {
    if (!this.degraded) return;
    this.degraded = false;
    this.#s.logger.info('cache: Redis is back, responses are shared again', {
      prefix: this.#s.prefix,
    });
  }

  #failed(error: unknown): undefined {
    if (this.degraded) return undefined;
    this.degraded = true;
    this.#s.logger.warn('cache: Redis unavailable, serving without the shared cache', {
      prefix: this.#s.prefix,
      error: error instanceof Error ? error.message : String(error),
    });
    return undefined;
  }
}
