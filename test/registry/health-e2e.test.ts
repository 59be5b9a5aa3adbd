// A real catalog and health runner on the system clock, probing a real HTTP service whose health
// endpoint the test flips. Every wait is on a catalog change, bounded; nothing sleeps.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Catalog, type ServiceSpec } from '../../src/registry/catalog/catalog.js';
import type { CheckDefinition, HealthStatus } from '../../src/registry/catalog/model.js';
import { startHealth, type HealthRunner } from '../../src/registry/health/health-runner.js';
import { MemoryStore } from '../../src/registry/store/memory-store.js';

const WAIT_MS = 5_000;

const service = (id: string, name: string, port: number): ServiceSpec => ({
  id,
  name,
  address: '127.0.0.1',
  port,
  tags: [],
  meta: {},
  weights: { passing: 1, warning: 1 },
  enableTagOverride: false,
});

const definition = (serviceId: string, extra: Partial<CheckDefinition>): CheckDefinition => ({
  id: `check:${serviceId}`,
  name: 'health',
  serviceId,
  notes: '',
  type: 'http',
  successBeforePassing: 0,
  failuresBeforeCritical: 0,
  ...extra,
});

/** Resolves once `checkId` has `status`, woken by the service's catalog changes; rejects after `ms`. */
async function statusBecomes(
  catalog: Catalog,
  name: string,
  checkId: string,
  status: HealthStatus,
  ms = WAIT_MS,
) {
  const deadline = performance.now() + ms;
  // reading the state and subscribing happen in one tick, so no change can slip in between
  while (catalog.getCheck(checkId)?.status !== status) {
    const left = deadline - performance.now();
    const woke =
      left > 0 && (await catalog.hub.waitFor((c) => c.kind === 'service' && c.name === name, left));
    if (!woke) {
      const check = catalog.getCheck(checkId);
      throw new Error(`${checkId} still ${check?.status} (${check?.output}) after ${ms} ms`);
    }
  }
}

describe('health e2e: catalog + health runner + a real service', () => {
  let server: Server;
  let port = 0;
  let healthy = true;
  let catalog: Catalog;
  let health: HealthRunner;

  before(async () => {
    server = createServer((req, res) => {
      res.statusCode = req.url === '/health' && healthy ? 200 : 500;
      res.end(healthy ? 'ok' : 'database unreachable');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    catalog = await Catalog.open({ store: new MemoryStore() });
    health = startHealth({ catalog });
  });

  after(async () => {
    await health.stop();
    await catalog.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test('an HTTP check follows the endpoint from 200 to 500 and back', async () => {
    const http = `http://127.0.0.1:${port}/health`;
    await catalog.registerService(service('api-1', 'api', port), [
      { definition: definition('api-1', { http, intervalMs: 50, timeoutMs: 1_000 }) },
    ]);
    await statusBecomes(catalog, 'api', 'check:api-1', 'passing');
    assert.equal(catalog.healthOf('api', { passingOnly: true }).length, 1);
    assert.equal(catalog.getCheck('check:api-1')?.output, `HTTP GET ${http}: 200 OK Output: ok`);

    healthy = false;
    await statusBecomes(catalog, 'api', 'check:api-1', 'critical');
    assert.equal(catalog.healthOf('api', { passingOnly: true }).length, 0);
    assert.match(catalog.getCheck('check:api-1')!.output, /500 Internal Server Error/);

    healthy = true;
    await statusBecomes(catalog, 'api', 'check:api-1', 'passing');
    assert.equal(catalog.healthOf('api', { passingOnly: true }).length, 1);
  });

  test('a TCP check turns critical when the listener goes away', async () => {
    const other = createServer();
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const tcp = `127.0.0.1:${(other.address() as AddressInfo).port}`;
    await catalog.registerService(service('db-1', 'db', 0), [
      { definition: definition('db-1', { type: 'tcp', tcp, intervalMs: 50, timeoutMs: 1_000 }) },
    ]);
    await statusBecomes(catalog, 'db', 'check:db-1', 'passing');
    await new Promise((resolve) => other.close(resolve));
    await statusBecomes(catalog, 'db', 'check:db-1', 'critical');
  });

  test('a crashed TTL client is dropped from passing results within TTL + 1 s', async () => {
    const ttlMs = 300;
    // Taken before the call: the TTL starts inside it, so a busy machine that returns late from
    // registerService must not make a correct expiry look early (a CI flake, stop 2).
    const registered = performance.now();
    await catalog.registerService(service('worker-1', 'worker', 0), [
      { definition: definition('worker-1', { type: 'ttl', ttlMs }), status: 'passing' },
    ]);
    assert.equal(catalog.healthOf('worker', { passingOnly: true }).length, 1);
    await statusBecomes(catalog, 'worker', 'check:worker-1', 'critical', ttlMs + 1_000);
    assert.ok(performance.now() - registered >= ttlMs - 1, 'not before the TTL');
    assert.equal(catalog.healthOf('worker', { passingOnly: true }).length, 0);
    assert.equal(catalog.getCheck('check:worker-1')?.output, 'TTL expired');
  });
});
