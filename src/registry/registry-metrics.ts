import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { Catalog } from './catalog/catalog.js';
import { HEALTH_STATUSES, type CheckType, type HealthStatus } from './catalog/model.js';
import type { DnsServerStats } from './dns/dns-server.js';
import type { ReaperStats } from './health/reaper.js';

/** What the metrics read from the health runner (a `HealthRunner` fits). */
export interface HealthMetricsSource {
  readonly ttl: { readonly expired: number };
  readonly checks: { readonly running: number; readonly queued: number };
  readonly reaper: { readonly stats: Readonly<ReaperStats> } | undefined;
}

/** What the metrics read from the HTTP API (a `RegistryHttp` fits). */
export interface HttpMetricsSource {
  readonly watchers: { readonly active: number; readonly limit: number };
}

/** What the metrics read from the DNS server (a `DnsServer` fits). */
export interface DnsMetricsSource {
  readonly stats: Readonly<DnsServerStats>;
}

/** The live parts of a registry; each is read at scrape time, and an absent one reads as zero. */
export interface RegistryMetricsSources {
  readonly health?: HealthMetricsSource | undefined;
  readonly http?: HttpMetricsSource | undefined;
  readonly dns?: DnsMetricsSource | undefined;
}

export interface RegistryMetricsOptions extends RegistryMetricsSources {
  readonly catalog: Catalog;
  /** prom-client's process and Node.js metrics, prefixed `switchyard_` (default true). */
  readonly processMetrics?: boolean;
}

type Parts = { catalog: Catalog } & {
  -readonly [K in keyof RegistryMetricsSources]: RegistryMetricsSources[K];
};
type Read = (parts: Parts) => number | undefined;

const CHECK_TYPES: readonly CheckType[] = ['ttl', 'http', 'tcp', 'maintenance', 'serf'];

// Unlabelled gauges: [name, help, read]. Docs: docs/reference/metrics.md (a test keeps them equal).
const GAUGES: readonly (readonly [string, string, Read])[] = [
  [
    'switchyard_registry_services',
    'Distinct service names with at least one instance.',
    (p) => serviceNames(p.catalog).size,
  ],
  [
    'switchyard_registry_index',
    "The catalog's highest index (moves on every write).",
    (p) => p.catalog.index,
  ],
  ['switchyard_registry_kv_entries', 'Keys in the KV store.', (p) => p.catalog.kv.size],
  [
    'switchyard_registry_watchers',
    'Blocking queries and push streams held open now.',
    (p) => p.http?.watchers.active,
  ],
  [
    'switchyard_registry_watchers_limit',
    'Most watchers held at once; beyond it the API answers 429.',
    (p) => p.http?.watchers.limit,
  ],
  [
    'switchyard_registry_check_probes_in_flight',
    'HTTP/TCP check probes running now.',
    (p) => p.health?.checks.running,
  ],
  [
    'switchyard_registry_check_probes_queued',
    'Due HTTP/TCP checks waiting for a free probe slot.',
    (p) => p.health?.checks.queued,
  ],
];

// Unlabelled counters, copied from the parts' own counters at scrape time: [name, help, read].
const COUNTERS: readonly (readonly [string, string, Read])[] = [
  [
    'switchyard_registry_ttl_expired_total',
    'TTL checks turned critical because no report came in time.',
    (p) => p.health?.ttl.expired,
  ],
  [
    'switchyard_registry_reaper_sweeps_total',
    'Reaper sweeps run.',
    (p) => p.health?.reaper?.stats.sweeps,
  ],
  [
    'switchyard_registry_reaper_evictions_total',
    'Instances deregistered because a check stayed critical too long.',
    (p) => p.health?.reaper?.stats.evictions,
  ],
  [
    'switchyard_registry_self_preservation_sweeps_total',
    'Reaper sweeps that hit the eviction cap (self-preservation engaged).',
    (p) => p.health?.reaper?.stats.selfPreservationSweeps,
  ],
  [
    'switchyard_registry_deferred_evictions_total',
    'Due evictions the cap postponed to a later sweep.',
    (p) => p.health?.reaper?.stats.deferredEvictions,
  ],
  [
    'switchyard_registry_dns_dropped_total',
    'UDP DNS packets dropped unanswered (too short, or not a query).',
    (p) => p.dns?.stats.dropped,
  ],
  [
    'switchyard_registry_dns_malformed_total',
    'DNS queries answered FORMERR.',
    (p) => p.dns?.stats.malformed,
  ],
  [
    'switchyard_registry_dns_truncated_total',
    'UDP DNS answers cut to size with the TC bit set.',
    (p) => p.dns?.stats.truncated,
  ],
  [
    'switchyard_registry_dns_tcp_rejected_total',
    'DNS TCP connections refused at the connection cap.',
    (p) => p.dns?.stats.tcpRejected,
  ],
  [
    'switchyard_registry_dns_tcp_bad_frames_total',
    'DNS TCP connections closed for a garbage frame.',
    (p) => p.dns?.stats.tcpBadFrames,
  ],
];

/**
 * The registry's Prometheus metrics, in a prom-client `Registry` of their own (never the global
 * default one, so two registries in one process, or a test, do not collide). Nothing is counted
 * on a hot path: gauges are computed from the catalog and counters copied from the counters the
 * health runner and DNS server already keep, both when Prometheus scrapes.
 *
 * @example
 * const metrics = new RegistryMetrics({ catalog, health });
 * const http = await startRegistryHttp({ catalog, metrics: metrics.registry });
 * metrics.observe({ http }); // the API serves the metrics, so it starts after them
 * await metrics.registry.metrics(); // Prometheus text
 */
export class RegistryMetrics {
  /** The prom-client registry holding every metric below; serve `metrics()` / `contentType`. */
  readonly registry = new Registry();
  readonly #parts: Parts;

  constructor(options: RegistryMetricsOptions) {
    this.#parts = { catalog: options.catalog };
    this.observe(options);
    const parts = this.#parts;
    for (const [name, help, read] of GAUGES) {
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set(read(parts) ?? 0);
        },
      });
    }
    for (const [name, help, read] of COUNTERS) {
      new Counter({
        name,
        help,
        registers: [this.registry],
        collect() {
          copy(this, read(parts));
        },
      });
    }
    this.#labelled(parts);
    if (options.processMetrics !== false) {
      collectDefaultMetrics({ register: this.registry, prefix: 'switchyard_' });
    }
  }

  /** Adds parts started after the metrics (the HTTP API that serves them, the DNS server). */
  observe(sources: RegistryMetricsSources): void {
    if (sources.health) this.#parts.health = sources.health;
    if (sources.http) this.#parts.http = sources.http;
    if (sources.dns) this.#parts.dns = sources.dns;
  }

  #labelled(parts: Parts): void {
    const registers = [this.registry];
    new Gauge({
      name: 'switchyard_registry_instances',
      help: 'Registered instances by aggregated health (the worst of their checks and node checks).',
      labelNames: ['status'],
      registers,
      collect() {
        const counts = instancesByStatus(parts.catalog);
        for (const status of HEALTH_STATUSES) this.set({ status }, counts[status]);
      },
    });
    new Gauge({
      name: 'switchyard_registry_checks',
      help: 'Checks (service and node level) by type and status.',
      labelNames: ['type', 'status'],
      registers,
      collect() {
        this.reset();
        for (const type of CHECK_TYPES)
          for (const status of HEALTH_STATUSES) this.set({ type, status }, 0);
        for (const check of parts.catalog.checks()) {
          this.inc({ type: check.definition.type, status: check.status });
        }
      },
    });
    new Counter({
      name: 'switchyard_registry_dns_queries_total',
      help: 'DNS queries received, by transport.',
      labelNames: ['transport'],
      registers,
      collect() {
        this.reset();
        this.inc({ transport: 'udp' }, parts.dns?.stats.udpQueries ?? 0);
        this.inc({ transport: 'tcp' }, parts.dns?.stats.tcpQueries ?? 0);
      },
    });
  }
}

/** Sets a counter to a total kept elsewhere (prom-client counters only go up, so reset first). */
function copy(counter: Counter, total: number | undefined): void {
  counter.reset();
  counter.inc(total ?? 0);
}

function serviceNames(catalog: Catalog): Set<string> {
  const names = new Set<string>();
  for (const service of catalog.services()) names.add(service.name);
  return names;
}

/** Scrape time only: `healthOf` answers from its per-service cache unless the service moved. */
function instancesByStatus(catalog: Catalog): Record<HealthStatus, number> {
  const counts: Record<HealthStatus, number> = { passing: 0, warning: 0, critical: 0 };
  for (const name of serviceNames(catalog)) {
    for (const entry of catalog.healthOf(name)) counts[entry.status]++;
  }
  return counts;
}
