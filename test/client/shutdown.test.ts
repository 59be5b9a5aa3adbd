// handleShutdown and the health handlers in-process (exit: false, no signal listeners), against
// the real registry and a real node:http server. The child-process version (SIGTERM, exit code)
// is in failover.test.ts. Waits are on SDK events and request completions, all bounded.
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { Pool } from 'undici';
import { registry, type ClientEvent, type RegistryClient } from '../../src/client/index.js';
import { silentLogger } from '../../src/core/index.js';
import { startRegistry, type RunningRegistry } from '../../src/registry/registry-server.js';

const T = { timeout: 20_000 };

function nextEvent(sy: RegistryClient, match: (e: ClientEvent) => boolean, ms = 10_000) {
  return new Promise<ClientEvent>((resolve, reject) => {
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

/** A server whose `/slow` requests wait until `release()`; `/health` is the SDK's handler. */
async function service(sy: RegistryClient) {
  const held: ServerResponse[] = [];
  const health = sy.healthHandler();
  const server = createServer((req, res) => {
    if (req.url === '/health') return health(req, res);
    if (req.url === '/slow') return void held.push(res);
    res.end('fast');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    held,
    release: () => held.splice(0).forEach((res) => res.end('slow done')),
  };
}

/** GET over a fresh connection: status, body and the connection header. */
function get(port: number, path: string, method = 'GET') {
  return new Promise<{ status: number; body: string; connection: string | undefined }>(
    (resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path, method, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body, connection: res.headers.connection }),
        );
      });
      req.on('error', reject).end();
    },
  );
}

describe('handleShutdown', () => {
  const closers: (() => Promise<unknown>)[] = [];
  let reg: RunningRegistry;
  after(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  });

  test(
    'deregister → propagation (still serving, health 503) → close → drain in-flight → done',
    T,
    async () => {
      reg = await startRegistry({
        http: { host: '127.0.0.1', port: 0 },
        dns: false,
        dataDir: ':memory:',
        logger: silentLogger,
      });
      closers.push(() => reg.close());
      const sy = registry({ address: reg.httpUrl, logger: silentLogger });
      const svc = await service(sy);
      closers.push(async () => svc.server.closeAllConnections());
      await sy.registerSelf({ name: 'shop', port: svc.port, id: 'shop-1', address: '127.0.0.1' });
      const phases: string[] = [];
      sy.onEvent((e) => e.type === 'shutdown' && phases.push(e.phase));

      const handle = sy.handleShutdown(svc.server, {
        propagationMs: 300,
        exit: false,
        signals: [],
      });
      // a keep-alive connection that sits idle, and a request in flight
      const keepAlive = new Pool(`http://127.0.0.1:${svc.port}`, { connections: 1 });
      closers.push(() => keepAlive.destroy());
      await (await keepAlive.request({ path: '/', method: 'GET' })).body.text();
      const slow = get(svc.port, '/slow');
      while (svc.held.length === 0) await new Promise((resolve) => setImmediate(resolve));

      const propagation = nextEvent(sy, (e) => e.type === 'shutdown' && e.phase === 'propagation');
      const drain = nextEvent(sy, (e) => e.type === 'shutdown' && e.phase === 'drain');
      const done = handle.shutdown('test');
      assert.equal(handle.shuttingDown, true);

      await propagation;
      assert.equal(
        reg.catalog.getService('shop-1'),
        undefined,
        'deregistered before anything closes',
      );
      const health = await get(svc.port, '/health');
      assert.equal(health.status, 503, 'active health checks fail fast');
      assert.deepEqual(JSON.parse(health.body), { status: 'critical', reason: 'shutting down' });
      assert.equal(health.connection, 'close');
      assert.equal((await get(svc.port, '/')).body, 'fast', 'still serving during propagation');

      await drain;
      assert.equal(svc.server.listening, false, 'no longer accepting');
      await assert.rejects(get(svc.port, '/'), { code: 'ECONNREFUSED' });
      assert.equal(handle.inflight, 1);
      svc.release();
      const answer = await slow;
      assert.equal(answer.body, 'slow done', 'the in-flight request finished');
      assert.equal(answer.connection, 'close');
      await done; // the server's close callback fired: the idle keep-alive connection was closed too
      assert.deepEqual(phases, ['deregister', 'propagation', 'close', 'drain', 'exit']);
      assert.equal(handle.inflight, 0);
      await assert.rejects(sy.registerSelf({ name: 'late', port: 1 }), {
        code: 'SY_CLIENT_CLOSED',
      });
    },
  );

  test('the drain deadline cuts requests that never finish', T, async () => {
    const sy = registry({ address: 'http://127.0.0.1:1', logger: silentLogger });
    const svc = await service(sy);
    closers.push(async () => svc.server.closeAllConnections());
    const stuck = get(svc.port, '/slow');
    while (svc.held.length === 0) await new Promise((resolve) => setImmediate(resolve));
    const handle = sy.handleShutdown(svc.server, {
      propagationMs: 0,
      drainTimeoutMs: 200,
      exit: false,
      signals: [],
    });
    const started = performance.now();
    await handle.shutdown();
    assert.ok(performance.now() - started < 3_000);
    await assert.rejects(stuck, { code: 'ECONNRESET' });
    assert.equal(svc.server.listening, false);
  });

  test('a signal starts the sequence; dispose() removes the listeners', T, async () => {
    const sy = registry({ address: 'http://127.0.0.1:1', logger: silentLogger });
    const server: Server = createServer((_req, res) => res.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const before = process.listenerCount('SIGUSR2');
    const handle = sy.handleShutdown(server, {
      propagationMs: 0,
      exit: false,
      signals: ['SIGUSR2'],
    });
    assert.equal(process.listenerCount('SIGUSR2'), before + 1);
    const exit = nextEvent(sy, (e) => e.type === 'shutdown' && e.phase === 'exit');
    process.emit('SIGUSR2', 'SIGUSR2');
    await exit;
    assert.equal(handle.shuttingDown, true);
    assert.equal(process.listenerCount('SIGUSR2'), before, 'removed once done');
    const other = sy.handleShutdown(createServer(), { exit: false, signals: ['SIGUSR2'] });
    other.dispose();
    assert.equal(process.listenerCount('SIGUSR2'), before);
    assert.throws(() => sy.handleShutdown(server, { signals: 'SIGTERM' as never }), {
      code: 'SY_CLIENT_INVALID_OPTION',
    });
  });
});

describe('health handlers', () => {
  test(
    'node:http / Express handler: 200, HEAD without a body, custom check, 503 when shutting down',
    T,
    async () => {
      let dbUp = true;
      const sy = registry({ address: 'http://127.0.0.1:1', logger: silentLogger });
      const health = sy.healthHandler({ check: () => dbUp });
      const server = createServer((req, res) => health(req, res));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as AddressInfo).port;
      try {
        assert.deepEqual(await get(port, '/health'), {
          status: 200,
          body: '{"status":"passing"}',
          connection: 'close',
        });
        assert.equal((await get(port, '/health', 'HEAD')).body, '');
        dbUp = false;
        assert.equal((await get(port, '/health')).status, 503);
        dbUp = true;
        const handle = sy.handleShutdown(server, { propagationMs: 300, exit: false, signals: [] });
        const down = handle.shutdown();
        const answer = await get(port, '/health');
        assert.equal(answer.status, 503);
        await down;
      } finally {
        if (server.listening) {
          server.closeAllConnections();
          await new Promise((resolve) => server.close(resolve));
        }
      }
    },
  );

  test('Fastify handler sets the code and returns the body', T, async () => {
    const sy = registry({ address: 'http://127.0.0.1:1', logger: silentLogger });
    const handler = sy.fastifyHealth({
      check: () => {
        throw new Error('db down');
      },
    });
    const reply = {
      status: 0,
      headers: {} as Record<string, string>,
      code(s: number) {
        this.status = s;
        return this;
      },
      header(n: string, v: string) {
        this.headers[n] = v;
        return this;
      },
    };
    assert.deepEqual(await handler({}, reply), { status: 'critical', reason: 'db down' });
    assert.equal(reply.status, 503);
    const ok = sy.fastifyHealth();
    assert.deepEqual(await ok({}, reply), { status: 'passing' });
    assert.equal(reply.status, 200);
  });
});
