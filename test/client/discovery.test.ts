// Discovery as the service client sees it: tag and meta filters against the real registry, no
// endpoints, and a registry that is down, answers garbage or hangs — before the first answer
// (calls fail with a clear error) and after it (calls keep going on the last known good list).
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { registry, type RegistryClient, type ServiceClient } from '../../src/client/index.js';
import { silentLogger } from '../../src/core/index.js';
import { startRegistry, type RunningRegistry } from '../../src/registry/registry-server.js';
import { deadUrl, startServers, type TestServer } from './fixtures/servers.js';

const T = { timeout: 20_000 };

/** Calls `web` until `predicate` holds; every call must succeed (that is the point). */
async function callsUntil(
  web: ServiceClient,
  predicate: () => boolean,
  max = 2_000,
): Promise<number> {
  for (let i = 0; i < max; i++) {
    const res = await web.fetch('/');
    assert.equal(res.status, 200);
    await res.text();
    if (predicate()) return i + 1;
  }
  throw new Error(`condition not met after ${max} calls`);
}

type Mode = 'good' | 'garbage' | 'hang';

/** A registry stand-in for `GET /v1/health/service/web`: answers, holds, or misbehaves on cue. */
async function fakeRegistry(instances: () => { id: string; port: number }[]) {
  let mode: Mode = 'good';
  let index = 10;
  const held: ServerResponse[] = [];
  const answer = (res: ServerResponse): void => {
    if (mode === 'hang') return void held.push(res);
    if (mode === 'garbage') {
      res.setHeader('content-type', 'text/html');
      return void res.end('<html>502 Bad Gateway</html>');
    }
    const body = instances().map(({ id, port }) => ({
      Node: { Node: 'n1', Address: '127.0.0.1' },
      Service: { ID: id, Service: 'web', Tags: [], Meta: {}, Address: '127.0.0.1', Port: port },
      Checks: [{ CheckID: `service:${id}`, Status: 'passing' }],
    }));
    res.setHeader('content-type', 'application/json');
    res.setHeader('x-consul-index', String(index));
    res.end(JSON.stringify(body));
  };
  const server: Server = createServer((req, res) => {
    const asked = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('index') ?? 0);
    if (mode === 'good' && asked >= index) return void held.push(res); // a blocking query
    answer(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** Switches behaviour and answers every held query the new way. */
    set(next: Mode) {
      mode = next;
      index++;
      for (const res of held.splice(0)) answer(res);
    },
    async close() {
      for (const res of held.splice(0)) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('discovery through the service client', () => {
  let reg: RunningRegistry;
  let sy: RegistryClient;
  let servers: TestServer[];
  before(async () => {
    reg = await startRegistry({
      http: { host: '127.0.0.1', port: 0 },
      dns: false,
      dataDir: ':memory:',
      logger: silentLogger,
    });
    sy = registry({ address: reg.httpUrl, logger: silentLogger });
    servers = await startServers(3);
  });
  after(async () => {
    await sy.close();
    await reg.close();
    await Promise.all(servers.map((s) => s.close()));
  });

  test('tag and meta filters pick the matching instances only', T, async () => {
    const [v1, v2, v2b] = servers;
    await sy.registerSelf({
      name: 'api',
      id: 'api-1',
      port: v1!.port,
      address: '127.0.0.1',
      tags: ['v1'],
      meta: { zone: 'a' },
      check: false,
    });
    await sy.registerSelf({
      name: 'api',
      id: 'api-2',
      port: v2!.port,
      address: '127.0.0.1',
      tags: ['v2'],
      meta: { zone: 'a' },
      check: false,
    });
    await sy.registerSelf({
      name: 'api',
      id: 'api-3',
      port: v2b!.port,
      address: '127.0.0.1',
      tags: ['v2'],
      meta: { zone: 'b' },
      check: false,
    });
    const v2only = sy.service('api', { tags: ['v2'] });
    assert.equal(await v2only.ready(5_000), true);
    assert.deepEqual(
      v2only.endpoints().map((e) => e.id),
      ['api-2', 'api-3'],
    );
    const zoneB = sy.service('api', { tags: ['v2'], meta: { zone: 'b' } });
    assert.equal(await zoneB.ready(5_000), true);
    assert.deepEqual(
      zoneB.endpoints().map((e) => e.id),
      ['api-3'],
    );
    const res = await zoneB.fetch('/');
    assert.equal(((await res.json()) as { port: number }).port, v2b!.port);
    await v2only.close();
    await zoneB.close();
  });

  test('nothing registered: SY_CLIENT_NO_ENDPOINTS (503) at once', T, async () => {
    const ghost = sy.service('ghost', { retries: false });
    await assert.rejects(ghost.fetch('/'), (e: Error & { code?: string; status?: number }) => {
      assert.equal(e.code, 'SY_CLIENT_NO_ENDPOINTS');
      assert.equal(e.status, 503);
      assert.match(e.message, /service ghost: no instance is registered and passing/);
      return true;
    });
    await ghost.close();
  });

  test(
    'a registry that never answered (down, or garbage): calls fail clearly after discoveryTimeout',
    T,
    async () => {
      const garbage = await fakeRegistry(() => []);
      garbage.set('garbage');
      const cases: [string, RegExp][] = [
        [await deadUrl(), /discovery has not answered after 300 ms: .*ECONNREFUSED/],
        [
          garbage.url,
          /discovery has not answered after 300 ms: registry answer is not JSON \(text\/html\)/,
        ],
      ];
      for (const [address, message] of cases) {
        const lost = registry({ address, logger: silentLogger });
        const web = lost.service('web', { discoveryTimeout: '300ms', retries: false });
        const started = performance.now();
        await assert.rejects(web.fetch('/'), (e: Error & { code?: string }) => {
          assert.equal(e.code, 'SY_CLIENT_NO_ENDPOINTS');
          assert.match(e.message, message);
          return true;
        });
        assert.ok(performance.now() - started < 2_000);
        await lost.close();
      }
      await garbage.close();
    },
  );

  test('after a good answer, garbage or a hang keeps the last known list serving', T, async () => {
    let list = [{ id: 'web-1', port: servers[0]!.port }];
    const fake = await fakeRegistry(() => list);
    const client = registry({ address: fake.url, logger: silentLogger });
    const web = client.service('web');
    assert.equal(await web.ready(5_000), true);
    assert.equal(web.status().state, 'ok');

    fake.set('garbage');
    await callsUntil(web, () => web.status().state === 'stale');
    assert.match(web.status().lastError ?? '', /not JSON/);
    assert.deepEqual(
      web.endpoints().map((e) => e.id),
      ['web-1'],
    );

    fake.set('hang');
    await callsUntil(web, () => true);

    list = [{ id: 'web-2', port: servers[1]!.port }];
    fake.set('good');
    await callsUntil(web, () => web.endpoints().some((e) => e.id === 'web-2'));
    assert.equal(web.status().state, 'ok');
    const res = await web.fetch('/');
    assert.equal(((await res.json()) as { port: number }).port, servers[1]!.port);
    await client.close();
    await fake.close();
  });
});
