// The scenarios with real processes: a real registry (in this process, so the test can
// wait on its catalog), three fixture instances as child processes that register themselves with
// the SDK, and a service client under steady traffic. Every wait is on an event (a catalog
// change, a line from a child, a call completing), bounded; every child is stopped by PID.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, test } from 'node:test';
import { registry, type RegistryClient } from '../../src/client/index.js';
import { silentLogger } from '../../src/core/index.js';
import { startRegistry, type RunningRegistry } from '../../src/registry/registry-server.js';
import { catalogUntil, passingIds } from './fixtures/catalog-wait.js';
import { startInstance, type InstanceProcess } from './fixtures/instance-process.js';
import { startLoad, type Load } from './fixtures/load.js';

const TEST_TIMEOUT = 60_000;

async function openRegistry(port = 0, dataDir = ':memory:'): Promise<RunningRegistry> {
  return startRegistry({
    http: { host: '127.0.0.1', port },
    dns: false,
    dataDir,
    logger: silentLogger,
  });
}

function portOf(reg: RunningRegistry): number {
  return Number(new URL(reg.httpUrl).port);
}

describe('client failover with real processes', () => {
  const children: InstanceProcess[] = [];
  const cleanups: (() => Promise<unknown>)[] = [];
  let load: Load | undefined;

  async function instances(address: string, count: number, env: Record<string, string> = {}) {
    const started = await Promise.all(
      Array.from({ length: count }, () =>
        startInstance({ REGISTRY: address, NAME: 'web', ...env }),
      ),
    );
    children.push(...started);
    await Promise.all(started.map((c) => c.waitFor((l) => l.type === 'registered')));
    return started;
  }

  async function client(address: string): Promise<RegistryClient> {
    const sy = registry({ address, logger: silentLogger });
    cleanups.push(() => sy.close());
    return sy;
  }

  afterEach(async () => {
    await load?.stop();
    load = undefined;
    for (const c of children.splice(0)) await c.kill();
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });
  after(async () => {
    for (const c of children.splice(0)) await c.kill();
  });

  test(
    'kill -9 one of three instances under idempotent traffic: zero failed calls',
    { timeout: TEST_TIMEOUT },
    async () => {
      const reg = await openRegistry();
      cleanups.push(() => reg.close());
      const [a, b, c] = await instances(reg.httpUrl, 3);
      const sy = await client(reg.httpUrl);
      const web = sy.service('web', { timeout: '2s', retries: { attempts: 3 } });
      assert.equal(await web.ready(5_000), true);
      load = startLoad(web, { concurrency: 6 });
      // traffic reaches all three before the crash
      await load.until((s) => [a, b, c].every((i) => s.ports.includes(i!.port)));

      await b!.kill();
      const killedAt = load.stats.ok;
      // the TTL lapses (1 s): the registry drops the instance, discovery follows
      await catalogUntil(
        reg.catalog,
        (cat) => passingIds(cat, 'web').length === 2,
        10_000,
        'b critical',
      );
      await load.until((s) => web.endpoints().length === 2 && s.ok > killedAt + 300);
      const stats = await load.stop();
      load = undefined;
      assert.deepEqual(stats.errors, []);
      assert.equal(stats.failed, 0);
      const tail = stats.ports.slice(-100);
      assert.ok(
        !tail.includes(b!.port),
        'no call reaches the dead instance after discovery drops it',
      );
      assert.ok(tail.includes(a!.port) && tail.includes(c!.port));
    },
  );

  test(
    'SIGTERM an instance under traffic (handleShutdown): zero failed calls, even POSTs without a key',
    { timeout: TEST_TIMEOUT },
    async () => {
      const reg = await openRegistry();
      cleanups.push(() => reg.close());
      const [a, b, c] = await instances(reg.httpUrl, 3, { PROPAGATION_MS: '400' });
      const sy = await client(reg.httpUrl);
      const web = sy.service('web', { timeout: '2s' });
      assert.equal(await web.ready(5_000), true);
      // half the calls are POSTs without an idempotency key: never retried after they left
      load = startLoad(web, {
        concurrency: 6,
        request: (n) =>
          n % 2 === 0 ? ['/work?ms=5'] : ['/work?ms=5', { method: 'POST', body: 'x' }],
      });
      await load.until((s) => [a, b, c].every((i) => s.ports.includes(i!.port)));

      b!.child.kill('SIGTERM');
      assert.equal(await b!.exited, 0, 'a clean drain exits 0');
      const phases = b!.lines.filter((l) => l.type === 'shutdown').map((l) => l.phase);
      assert.deepEqual(phases, ['deregister', 'propagation', 'close', 'drain', 'exit']);
      assert.ok(b!.lines.some((l) => l.type === 'deregistered'));
      const exitedAt = load.stats.ok;
      await load.until((s) => s.ok > exitedAt + 200);
      const stats = await load.stop();
      load = undefined;
      assert.deepEqual(stats.errors, []);
      assert.ok(!stats.ports.slice(-100).includes(b!.port));
      assert.deepEqual(passingIds(reg.catalog, 'web').length, 2);
    },
  );

  test(
    'registry down: calls continue from the cache; registry back: a new instance is used within 1 s',
    { timeout: TEST_TIMEOUT },
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'sy-client-'));
      cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
      let reg = await openRegistry(0, dataDir);
      const port = portOf(reg);
      cleanups.push(() => reg.close());
      const [a, b] = await instances(reg.httpUrl, 2, { TTL: '2s' });
      const sy = await client(reg.httpUrl);
      const web = sy.service('web', { timeout: '2s' });
      assert.equal(await web.ready(5_000), true);
      load = startLoad(web, { concurrency: 4 });
      await load.until((s) => s.ports.includes(a!.port) && s.ports.includes(b!.port));

      await reg.close();
      const downAt = load.stats.ok;
      await load.until((s) => web.status().state === 'stale' && s.ok > downAt + 300);
      assert.equal(load.stats.failed, 0, 'the last known list keeps serving');
      // The held blocking query sees the close ("other side closed"), later ones are refused.
      assert.match(
        web.status().lastError ?? '',
        /ECONNREFUSED|fetch failed|unreachable|other side closed|ECONNRESET/,
      );

      reg = await openRegistry(port, dataDir);
      const [c] = await instances(reg.httpUrl, 1, { TTL: '2s' });
      const registeredAt = performance.now();
      await load.until((s) => s.ports.includes(c!.port), 5_000);
      const pickedUpMs = performance.now() - registeredAt;
      assert.ok(pickedUpMs < 1_000, `new instance used after ${Math.round(pickedUpMs)} ms`);
      assert.equal(web.status().state, 'ok');
      const stats = await load.stop();
      load = undefined;
      assert.deepEqual(stats.errors, []);
    },
  );
});
