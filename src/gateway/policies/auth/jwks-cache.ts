import { createLocalJWKSet, errors, type JWTVerifyGetKey } from 'jose';
import { Agent, request } from 'undici';
import { type Clock, systemClock } from '../../../resilience/clock.js';
import { invalidOption } from './auth-answers.js';

export interface JwksCacheOptions {
  /** The JWKS document (`{ keys: [...] }`), http or https. */
  readonly url: string;
  /** Monotonic clock for the refresh schedule (tests inject a `ManualClock`). */
  readonly clock?: Clock;
  /** Whole-fetch deadline (connect + headers + body). Default 5 s. */
  readonly timeoutMs?: number;
  /** Fetches are at least this far apart, however many unknown `kid`s arrive. Default 10 s. */
  readonly minRefreshIntervalMs?: number;
  /** A set older than this is refreshed in the background (the old keys keep verifying). Default 10 min. */
  readonly maxAgeMs?: number;
  /** A bigger document is refused (a JWKS is a few KB). Default 256 KiB. */
  readonly maxBytes?: number;
}

export interface JwksStatus {
  readonly url: string;
  readonly loaded: boolean;
  readonly fetches: number;
  readonly lastError: string | undefined;
}

/**
 * A JWKS with its keys cached: fetched on first use, refreshed when a token names a key it does not
 * hold (rate-limited) or when it grows old. A failed or malformed fetch keeps the last good set, so
 * a JWKS outage never locks out tokens signed by known keys.
 *
 * @example
 * const jwks = new JwksCache({ url: 'http://127.0.0.1:9000/.well-known/jwks.json' });
 * await jwtVerify(token, jwks.getKey, { algorithms: ['RS256'] });
 */
export class JwksCache {
  readonly #url: string;
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  readonly #minInterval: number;
  readonly #maxAge: number;
  readonly #maxBytes: number;
  readonly #agent: Agent;
  #local: JWTVerifyGetKey | undefined;
  #fetchedAt = -Infinity;
  #attemptedAt = -Infinity;
  #inflight: Promise<void> | undefined;
  #fetches = 0;
  #lastError: string | undefined;

  constructor(options: JwksCacheOptions) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw invalidOption('jwks', `not a URL: ${JSON.stringify(options.url)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw invalidOption('jwks', 'must be an http or https URL');
    this.#url = url.href;
    this.#clock = options.clock ?? systemClock;
    this.#timeoutMs = positive('jwksTimeoutMs', options.timeoutMs ?? 5000);
    this.#minInterval = positive(
      'jwksMinRefreshIntervalMs',
      options.minRefreshIntervalMs ?? 10_000,
    );
    this.#maxAge = positive('jwksMaxAgeMs', options.maxAgeMs ?? 600_000);
    this.#maxBytes = positive('jwksMaxBytes', options.maxBytes ?? 262_144);
    this.#agent = new Agent({ connect: { timeout: this.#timeoutMs }, connections: 2 });
  }

  /** jose's key resolver: `jwtVerify(token, cache.getKey, …)`. */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    if (this.#local === undefined) await this.refresh();
    else if (this.#clock.now() - this.#fetchedAt >= this.#maxAge) void this.refresh();
    const local = this.#local;
    if (local === undefined) throw new errors.JWKSNoMatchingKey('JWKS not available');
    try {
      return await local(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      // An unknown kid may be a rotated-in key: refetch (rate-limited), then try once more.
      await this.refresh();
      if (this.#local === local) throw error;
      return this.#local!(header, token);
    }
  };

  /** Fetches the set unless a fetch is running or ran less than `minRefreshIntervalMs` ago. Never rejects. */
  refresh(): Promise<void> {
    if (this.#inflight !== undefined) return this.#inflight;
    const now = this.#clock.now();
    if (now - this.#attemptedAt < this.#minInterval) return Promise.resolve();
    this.#attemptedAt = now;
    this.#inflight = this.#load().finally(() => (this.#inflight = undefined));
    return this.#inflight;
  }

  status(): JwksStatus {
    return {
      url: this.#url,
      loaded: this.#local !== undefined,
      fetches: this.#fetches,
      lastError: this.#lastError,
    };
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  async #load(): Promise<void> {
    this.#fetches++;
    try {
      const set = JSON.parse(await this.#fetch()) as { keys?: unknown };
      // A private member means a misconfigured issuer: refuse the whole set, keep the last good one.
      if (Array.isArray(set.keys) && set.keys.some((k) => typeof k === 'object' && k && 'd' in k))
        throw new Error('JWKS holds a private key');
      // createLocalJWKSet checks the shape; its key selection refuses secret (HS*) algorithms.
      this.#local = createLocalJWKSet(set as Parameters<typeof createLocalJWKSet>[0]);
      this.#fetchedAt = this.#clock.now();
      this.#lastError = undefined;
    } catch (error) {
      this.#lastError = error instanceof Error ? error.message : String(error);
    }
  }

  async #fetch(): Promise<string> {
    const signal = AbortSignal.timeout(this.#timeoutMs);
    const res = await request(this.#url, {
      dispatcher: this.#agent,
      signal,
      headers: { accept: 'application/json' },
    });
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new Error(`JWKS answered ${res.statusCode}`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > this.#maxBytes) {
        res.body.destroy();
        throw new Error(`JWKS over ${this.#maxBytes} bytes`);
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  }
}

function positive(option: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0)
    throw invalidOption(option, 'must be a positive number');
  return value;
}
