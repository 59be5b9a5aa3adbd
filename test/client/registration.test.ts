// Self-registration against the real registry (in this process, port 0, in-memory store):
// register, check variants, heartbeats at TTL/3 on a ManualClock, re-registration after the
// registry forgets the instance or restarts empty, and the registry being down, hanging,
// answering garbage or refusing. Waits are on SDK events and catalog changes, all bounded.
import assert from 'node:assert/strict';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { after, describe, test } from 'node:test';
import { registry, type ClientEvent, type RegistryClient } from '../../src/client/index.js';
import { ManualClock, silentLogger } from '../../src/core/index.js';
import { startRegistry, type RunningRegistry } from '../../src/registry/registry-server.js';
import { catalogUntil, passingIds } from './fixtures/catalog-wait.js';

const T = { timeout: 20_000 };

function openRegistry(port = 0, token?: string): Promise<RunningRegistry> {
  return startRegistry({
    http: { host: '127.0.0.1', port },
    dns: false,
    dataDir: ':memory:',
    logger: silentLogger,
    ...(token !== undefined && { token }),
  });
}

/** Resolves with the next event `match` accepts; rejects after `ms`. */
function nextEvent(
  sy: RegistryClient,
  match: (e: ClientEvent) => boolean,
  ms = 10_000,
): Promise<ClientEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no matching event within ${ms} ms`));
    }, ms);
    const off = sy.onEvent((e) => {
      if (!match(e)) return;
      clearTimeout(timer);
      off();
      resolve(e);
    });
  });
}

/** A TCP server that answers every connection with `reply` (or nothing, when undefined). */
async function fakeRegistry(
  reply: string | undefined,
): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: TcpServer = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => sockets.delete(socket));
    if (reply !== undefined) socket.once('data', () => socket.end(reply));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('registerSelf', () => {
  const closers: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  });

  test(
    'registers with a passing TTL check, tags, meta and address; deregister removes it',
    T,
    async () => {
      const reg = await openRegistry();
      closers.push(() => reg.close());
      const sy = registry({ address: reg.httpUrl, logger: silentLogger });
      closers.push(() => sy.close());
      const r = await sy.registerSelf({
        name: 'orders',
        port: 3000,
        id: 'orders-1',
        address: '127.0.0.1',
        tags: ['v2'],
        meta: { zone: 'a' },
        check: { ttl: '10s' },
      });
      assert.equal(r.registered, true);
      const service = reg.catalog.getService('orders-1');
      assert.deepEqual(
        {
          name: service?.name,
          port: service?.port,
          address: service?.address,
          tags: service?.tags,
          meta: service?.meta,
        },
        { name: 'orders', port: 3000, address: '127.0.0.1', tags: ['v2'], meta: { zone: 'a' } },
      );
      const check = reg.catalog.getCheck('service:orders-1');
      assert.equal(check?.definition.type, 'ttl');
      assert.equal(check?.definition.ttlMs, 10_000);
      assert.equal(check?.definition.deregisterCriticalAfterMs, 60_000);
      assert.equal(check?.status, 'passing', 'passed right after registering, not a TTL/3 later');

      await r.deregister();
      assert.equal(reg.catalog.getService('orders-1'), undefined);
      assert.equal(r.registered, false);
    },
  );

  test('HTTP and TCP check variants are sent as Consul checks', T, async () => {
    const reg = await openRegistry();
    closers.push(() => reg.close());
    const sy = registry({ address: reg.httpUrl, logger: silentLogger });
    closers.push(() => sy.close());
    await sy.registerSelf({
      name: 'api',
      port: 4100,
      id: 'api-http',
      address: '127.0.0.1',
      check: { http: '/health', interval: '10s', timeout: '1s' },
      deregisterCriticalServiceAfter: '2m',
    });
    await sy.registerSelf({
      name: 'api',
      port: 4101,
      id: 'api-tcp',
      check: { tcp: '127.0.0.1:4101', interval: '10s' },
    });
    const http = reg.catalog.getCheck('service:api-http')?.definition;
    assert.equal(http?.type, 'http');
    assert.equal(http?.http, 'http://127.0.0.1:4100/health');
    assert.equal(http?.intervalMs, 10_000);
    assert.equal(http?.timeoutMs, 1_000);
    assert.equal(http?.deregisterCriticalAfterMs, 120_000);
    const tcp = reg.catalog.getCheck('service:api-tcp')?.definition;
    assert.equal(tcp?.type, 'tcp');
    assert.equal(tcp?.tcp, '127.0.0.1:4101');
  });

  test(
    'heartbeats every TTL/3 (jitter from the injected random); re-registers when the registry forgets',
    T,
    async () => {
      const reg = await openRegistry();
      closers.push(() => reg.close());
      const clock = new ManualClock();
      const sy = registry({ address: reg.httpUrl, logger: silentLogger, clock, random: () => 0 });
      closers.push(() => sy.close());
      await sy.registerSelf({ name: 'beat', port: 3001, id: 'beat-1', check: { ttl: '3s' } });
      assert.equal(clock.pendingTimers, 1, 'one timer: the next heartbeat');

      const beat = nextEvent(sy, (e) => e.type === 'heartbeat');
      clock.advance(999);
      assert.equal(clock.pendingTimers, 1, 'not due before TTL/3');
      clock.advance(1);
      await beat;

      // the registry forgets the instance (as after a restart or a reap): the next beat gets 404
      await reg.catalog.deregisterService('beat-1');
      const forgotten = nextEvent(sy, (e) => e.type === 'forgotten');
      const again = nextEvent(sy, (e) => e.type === 'registered');
      assert.equal(clock.pendingTimers, 1, 'the next beat is scheduled');
      clock.advance(1_000);
      await forgotten;
      assert.deepEqual(await again, { type: 'registered', serviceId: 'beat-1', again: true });
      assert.equal(reg.catalog.getCheck('service:beat-1')?.status, 'passing');
    },
  );

  test('jitter keeps heartbeats within [0.8, 1] × TTL/3', T, async () => {
    const reg = await openRegistry();
    closers.push(() => reg.close());
    const clock = new ManualClock();
    const sy = registry({ address: reg.httpUrl, logger: silentLogger, clock, random: () => 0.999 });
    closers.push(() => sy.close());
    await sy.registerSelf({ name: 'jit', port: 3002, check: { ttl: '3s' } });
    const beat = nextEvent(sy, (e) => e.type === 'heartbeat');
    clock.advance(799);
    assert.equal(clock.pendingTimers, 1, 'not before 0.8 × TTL/3');
    clock.advance(2);
    await beat;
  });

  test(
    'the registry restarts with an empty store: the instance registers again on its own',
    T,
    async () => {
      let reg = await openRegistry();
      const port = Number(new URL(reg.httpUrl).port);
      const sy = registry({ address: reg.httpUrl, logger: silentLogger });
      closers.push(() => sy.close());
      await sy.registerSelf({
        name: 'phoenix',
        port: 3003,
        id: 'phoenix-1',
        check: { ttl: '600ms' },
      });
      await reg.close();
      reg = await openRegistry(port);
      closers.push(() => reg.close());
      assert.equal(reg.catalog.getService('phoenix-1'), undefined, 'the new registry starts empty');
      await nextEvent(sy, (e) => e.type === 'registered' && e.again);
      await catalogUntil(reg.catalog, (c) => passingIds(c, 'phoenix').includes('phoenix-1'));
    },
  );

  test(
    'registry down at start: rejects after registerTimeout naming the cause, keeps retrying, registers when it comes up',
    T,
    async () => {
      const probe = await openRegistry();
      const port = Number(new URL(probe.httpUrl).port);
      await probe.close(); // a port nothing listens on (for now)
      const sy = registry({ address: `127.0.0.1:${port}`, logger: silentLogger });
      closers.push(() => sy.close());
      const failed = nextEvent(sy, (e) => e.type === 'registration-failed');
      await assert.rejects(
        sy.registerSelf({ name: 'early', port: 3004, id: 'early-1', registerTimeout: '300ms' }),
        (e: Error & { code?: string }) =>
          e.code === 'SY_CLIENT_REGISTRY_UNREACHABLE' &&
          /ECONNREFUSED/.test(e.message) &&
          /still retrying/.test(e.message),
      );
      await failed;
      const reg = await openRegistry(port);
      closers.push(() => reg.close());
      await nextEvent(sy, (e) => e.type === 'registered');
      assert.ok(reg.catalog.getService('early-1'));
    },
  );

  test('a registry that hangs or answers garbage: registration fails clearly', T, async () => {
    const hang = await fakeRegistry(undefined);
    const garbage = await fakeRegistry('SSH-2.0-OpenSSH_9.6\r\n\r\n');
    const html = await fakeRegistry(
      'HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/html\r\ncontent-length: 21\r\n\r\n<h1>bad gateway</h1>\n',
    );
    closers.push(
      () => hang.close(),
      () => garbage.close(),
      () => html.close(),
    );
    const cases: [string, RegExp][] = [
      [hang.url, /timed out after 200 ms/],
      [garbage.url, /does not match the HTTP\/1.1 protocol/],
      [html.url, /answered 502: <h1>bad gateway<\/h1>/],
    ];
    for (const [address, cause] of cases) {
      const sy = registry({ address, logger: silentLogger, requestTimeout: '200ms' });
      closers.push(() => sy.close());
      await assert.rejects(
        sy.registerSelf({ name: 'x', port: 1, registerTimeout: '700ms' }),
        (e: Error & { code?: string }) => {
          assert.equal(e.code, 'SY_CLIENT_REGISTRY_UNREACHABLE');
          assert.match(e.message, cause);
          return true;
        },
      );
    }
  });

  test(
    'a registry that refuses (403 without the token) rejects at once with its answer',
    T,
    async () => {
      const reg = await openRegistry(0, 'secret');
      closers.push(() => reg.close());
      const denied = registry({ address: reg.httpUrl, logger: silentLogger });
      closers.push(() => denied.close());
      await assert.rejects(
        denied.registerSelf({ name: 'locked', port: 3005, registerTimeout: false }),
        (e: Error & { code?: string }) => {
          assert.equal(e.code, 'SY_CLIENT_REGISTRATION_REJECTED');
          assert.match(e.message, /403/);
          return true;
        },
      );
      const allowed = registry({ address: reg.httpUrl, token: 'secret', logger: silentLogger });
      closers.push(() => allowed.close());
      await allowed.registerSelf({ name: 'locked', port: 3005, id: 'locked-1' });
      assert.equal(reg.catalog.getCheck('service:locked-1')?.status, 'passing');
    },
  );

  test('bad options throw SY_CLIENT_INVALID_OPTION naming the path', T, async () => {
    const sy = registry({ address: 'http://127.0.0.1:1', logger: silentLogger });
    closers.push(() => sy.close());
    const bad: [object, string][] = [
      [{ port: 1 }, 'registerSelf.name'],
      [{ name: 'a b', port: 1 }, 'registerSelf.name'],
      [{ name: 'a', port: 70_000 }, 'registerSelf.port'],
      [{ name: 'a', port: 1, check: { ttl: 'soon' } }, 'registerSelf.check.ttl'],
      [{ name: 'a', port: 1, check: { http: '/h' } }, 'registerSelf.check.interval'],
      [{ name: 'a', port: 1, check: { ttl: '1s', http: '/h' } }, 'registerSelf.check'],
      [{ name: 'a', port: 1, check: { tcp: 'nohost', interval: '1s' } }, 'registerSelf.check.tcp'],
      [{ name: 'a', port: 1, tgas: [] }, 'registerSelf.tgas'],
    ];
    for (const [options, option] of bad) {
      await assert.rejects(
        sy.registerSelf(options as never),
        (e: Error & { code?: string; details?: { option?: string } }) => {
          assert.equal(e.code, 'SY_CLIENT_INVALID_OPTION', JSON.stringify(options));
          assert.equal(e.details?.option, option);
          return true;
        },
      );
    }
    assert.throws(() => registry({ address: 'ftp://x' }), { code: 'SY_CLIENT_INVALID_OPTION' });
  });
});
