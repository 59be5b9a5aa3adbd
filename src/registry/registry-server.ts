import { mkdirSync } from 'node:fs';
import { createLogger, type Logger } from '../core/logger.js';
import { Catalog } from './catalog/catalog.js';
import type { NodeInfo } from './catalog/model.js';
import { startRegistryHttp } from './api/http-server.js';
import { DnsServer } from './dns/dns-server.js';
import { startHealth } from './health/health-runner.js';
import { RegistryMetrics } from './registry-metrics.js';
import { MemoryStore } from './store/memory-store.js';
import { openSqliteStore } from './store/sqlite-store.js';
import type { RegistryStore } from './store/registry-store.js';

export interface RegistryServerOptions {
  readonly http: { readonly host: string; readonly port: number };
  /** DNS listener (UDP and TCP on the same port), or false for none. */
  readonly dns: { readonly host: string; readonly port: number } | false;
  /** Directory for the SQLite store, or ':memory:' for a registry that forgets on exit. */
  readonly dataDir: string;
  /** When set, writes (and with `requireTokenForReads`, reads) need this token. */
  readonly token?: string | undefined;
  readonly requireTokenForReads?: boolean;
  readonly node?: Partial<NodeInfo>;
  readonly logger?: Logger;
}

export interface RunningRegistry {
  readonly catalog: Catalog;
  /** The registry's Prometheus metrics, also served at `GET <httpUrl>/metrics`. */
  readonly metrics: RegistryMetrics;
  readonly httpUrl: string;
  readonly dnsPort: number | undefined;
  /** Stops accepting, stops health checks, then flushes and closes the store. */
  close(): Promise<void>;
}

/** Starts a whole registry: store → catalog → health checks → HTTP API → DNS. */
export async function startRegistry(options: RegistryServerOptions): Promise<RunningRegistry> {
  const logger = options.logger ?? createLogger('registry');
  const store = openStore(options.dataDir);
  const catalog = await Catalog.open({ store, node: options.node });
  const health = startHealth({ catalog, logger });
  const metrics = new RegistryMetrics({ catalog, health });
  const http = await startRegistryHttp({
    catalog,
    host: options.http.host,
    port: options.http.port,
    token: options.token,
    requireTokenForReads: options.requireTokenForReads ?? false,
    metrics: metrics.registry,
    logger,
  });
  // The API serves the metrics and counts its own watchers, so it joins them once it runs.
  metrics.observe({ http });
  let dns: DnsServer | undefined;
  let dnsPort: number | undefined;
  if (options.dns) {
    dns = new DnsServer({
      source: catalog,
      address: options.dns.host,
      port: options.dns.port,
      logger,
    });
    dnsPort = (await dns.start()).udpPort;
    metrics.observe({ dns });
  }
  return {
    catalog,
    metrics,
    httpUrl: http.url,
    dnsPort,
    async close() {
      await http.close();
      await dns?.stop();
      await health.stop();
      await catalog.close();
    },
  };
}

function openStore(dataDir: string): RegistryStore {
  if (dataDir === ':memory:') return new MemoryStore();
  mkdirSync(dataDir, { recursive: true });
  return openSqliteStore({ dataDir });
}
