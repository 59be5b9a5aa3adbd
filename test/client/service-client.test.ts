// The service client against real node:http servers on port 0 (fixed endpoint lists, so each
// case controls exactly which instance fails and how): balancing, retries and their rules,
// trace context, timeouts, the resilience policies, outlier ejection and the Response API.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ClientResponse,
  registry,
  type RegistryClient,
  type ServiceOptions,
} from '../../src/client/index.js';
import { silentLogger } from '../../src/core/index.js';
import { deadUrl, startServers, type TestServer } from './fixtures/servers.js';

const T = { timeout: 20_000 };
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

describe('service client', () => {
  let sy: RegistryClient;
  let servers: TestServer[];
  let dead: string;

  before(async () => {
    // random 0: round-robin starts at the first endpoint (by id), backoffs are 0 (full jitter)
    sy = registry({ address: 'http://127.0.0.1:1', logger: silentLogger, random: () => 0 });
    servers = await startServers(3);
    dead = await deadUrl();
  });
  after(async () => {
    await sy.close();
    await Promise.all(servers.map((s) => s.close()));
  });

  const reset = (...behaviours: TestServer['behaviour'][]) => {
    servers.forEach((s, i) => {
      s.behaviour = behaviours[i] ?? 'ok';
      s.seen.length = 0;
    });
  };
  const client = (urls: string[], options: ServiceOptions = {}) =>
    sy.service('web', { endpoints: urls, balancer: 'round-robin', ...options });
  const urls = (n = 3) => servers.slice(0, n).map((s) => s.url);

  test(
    'spreads calls over the instances on keep-alive connections, with a fresh trace per call',
    T,
    async () => {
      reset();
      const web = client(urls());
      const connectionsBefore = servers.map((s) => s.connections);
      for (let i = 0; i < 30; i++) {
        const res = await web.fetch('/items?page=2');
        assert.equal(res.status, 200);
        await res.json();
      }
      assert.deepEqual(
        servers.map((s) => s.seen.length),
        [10, 10, 10],
      );
      assert.deepEqual(
        servers.map((s, i) => s.connections - connectionsBefore[i]!),
        [1, 1, 1],
        'one keep-alive connection per instance',
      );
      const traces = servers.flatMap((s) => s.seen.map((r) => r.headers.traceparent as string));
      for (const t of traces) assert.match(t, TRACEPARENT);
      assert.equal(new Set(traces.map((t) => TRACEPARENT.exec(t)![1])).size, 30);
      assert.equal(servers[0]!.seen[0]!.url, '/items?page=2');
      await web.close();
    },
  );

  test(
    "continues the caller's trace with a new span per try; sends Idempotency-Key",
    T,
    async () => {
      reset('fail', 'fail');
      const web = client(urls(2), { retries: { attempts: 2 } });
      const parent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
      const res = await web.fetch('/charge', {
        method: 'POST',
        body: 'amount=5',
        headers: { traceparent: parent, tracestate: 'vendor=1', 'x-user': 'u1' },
        idempotencyKey: 'order-42',
      });
      assert.equal(res.status, 503);
      const tries = [...servers[0]!.seen, ...servers[1]!.seen];
      assert.equal(tries.length, 2, 'the first 503 was retried on the other instance');
      const spans = tries.map((r) => TRACEPARENT.exec(r.headers.traceparent as string)!);
      assert.deepEqual(
        spans.map((m) => m[1]),
        ['4bf92f3577b34da6a3ce929d0e0e4736', '4bf92f3577b34da6a3ce929d0e0e4736'],
      );
      assert.notEqual(spans[0]![2], spans[1]![2]);
      assert.ok(spans.every((m) => m[2] !== '00f067aa0ba902b7'));
      for (const r of tries) {
        assert.equal(r.headers['idempotency-key'], 'order-42');
        assert.equal(r.headers.tracestate, 'vendor=1');
        assert.equal(r.headers['x-user'], 'u1');
        assert.equal(r.body, 'amount=5');
      }
      await web.close();
    },
  );

  test(
    'idempotent methods retry a 5xx on another instance; POST without a key does not',
    T,
    async () => {
      reset('fail', 'ok', 'ok');
      const web = client(urls(), { retries: { attempts: 3, budget: false } });
      for (let i = 0; i < 9; i++) {
        const res = await web.fetch('/x', { method: i % 2 ? 'PUT' : 'GET' });
        assert.equal(res.status, 200);
        await res.text();
      }
      assert.ok(servers[0]!.seen.length >= 3, 'the failing instance was tried in its turn…');
      assert.equal(
        servers[1]!.seen.length + servers[2]!.seen.length,
        9,
        '…and every call succeeded',
      );

      reset('fail', 'fail', 'fail');
      const post = await web.fetch('/pay', { method: 'POST', body: 'x' });
      assert.equal(post.status, 503, 'a non-idempotent call gets the answer, not a retry');
      assert.equal(
        servers.reduce((n, s) => n + s.seen.length, 0),
        1,
      );

      await web.close();

      reset('fail', 'fail');
      const two = client(urls(2), { retries: { attempts: 2, budget: false } });
      const keyed = await two.fetch('/pay', { method: 'POST', body: 'x', idempotencyKey: 'k1' });
      assert.equal(
        keyed.status,
        503,
        'after the last try the 5xx response is returned, as fetch does',
      );
      assert.equal(await keyed.text(), '{"error":"unavailable"}');
      assert.deepEqual(
        servers.map((s) => s.seen.length),
        [1, 1, 0],
        'the retry went to the other instance',
      );
      await two.close();
    },
  );

  test('a refused connection is retried for any method (the request never left)', T, async () => {
    reset();
    const web = client([dead, servers[0]!.url], { outlierDetection: false });
    for (let i = 0; i < 4; i++) {
      const res = await web.fetch('/pay', { method: 'POST', body: String(i) });
      assert.equal(res.status, 200);
      await res.text();
    }
    assert.equal(servers[0]!.seen.length, 4);
    await web.close();
  });

  test('every try failing rejects with SY_CLIENT_UPSTREAM_FAILED naming each try', T, async () => {
    const web = client(
      [dead, dead.replace(/:(\d+)$/, (_, p: string) => `:${Number(p) + 0}`) + '/'].slice(0, 1),
      {
        retries: { attempts: 3, budget: false },
      },
    );
    await assert.rejects(
      web.fetch('/'),
      (e: Error & { code?: string; details?: Record<string, unknown> }) => {
        assert.equal(e.code, 'SY_CLIENT_UPSTREAM_FAILED');
        assert.equal(e.details?.attempts, 3);
        assert.equal(e.details?.reason, 'connect');
        assert.match(e.message, /all 3 tries failed: .*connect \(ECONNREFUSED/);
        return true;
      },
    );
    await web.close();
  });

  test('the per-try timeout is exact and moves on to another instance', T, async () => {
    reset('hang', 'ok');
    const web = client(urls(2), { timeout: '150ms', outlierDetection: false });
    const durations: number[] = [];
    for (let i = 0; i < 2; i++) {
      const started = performance.now();
      const res = await web.fetch('/slow');
      assert.equal(((await res.json()) as { port: number }).port, servers[1]!.port);
      durations.push(performance.now() - started);
    }
    // endpoints are ordered by id (host:port), so whether A comes first depends on the ports
    assert.ok(servers[0]!.seen.length >= 1, 'the hanging instance was tried');
    assert.ok(Math.max(...durations) >= 150, 'its try waited for the timeout');
    for (const ms of durations) assert.ok(ms < 600, `took ${Math.round(ms)} ms`);
    await web.close();

    reset('hang');
    const single = client(urls(1), { timeout: '150ms', retries: false });
    const t0 = performance.now();
    await assert.rejects(
      single.fetch('/slow'),
      (e: Error & { code?: string; details?: Record<string, unknown> }) => {
        assert.equal(e.code, 'SY_CLIENT_UPSTREAM_FAILED');
        assert.equal(e.details?.reason, 'timeout');
        assert.match(e.message, /timed out after 150 ms/);
        return true;
      },
    );
    const elapsed = performance.now() - t0;
    assert.ok(elapsed >= 150 && elapsed < 600, `timed out after ${Math.round(elapsed)} ms`);
    await single.close();
  });

  test('totalTimeout bounds the whole call; the caller’s signal cancels it', T, async () => {
    reset('hang', 'hang', 'hang');
    const web = client(urls(), { timeout: '1s', totalTimeout: '200ms' });
    await assert.rejects(web.fetch('/'), { code: 'SY_RES_TIMEOUT' });
    // the deadline also ends a retry's backoff sleep (5 s here) at once
    reset('fail', 'fail', 'fail');
    const patient = client(urls(), {
      totalTimeout: '200ms',
      retries: { attempts: 3, budget: false, backoff: { next: () => 5_000 } },
    });
    const t0 = performance.now();
    await assert.rejects(patient.fetch('/'), { code: 'SY_RES_TIMEOUT' });
    assert.ok(performance.now() - t0 < 1_000);
    await patient.close();
    const controller = new AbortController();
    const pending = web.fetch('/', { signal: controller.signal });
    setImmediate(() => controller.abort(new Error('user gave up')));
    await assert.rejects(pending, (e: Error & { code?: string }) => {
      assert.equal(e.code, 'SY_RES_CANCELLED');
      assert.equal((e.cause as Error).message, 'user gave up');
      return true;
    });
    await web.close();
  });

  test('circuit breaker, bulkhead and fallback wrap the calls', T, async () => {
    reset('fail', 'fail', 'fail');
    const broken = client(urls(), {
      retries: false,
      circuitBreaker: { failureThreshold: 2, cooldown: '1m' },
    });
    assert.equal((await broken.fetch('/')).status, 503);
    assert.equal((await broken.fetch('/')).status, 503);
    const seen = servers.reduce((n, s) => n + s.seen.length, 0);
    await assert.rejects(broken.fetch('/'), { code: 'SY_RES_CIRCUIT_OPEN' });
    assert.equal(
      servers.reduce((n, s) => n + s.seen.length, 0),
      seen,
      'the open breaker sent nothing',
    );
    await broken.close();

    reset('hang');
    const narrow = client(urls(1), {
      timeout: '300ms',
      retries: false,
      bulkhead: { maxConcurrent: 1 },
    });
    const first = narrow.fetch('/');
    await assert.rejects(narrow.fetch('/'), { code: 'SY_RES_BULKHEAD_FULL' });
    await assert.rejects(first, { code: 'SY_CLIENT_UPSTREAM_FAILED' });
    await narrow.close();

    reset('fail', 'fail', 'fail');
    const cached = client(urls(), {
      retries: false,
      fallback: new Response('{"items":[]}', { status: 200, headers: { 'x-fallback': '1' } }),
    });
    for (let i = 0; i < 2; i++) {
      const res = await cached.fetch('/items');
      assert.equal(res.headers.get('x-fallback'), '1');
      assert.deepEqual(await res.json(), { items: [] }, 'a Response value is cloned per use');
    }
    await cached.close();
  });

  test('outlier detection ejects an instance that refuses connections', T, async () => {
    reset();
    const web = client([dead, servers[0]!.url, servers[1]!.url]);
    for (let i = 0; i < 6; i++) await (await web.fetch('/')).text();
    const states = web.endpoints();
    assert.deepEqual(
      states.map((e) => e.ejected),
      states.map((e) => e.url === dead),
    );
    assert.equal(servers[0]!.seen.length + servers[1]!.seen.length, 6);
    await web.close();
  });

  test('the Response is fetch-compatible', T, async () => {
    reset();
    const web = client(urls(1));
    const res = await web.fetch('/r');
    assert.equal(res.ok, true);
    assert.equal(res.statusText, 'OK');
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.equal(res.url, `${servers[0]!.url}/r`);
    const copy = res.clone();
    assert.deepEqual(await res.json(), { port: servers[0]!.port, body: '' });
    assert.equal(res.bodyUsed, true);
    assert.deepEqual(await copy.json(), { port: servers[0]!.port, body: '' });
    const stream = (await web.fetch('/s')).body!;
    let text = '';
    for await (const chunk of stream) text += Buffer.from(chunk).toString();
    assert.match(text, /"port"/);
    const own = (await web.fetch('/t')) as ClientResponse;
    assert.ok(own instanceof ClientResponse);
    assert.ok(own.toResponse() instanceof Response);
    await web.close();
  });

  test('bad options and bad calls are refused with a clear error', T, async () => {
    const bad: [ServiceOptions, string][] = [
      [{ balancer: 'fastest' as never }, 'service(web).balancer'],
      [{ timeout: 'soon' }, 'service(web).timeout'],
      [{ retries: { attempts: 0 } }, 'service(web).retries.attempts'],
      [{ circuitBreaker: { failureThreshold: 0 } }, 'service(web).circuitBreaker.failureThreshold'],
      [{ bulkhead: {} as never }, 'service(web).bulkhead.maxConcurrent'],
      [{ retires: {} } as never, 'service(web).retires'],
      [
        { outlierDetection: { maxEjectionPercent: 150 } },
        'service(web).outlierDetection.maxEjectionPercent',
      ],
      [{ endpoints: ['not a url'] }, 'service(web).endpoints'],
    ];
    for (const [options, option] of bad) {
      assert.throws(
        () => sy.service('web', options),
        (e: Error & { code?: string; details?: { option?: string } }) => {
          assert.equal(
            e.code,
            'SY_CLIENT_INVALID_OPTION',
            `${JSON.stringify(options)}: ${e.message}`,
          );
          assert.equal(e.details?.option, option);
          return true;
        },
      );
    }
    const web = client(urls(1));
    await assert.rejects(web.fetch('http://elsewhere/x'), TypeError);
    await assert.rejects(web.fetch('/x', { method: 'BAD METHOD' }), TypeError);
    await web.close();
    await assert.rejects(web.fetch('/x'), { code: 'SY_CLIENT_CLOSED' });
  });
});
