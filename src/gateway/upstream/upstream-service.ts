import { readFileSync } from 'node:fs';
import type { Pool } from 'undici';
import type { Balancer } from '../../core/upstream/balancer.js';
import { createBalancer } from '../../core/upstream/balancers/index.js';
import type { EndpointSource } from '../../core/upstream/discovery/index.js';
import { Endpoint, type EndpointSpec } from '../../core/upstream/endpoint.js';
import { OutlierDetector } from '../../core/upstream/outlier-detector.js';
import { circuitBreaker, type CircuitBreaker } from '../../resilience/index.js';
import type { ServiceConfig } from '../config/types.js';
import { HealthChecker } from './health-checker.js';
import type { PoolManager, UpstreamTls } from './pool-manager.js';

/** Pools of one service for one connect timeout (routes with different timeouts differ). */
export class PoolSet {
  readonly connectTimeout: number;
  readonly #service: UpstreamService;
  readonly #pools = new Map<Endpoint, Pool>();

  constructor(service: UpstreamService, connectTimeout: number) {
    this.#service = service;
    this.connectTimeout = connectTimeout;
  }

  // hot path: one Map lookup per try; pools are created on first use of an endpoint.
  get(endpoint: Endpoint): Pool {
    let pool = this.#pools.get(endpoint);
    if (pool === undefined) {
      pool = this.#service.acquirePool(endpoint, this.connectTimeout);
      this.#pools.set(endpoint, pool);
    }
    return pool;
  }

  /** Releases the pools of endpoints no longer in `keep`. */
  prune(keep: ReadonlySet<Endpoint>, release: (pool: Pool) => void): void {
    for (const [endpoint, pool] of this.#pools) {
      if (keep.has(endpoint)) continue;
      this.#pools.delete(endpoint);
      release(pool);
    }
  }

  releaseAll(release: (pool: Pool) => void): void {
    for (const pool of this.#pools.values()) release(pool);
    this.#pools.clear();
  }
}

/**
 * One upstream service at run time (Envoy's cluster): its endpoints from a source, active health,
 * passive outlier detection, a balancer over what is left, a circuit breaker and connection
 * pools. Lives across config reloads while its config is unchanged.
 */
export class UpstreamService {
  readonly name: string;
  readonly config: ServiceConfig;
  readonly balancer: Balancer;
  readonly breaker: CircuitBreaker | undefined;
  readonly outlier: OutlierDetector | undefined;
  readonly source: EndpointSource;
  readonly #health: HealthChecker | undefined;
  readonly #pools: PoolManager;
  readonly #poolSets = new Map<number, PoolSet>();
  #endpoints = new Map<string, Endpoint>();
  #all: readonly Endpoint[] = [];
  #available: readonly Endpoint[] = [];
  readonly #disposers: (() => void)[] = [];
  /** Upstream TLS options with the CA file read (the config holds its path). */
  readonly #tls: UpstreamTls | undefined;
  #closed = false;

  constructor(config: ServiceConfig, source: EndpointSource, pools: PoolManager) {
    this.name = config.name;
    this.config = config;
    this.source = source;
    this.#pools = pools;
    this.#tls = config.tls && {
      rejectUnauthorized: config.tls.rejectUnauthorized,
      ...(config.tls.servername !== undefined && { servername: config.tls.servername }),
      ...(config.tls.ca !== undefined && { ca: readFileSync(config.tls.ca, 'utf8') }),
    };
    this.balancer = createBalancer(config.balancer);
    this.breaker =
      config.circuitBreaker === false
        ? undefined
        : circuitBreaker({
            name: config.name,
            failureThreshold: config.circuitBreaker.failureThreshold,
            cooldown: config.circuitBreaker.cooldown,
            halfOpen: { successThreshold: config.circuitBreaker.successThreshold },
          });
    if (config.outlierDetection !== false) {
      this.outlier = new OutlierDetector(config.outlierDetection);
      this.#disposers.push(this.outlier.onChange(() => this.#refreshAvailable()));
    }
    if (config.healthCheck !== undefined) {
      this.#health = new HealthChecker(config.healthCheck, () => this.#refreshHealthy(), this.#tls);
    }
    this.#setSpecs(source.current() ?? []);
    this.#disposers.push(source.onUpdate((specs) => this.#setSpecs(specs)));
  }

  /** Endpoints a request may go to now (healthy and not ejected). */
  get available(): readonly Endpoint[] {
    return this.#available;
  }

  /** Every known endpoint, including ejected and unhealthy ones. */
  get endpoints(): readonly Endpoint[] {
    return this.#all;
  }

  poolSet(connectTimeout: number): PoolSet {
    let set = this.#poolSets.get(connectTimeout);
    if (set === undefined)
      this.#poolSets.set(connectTimeout, (set = new PoolSet(this, connectTimeout)));
    return set;
  }

  /** Upstream TLS settings (WebSocket tunnels and health checks use them too). */
  get tls(): UpstreamTls | undefined {
    return this.#tls;
  }

  acquirePool(endpoint: Endpoint, connectTimeout: number): Pool {
    const options = {
      connections: this.config.pool.connections,
      keepAliveTimeout: this.config.pool.keepAliveTimeout,
      connectTimeout,
      ...(this.#tls && { tls: this.#tls }),
    };
    const pool = this.#pools.acquire(endpoint, options);
    if (this.#closed) {
      // A late try (a retry in backoff) on a retired service: lend the pool, give it back soon.
      setTimeout(() => this.#pools.release(pool), 30_000).unref();
    }
    return pool;
  }

  /** Runs one round of active health checks now (the timer does this every interval). */
  async runHealthChecks(): Promise<void> {
    await this.#health?.runOnce();
  }

  isHealthy(endpoint: Endpoint): boolean {
    return this.#health?.isHealthy(endpoint) ?? true;
  }

  /** The admin API's view. */
  status(): object {
    const ejections = new Map((this.outlier?.ejections() ?? []).map((e) => [e.id, e]));
    return {
      name: this.name,
      balancer: this.balancer.kind,
      source: { kind: this.config.source.kind, ...this.source.status() },
      breaker: this.breaker?.state ?? 'disabled',
      endpoints: this.#all.map((e) => {
        const ejection = ejections.get(e.id);
        return {
          id: e.id,
          url: e.url,
          weight: e.weight,
          healthy: this.isHealthy(e),
          ejected: ejection !== undefined,
          ...(ejection && {
            ejectedUntil: new Date(Date.now() + ejection.remainingMs).toISOString(),
            ejectedForMs: Math.round(ejection.remainingMs),
            ejections: ejection.count,
          }),
          inflight: e.inflight,
          ewmaMs: Math.round(e.ewmaMs * 1000) / 1000,
        };
      }),
    };
  }

  close(): void {
    this.#closed = true;
    for (const dispose of this.#disposers) dispose();
    this.#health?.close();
    this.outlier?.stop();
    this.breaker?.dispose();
    this.source.close();
    const release = (pool: Pool) => this.#pools.release(pool);
    for (const set of this.#poolSets.values()) set.releaseAll(release);
  }

  #setSpecs(specs: readonly EndpointSpec[]): void {
    const next = new Map<string, Endpoint>();
    for (const spec of specs) {
      const old = this.#endpoints.get(spec.id);
      // Same id and address: keep the object, so counters, EWMA and ejection state survive.
      const keep =
        old !== undefined &&
        old.url === new URL(spec.url).origin &&
        old.weight === (spec.weight ?? 1);
      next.set(spec.id, keep ? old : new Endpoint(spec));
    }
    this.#endpoints = next;
    this.#all = [...next.values()];
    const keepSet = new Set(this.#all);
    const release = (pool: Pool) => this.#pools.release(pool);
    for (const set of this.#poolSets.values()) set.prune(keepSet, release);
    this.#health?.setEndpoints(this.#all);
    this.#refreshHealthy();
  }

  /** Active health filters first; if it would leave nothing, every endpoint stays in (panic mode). */
  #refreshHealthy(): void {
    let healthy = this.#health ? this.#all.filter((e) => this.#health!.isHealthy(e)) : this.#all;
    if (healthy.length === 0) healthy = this.#all;
    if (this.outlier) this.outlier.setEndpoints(healthy);
    else this.#available = healthy;
    this.#refreshAvailable();
  }

  #refreshAvailable(): void {
    if (this.outlier) this.#available = this.outlier.available();
    this.balancer.update(this.#available);
  }
}
