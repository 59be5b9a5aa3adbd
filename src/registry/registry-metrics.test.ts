import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { register as globalRegistry } from 'prom-client';
import { ManualClock } from '../resilience/clock.js';
import { Catalog, type CheckSpec, type ServiceSpec } from './catalog/catalog.js';
import type { CheckType, HealthStatus } from './catalog/model.js';
import type { DnsServerStats } from './dns/dns-server.js';
import { startHealth } from './health/health-runner.js';
import type { ReaperStats } from './health/reaper.js';
import { RegistryMetrics, type HealthMetricsSource } from './registry-metrics.js';
import { MemoryStore } from './store/memory-store.js';

const service = (id: string, name: string): ServiceSpec => ({
  id,
  name,
  address: '127.0.0.1',
  port: 8080,
  tags: [],
  meta: {},
  weights: { passing: 1, warning: 1 },
  enableTagOverride: false,
});

const check = (
  serviceId: string,
  type: CheckType,
  status: HealthStatus,
  extra: { ttlMs?: number; suffix?: string } = {},
): CheckSpec => ({
  definition: {
    id: `service:${serviceId}${extra.suffix ?? ''}`,
    name: type,
    serviceId,
    notes: '',
    type,
    ttlMs: extra.ttlMs ?? (type === 'ttl' ? 30_000 : undefined),
    http: type === 'http' ? 'http://127.0.0.1:1/health' : undefined,
    intervalMs: type === 'http' ? 10_000 : undefined,
    successBeforePassing: 0,
    failuresBeforeCritical: 0,
  },
  status,
});

const openCatalog = (clock = new ManualClock(1_000)) =>
  Catalog.open({ store: new MemoryStore(), clock, node: { name: 'node-1' } });

/** Parses Prometheus text into `series → value` (`name` or `name{a="x",b="y"}`). */
async function scrape(metrics: RegistryMetrics): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const line of (await metrics.registry.metrics()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    out.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return out;
}

const dnsStats = (): DnsServerStats => ({
  udpQueries: 0,
  tcpQueries: 0,
  dropped: 0,
  malformed: 0,
  truncated: 0,
  tcpBadFrames: 0,
  tcpRejected: 0,
});

describe('RegistryMetrics', () => {
  test('instances by aggregated status, services, checks by type and status, index', async () => {
    const catalog = await openCatalog();
    await catalog.registerService(service('web1', 'web'), [check('web1', 'ttl', 'passing')]);
    await catalog.registerService(service('web2', 'web'), [
      check('web2', 'ttl', 'passing'),
      check('web2', 'http', 'warning', { suffix: ':http' }),
    ]);
    await catalog.registerService(service('db1', 'db'), [check('db1', 'ttl', 'critical')]);
    await catalog.registerService(service('cache1', 'cache')); // no checks: passing
    const metrics = new RegistryMetrics({ catalog, processMetrics: false });
    const m = await scrape(metrics);
    assert.equal(m.get('switchyard_registry_instances{status="passing"}'), 2);
    assert.equal(m.get('switchyard_registry_instances{status="warning"}'), 1);
    assert.equal(m.get('switchyard_registry_instances{status="critical"}'), 1);
    assert.equal(m.get('switchyard_registry_services'), 3);
    assert.equal(m.get('switchyard_registry_checks{type="ttl",status="passing"}'), 2);
    assert.equal(m.get('switchyard_registry_checks{type="ttl",status="critical"}'), 1);
    assert.equal(m.get('switchyard_registry_checks{type="http",status="warning"}'), 1);
    assert.equal(m.get('switchyard_registry_checks{type="serf",status="passing"}'), 1);
    assert.equal(m.get('switchyard_registry_checks{type="tcp",status="passing"}'), 0);
    assert.equal(m.get('switchyard_registry_index'), catalog.index);
    await catalog.close();
  });

  test('gauges follow the catalog between scrapes (nothing is cached)', async () => {
    const catalog = await openCatalog();
    await catalog.registerService(service('web1', 'web'), [check('web1', 'ttl', 'passing')]);
    const metrics = new RegistryMetrics({ catalog, processMetrics: false });
    assert.equal((await scrape(metrics)).get('switchyard_registry_instances{status="passing"}'), 1);
    await catalog.updateCheck('service:web1', 'critical', 'down');
    await catalog.kvPut('cfg/a', new Uint8Array([1]));
    let m = await scrape(metrics);
    assert.equal(m.get('switchyard_registry_kv_entries'), 1);
    assert.equal(m.get('switchyard_registry_instances{status="passing"}'), 0);
    assert.equal(m.get('switchyard_registry_instances{status="critical"}'), 1);
    assert.equal(m.get('switchyard_registry_checks{type="ttl",status="passing"}'), 0);
    assert.equal(m.get('switchyard_registry_index'), catalog.index);
    await catalog.deregisterService('web1');
    m = await scrape(metrics);
    assert.equal(m.get('switchyard_registry_instances{status="critical"}'), 0);
    assert.equal(m.get('switchyard_registry_services'), 0);
    assert.equal(m.get('switchyard_registry_checks{type="ttl",status="critical"}'), 0);
    await catalog.close();
  });

  test('counters copy the live stats of health, DNS and HTTP at each scrape', async () => {
    const catalog = await openCatalog();
    const reaper: ReaperStats = {
      sweeps: 4,
      evictions: 3,
      selfPreservationSweeps: 2,
      deferredEvictions: 7,
    };
    const health: HealthMetricsSource & { ttl: { expired: number } } = {
      ttl: { expired: 5 },
      checks: { running: 2, queued: 1 },
      reaper: { stats: reaper },
    };
    const dns = { stats: { ...dnsStats(), udpQueries: 10, tcpQueries: 3, dropped: 1 } };
    const http = { watchers: { active: 6, limit: 100 } };
    const metrics = new RegistryMetrics({ catalog, health, dns, http, processMetrics: false });
    let m = await scrape(metrics);
    assert.equal(m.get('switchyard_registry_ttl_expired_total'), 5);
    assert.equal(m.get('switchyard_registry_reaper_sweeps_total'), 4);
    assert.equal(m.get('switchyard_registry_reaper_evictions_total'), 3);
    assert.equal(m.get('switchyard_registry_self_preservation_sweeps_total'), 2);
    assert.equal(m.get('switchyard_registry_deferred_evictions_total'), 7);
    assert.equal(m.get('switchyard_registry_check_probes_in_flight'), 2);
    assert.equal(m.get('switchyard_registry_check_probes_queued'), 1);
    assert.equal(m.get('switchyard_registry_dns_queries_total{transport="udp"}'), 10);
    assert.equal(m.get('switchyard_registry_dns_queries_total{transport="tcp"}'), 3);
    assert.equal(m.get('switchyard_registry_dns_dropped_total'), 1);
    assert.equal(m.get('switchyard_registry_watchers'), 6);
    assert.equal(m.get('switchyard_registry_watchers_limit'), 100);
    health.ttl.expired = 9;
    reaper.evictions = 8;
    dns.stats.udpQueries = 11;
    http.watchers.active = 0;
    m = await scrape(metrics);
    assert.equal(m.get('switchyard_registry_ttl_expired_total'), 9, 'not counted twice');
    assert.equal(m.get('switchyard_registry_reaper_evictions_total'), 8);
    assert.equal(m.get('switchyard_registry_dns_queries_total{transport="udp"}'), 11);
    assert.equal(m.get('switchyard_registry_watchers'), 0);
    await catalog.close();
  });

  test('parts absent read as zero; observe() adds parts started later', async () => {
    const catalog = await openCatalog();
    const metrics = new RegistryMetrics({ catalog, processMetrics: false });
    let m = await scrape(metrics);
    assert.equal(m.get('switchyard_registry_watchers'), 0);
    assert.equal(m.get('switchyard_registry_dns_queries_total{transport="udp"}'), 0);
    assert.equal(m.get('switchyard_registry_reaper_evictions_total'), 0);
    metrics.observe({
      http: { watchers: { active: 2, limit: 10 } },
      dns: { stats: { ...dnsStats(), tcpQueries: 4 } },
    });
    m = await scrape(metrics);
    assert.equal(m.get('switchyard_registry_watchers'), 2);
    assert.equal(m.get('switchyard_registry_dns_queries_total{transport="tcp"}'), 4);
    await catalog.close();
  });

  test('a real health runner: an expired TTL check shows in the counter and the gauges', async () => {
    const clock = new ManualClock(1_000);
    const catalog = await openCatalog(clock);
    await catalog.registerService(service('web1', 'web'), [
      check('web1', 'ttl', 'passing', { ttlMs: 1_000 }),
    ]);
    const health = startHealth({ catalog, reaper: false });
    const metrics = new RegistryMetrics({ catalog, health, processMetrics: false });
    const expired = catalog.hub.waitFor((c) => c.kind === 'service' && c.name === 'web', 5_000);
    await clock.advanceAsync(2_000);
    assert.equal(await expired, true, 'the TTL check expired');
    const m = await scrape(metrics);
    assert.equal(m.get('switchyard_registry_ttl_expired_total'), 1);
    assert.equal(m.get('switchyard_registry_instances{status="critical"}'), 1);
    await health.stop();
    await catalog.close();
  });

  test('uses a registry of its own: two instances coexist and the global one stays empty', async () => {
    const catalog = await openCatalog();
    const a = new RegistryMetrics({ catalog });
    const b = new RegistryMetrics({ catalog });
    assert.notEqual(a.registry, b.registry);
    assert.ok((await scrape(a)).has('switchyard_process_cpu_user_seconds_total'));
    assert.ok((await scrape(b)).has('switchyard_registry_index'));
    assert.equal(
      globalRegistry.getMetricsAsArray().filter((m) => m.name.startsWith('switchyard_')).length,
      0,
    );
    await catalog.close();
  });

  test('processMetrics: false leaves out the process and Node.js metrics', async () => {
    const catalog = await openCatalog();
    const names = new RegistryMetrics({ catalog, processMetrics: false }).registry
      .getMetricsAsArray()
      .map((m) => m.name);
    assert.deepEqual(
      names.filter((n) => !n.startsWith('switchyard_registry_')),
      [],
    );
    await catalog.close();
  });
});

describe('docs/reference/metrics.md', () => {
  const docs = readFileSync(new URL('../../docs/reference/metrics.md', import.meta.url), 'utf8');

  test('documents every metric the code registers, process metrics included', async () => {
    const catalog = await openCatalog();
    const names = new RegistryMetrics({ catalog }).registry.getMetricsAsArray().map((m) => m.name);
    assert.ok(names.length > 20);
    assert.deepEqual(
      names.filter((n) => !docs.includes(`\`${n}\``)),
      [],
    );
    await catalog.close();
  });

  test('documents no registry metric the code does not register', async () => {
    const catalog = await openCatalog();
    const names = new Set(
      new RegistryMetrics({ catalog, processMetrics: false }).registry
        .getMetricsAsArray()
        .map((m) => m.name),
    );
    const documented = [...docs.matchAll(/`(switchyard_registry_[a-z0-9_]+)`/g)].map((m) => m[1]!);
    assert.ok(documented.length > 0);
    assert.deepEqual(
      documented.filter((n) => !names.has(n)),
      [],
    );
    await catalog.close();
  });
});
