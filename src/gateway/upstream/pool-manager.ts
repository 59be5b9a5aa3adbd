import { Pool } from 'undici';
import type { Endpoint } from '../../core/upstream/endpoint.js';

/** TLS to upstreams: `ca` is PEM text (not a path). */
export interface UpstreamTls {
  readonly ca?: string;
  readonly servername?: string;
  readonly rejectUnauthorized: boolean;
}

/** Options that distinguish one upstream connection pool from another. */
export interface PoolOptions {
  readonly connections: number;
  readonly keepAliveTimeout: number;
  readonly connectTimeout: number;
  readonly tls?: UpstreamTls;
}

interface Entry {
  pool: Pool;
  refs: number;
}

/**
 * Keep-alive connection pools (undici `Pool`, one per endpoint and option set), shared by every
 * config snapshot that uses them: a reload that keeps a service keeps its warm connections.
 * Pools are reference-counted and closed gracefully (queued requests finish) when the last user
 * releases them.
 */
export class PoolManager {
  readonly #pools = new Map<string, Entry>();

  acquire(endpoint: Endpoint, options: PoolOptions): Pool {
    const key = `${endpoint.url}|${options.connections}|${options.keepAliveTimeout}|${options.connectTimeout}|${
      options.tls ? JSON.stringify(options.tls) : ''
    }`;
    let entry = this.#pools.get(key);
    if (entry === undefined) {
      const pool = new Pool(endpoint.url, {
        connections: options.connections,
        keepAliveTimeout: options.keepAliveTimeout,
        keepAliveMaxTimeout: Math.max(options.keepAliveTimeout, 600_000),
        pipelining: 1,
        connect: {
          timeout: options.connectTimeout,
          ...(options.tls && {
            ...(options.tls.ca !== undefined && { ca: options.tls.ca }),
            ...(options.tls.servername !== undefined && { servername: options.tls.servername }),
            rejectUnauthorized: options.tls.rejectUnauthorized,
          }),
        },
      });
      entry = { pool, refs: 0 };
      this.#pools.set(key, entry);
    }
    entry.refs++;
    return entry.pool;
  }

  release(pool: Pool): void {
    for (const [key, entry] of this.#pools) {
      if (entry.pool !== pool) continue;
      if (--entry.refs <= 0) {
        this.#pools.delete(key);
        pool.close().catch(() => undefined);
      }
      return;
    }
  }

  get size(): number {
    return this.#pools.size;
  }

  /** Closes every pool: graceful up to `graceMs`, then destroyed. */
  async close(graceMs = 5_000): Promise<void> {
    const pools = [...this.#pools.values()].map((e) => e.pool);
    this.#pools.clear();
    await Promise.all(
      pools.map(async (pool) => {
        const timer = setTimeout(() => void pool.destroy().catch(() => undefined), graceMs);
        timer.unref();
        await pool.close().catch(() => undefined);
        clearTimeout(timer);
      }),
    );
  }
}
