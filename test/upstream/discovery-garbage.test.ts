import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createLogger } from '../../src/core/logger.js';
import type { EndpointSource } from '../../src/core/upstream/discovery/endpoint-source.js';
import { registrySource } from '../../src/core/upstream/discovery/registry-source.js';
import type { RegistrySourceOptions } from '../../src/core/upstream/discovery/registry-source-options.js';
import { ManualClock } from '../../src/resilience/clock.js';
import { ids, listWhere, statusWhere, until } from './discovery-harness.js';

type Mode =
  | 'good'
  | 'html'
  | 'invalid-json'
  | 'wrong-shape'
  | 'bad-entry'
  | '500'
  | 'no-index'
  | 'hang'
  | 'reset';

/** A fake registry whose answers the test switches between good and every kind of garbage. */
const fake = {
  mode: 'good' as Mode,
  index: 10,
  instances: ['a'],
  requests: 0,
  urls: [] as string[],
  /** Requests received and not yet answered or hung up. */
  open: new Set<ServerResponse>(),
  url: '',
};

function entry(id: string, port: number) {
  return {
    Node: { Node: 'n1', Address: '127.0.0.1' },
    Service: { ID: id, Service: 'web', Tags: [], Meta: {}, Address: '', Port: port },
    Checks: [{ CheckID: 'serfHealth', Status: 'passing' }],
  };
}

function answer(req: IncomingMessage, res: ServerResponse): void {
  fake.requests++;
  fake.urls.push(req.url ?? '');
  fake.open.add(res);
  res.on('close', () => fake.open.delete(res));
  const json = (status: number, body: string, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body);
  };
  const index = { 'x-consul-index': String(fake.index) };
  switch (fake.mode) {
    case 'good':
      return json(200, JSON.stringify(fake.instances.map((id, i) => entry(id, 9000 + i))), index);
    case 'html':
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Login</body></html>');
      return;
    case 'invalid-json':
      return json(200, '[{"Service": {', index);
    case 'wrong-shape':
      return json(200, JSON.stringify({ services: [] }), index);
    case 'bad-entry':
      return json(200, JSON.stringify([{ Node: {} }]), index);
    case '500':
      res.writeHead(500, { 'content-type': 'text/plain' }).end('rpc error: No cluster leader');
      return;
    case 'no-index':
      return json(200, '[]');
    case 'hang':
      return; // never answers
    case 'reset':
      req.socket.destroy();
      return;
  }
}

const server = createServer(answer);
const sources: EndpointSource[] = [];
const logLines: string[] = [];

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  for (const s of sources) s.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function watch(options: Partial<RegistrySourceOptions> = {}): EndpointSource {
  const source = registrySource({
    address: fake.url,
    service: 'web',
    waitMs: 100,
    timeoutSlackMs: 200,
    logger: createLogger('test', 'debug', (line) => logLines.push(line)),
    ...options,
  });
  sources.push(source);
  return source;
}

describe('registrySource against a broken registry', { timeout: 20_000 }, () => {
  test('each kind of garbage: stale with a clear lastError, logged, last good list kept', async () => {
    fake.mode = 'good';
    fake.instances = ['a', 'b'];
    const source = watch();
    assert.ok(await source.ready(2_000));
    const good = source.current();
    const cases: [Mode, RegExp][] = [
      ['html', /not JSON \(text\/html\): <html><body>Login<\/body><\/html>/],
      ['invalid-json', /not JSON \(application\/json\): \[\{"Service": \{/],
      ['wrong-shape', /expected a JSON array of health entries, got an object/],
      ['bad-entry', /entry \[0\] has no Service object/],
      ['500', /registry answered 500 Internal Server Error: rpc error: No cluster leader/],
      ['no-index', /no X-Consul-Index header/],
      ['reset', /registry request failed: .*(other side closed|ECONNRESET|socket)/i],
      ['hang', /registry did not answer within 306 ms/],
    ];
    for (const [mode, message] of cases) {
      fake.mode = mode;
      const status = await statusWhere(
        source,
        (s) => s.state === 'stale' && message.test(s.lastError ?? ''),
        3_000,
        `stale after ${mode}`,
      );
      assert.equal(source.current(), good, `${mode}: list kept`);
      assert.ok(
        logLines.some(
          (l) =>
            l.includes('"level":"error"') &&
            l.includes(JSON.stringify(status.lastError).slice(1, -1)),
        ),
        `${mode}: logged`,
      );
      fake.mode = 'good';
      await statusWhere(source, (s) => s.state === 'ok', 3_000, `ok after ${mode}`);
    }
    fake.instances = ['c'];
    await listWhere(source, (l) => ids(l).join() === 'c', 2_000, 'updates resume');
    assert.equal(fake.open.size <= 1, true);
    source.close();
  });

  test('a hung registry is abandoned after wait + slack; close aborts the hung request', async () => {
    fake.mode = 'hang';
    const clock = new ManualClock();
    const source = watch({ clock });
    await until(() => fake.open.size === 1, 2_000, 'a hung request');
    clock.advance(306.25); // wait 100 + wait/16 + slack 200
    await statusWhere(source, (s) => s.state === 'stale', 2_000, 'timeout');
    await until(() => fake.open.size === 0, 2_000, 'the hung request aborted');
    clock.advance(1_000); // the retry delay is at most 1 s
    await until(() => fake.open.size === 1, 2_000, 'the retry, hung too');
    source.close();
    await until(() => fake.open.size === 0, 2_000, 'hung request aborted by close');
    assert.equal(clock.pendingTimers, 0, 'no timer left behind');
  });

  test('an index that goes backwards restarts from 0', async () => {
    fake.mode = 'good';
    fake.instances = ['a'];
    fake.index = 1_000;
    const source = watch();
    assert.ok(await source.ready(2_000));
    await until(() => fake.urls.some((u) => u.includes('index=1000')), 2_000, 'index 1000 sent');
    fake.index = 5;
    fake.instances = ['b'];
    await listWhere(source, (l) => ids(l).join() === 'b', 2_000, 'answer with a lower index');
    const from = fake.urls.length;
    await until(() => fake.urls.length >= from + 2, 2_000, 'two more queries');
    const next = fake.urls.slice(from, from + 2);
    assert.ok(!/index=/.test(next[0]!), `reset to 0: ${next[0]}`);
    assert.match(next[1]!, /index=5&/);
    source.close();
  });

  test('a server that never blocks is paced: a burst of 2, then 5 queries/s', async () => {
    fake.mode = 'good';
    fake.index = 7;
    const source = watch();
    assert.ok(await source.ready(2_000));
    const start = fake.requests;
    const t0 = performance.now();
    await until(() => fake.requests >= start + 6, 3_000, '6 more queries');
    const elapsed = performance.now() - t0;
    assert.ok(elapsed >= 900, `6 queries in ${elapsed.toFixed(0)} ms`);
    source.close();
  });
});
