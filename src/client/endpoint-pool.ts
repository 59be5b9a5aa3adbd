import { Pool } from 'undici';
import type { Logger } from '../core/index.js';
import type { Balancer } from '../core/upstream/balancer.js';
import type { EndpointSource } from '../core/upstream/discovery/index.js';
import { Endpoint, type EndpointSpec } from '../core/upstream/endpoint.js';
import type { OutlierDetector } from '../core/upstream/outlier-detector.js';
import { describeError } from './client-errors.js';

/** undici pool settings for every endpoint of one service. */
export interface DispatcherOptions {
  /** Connections per endpoint; undefined = as many as needed. */
  readonly connections: number | undefined;
  readonly connectTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  /** The per-try timeout: undici's body (idle between chunks) and backstop headers timeouts. */
  readonly timeoutMs: number;
}

/**
 * The live endpoints of one service: turns the discovery source's specs into `Endpoint` objects
 * kept by id (so in-flight counts and latency estimates survive updates), runs them through the
 * outlier detector into the balancer, and holds one keep-alive undici `Pool` per endpoint,
 * created on first use and closed gracefully (in-flight requests finish) when the endpoint
 * leaves.
 */
export class EndpointPool {
  readonly source: EndpointSource;
  readonly balancer: Balancer;
  readonly outliers: OutlierDetector | undefined;
  readonly #options: DispatcherOptions;
  readonly #logger: Logger;
  #byId = new Map<string, Endpoint>();
  readonly #dispatchers = new Map<Endpoint, Pool>();
  readonly #unsubscribe: () => void;
  #closed = false;

  constructor(
    source: EndpointSource,
    balancer: Balancer,
    outliers: OutlierDetector | undefined,
    options: DispatcherOptions,
    logger: Logger,
  ) {
    this.source = source;
    this.balancer = balancer;
    this.outliers = outliers;
    this.#options = options;
    this.#logger = logger;
    outliers?.onChange((available) => balancer.update(available));
    const current = source.current();
    if (current !== undefined) this.#apply(current);
    this.#unsubscribe = source.onUpdate((specs) => this.#apply(specs));
  }

  /** Every endpoint discovery knows (ejected ones included). */
  endpoints(): Endpoint[] {
    return [...this.#byId.values()];
  }

  /**
   * The undici pool for `endpoint`, created on first use.
   * hot path: one Map lookup by object identity.
   */
  dispatcherOf(endpoint: Endpoint): Pool {
    let pool = this.#dispatchers.get(endpoint);
    if (pool === undefined) {
      const o = this.#options;
      pool = new Pool(endpoint.url, {
        ...(o.connections !== undefined && { connections: o.connections }),
        connect: { timeout: o.connectTimeoutMs },
        keepAliveTimeout: o.keepAliveTimeoutMs,
        // set per pool, not per request (a per-request value costs ~1 µs a call); the exact
        // per-try deadline is the TryDeadline signal, this one only a coarse backstop
        headersTimeout: o.timeoutMs + 1_000,
        bodyTimeout: o.timeoutMs,
      });
      this.#dispatchers.set(endpoint, pool);
    }
    return pool;
  }

  /** Stops listening to discovery and closes every pool (requests in flight finish first). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe();
    this.source.close();
    this.outliers?.stop();
    const closing = [...this.#dispatchers.values()].map((p) => p.close().catch(() => undefined));
    this.#dispatchers.clear();
    await Promise.all(closing);
  }

  #apply(specs: readonly EndpointSpec[]): void {
    if (this.#closed) return;
    const next = new Map<string, Endpoint>();
    for (const spec of specs) {
      const kept = this.#byId.get(spec.id);
      if (kept !== undefined && sameEndpoint(kept, spec)) {
        next.set(spec.id, kept);
        continue;
      }
      try {
        next.set(spec.id, new Endpoint(spec));
      } catch (error) {
        this.#logger.warn('endpoint skipped', { id: spec.id, error: describeError(error) });
      }
    }
    for (const [id, endpoint] of this.#byId) {
      if (next.get(id) === endpoint) continue;
      const pool = this.#dispatchers.get(endpoint);
      this.#dispatchers.delete(endpoint);
      // close() lets requests in flight finish, then drops the connections
      pool?.close().catch(() => undefined);
    }
    this.#byId = next;
    const list = [...next.values()];
    if (this.outliers !== undefined) this.outliers.setEndpoints(list);
    else this.balancer.update(list);
  }
}

function sameEndpoint(endpoint: Endpoint, spec: EndpointSpec): boolean {
  let origin: string;
  try {
    origin = new URL(spec.url).origin;
  } catch {
    return false;
  }
  if (endpoint.url !== origin || endpoint.weight !== (spec.weight ?? 1)) return false;
  const tags = spec.tags ?? [];
  if (tags.length !== endpoint.tags.length || tags.some((t, i) => t !== endpoint.tags[i])) {
    return false;
  }
  const meta = spec.meta ?? {};
  const keys = Object.keys(meta);
  return (
    keys.length === Object.keys(endpoint.meta).length &&
    keys.every((k) => endpoint.meta[k] === meta[k])
  );
}
