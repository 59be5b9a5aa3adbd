import { Redis } from 'ioredis';

/**
 * The gateway's one Redis client (cluster-wide rate limits), created when a route first needs it
 * and kept across reloads while `redis.address` stays the same. Commands issued while it is still
 * connecting wait for the connection (the limiter's own timeout bounds the wait); while Redis is
 * down the limiter skips it and falls back.
 */
export class RedisConnection {
  #client: Redis | undefined;
  #address: string | undefined;

  get(address: string): Redis {
    if (this.#client !== undefined && this.#address === address) return this.#client;
    void this.#client?.quit().catch(() => undefined);
    this.#address = address;
    this.#client = new Redis(address, {
      lazyConnect: false,
      enableOfflineQueue: true,
      maxRetriesPerRequest: 1,
      retryStrategy: (times) => Math.min(1_000, 50 * times),
    });
    // Errors surface through commands (and the limiter's fallback); don't crash on 'error'.
    this.#client.on('error', () => undefined);
    return this.#client;
  }

  async close(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    if (client !== undefined) await client.quit().catch(() => client.disconnect());
  }
}
