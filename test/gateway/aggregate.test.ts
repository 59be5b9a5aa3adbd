// BFF aggregation against real HTTP services on port 0, called through undici as the gateway
// would. Timeouts run on an injected ManualClock (no sleeps), except one real-clock smoke test.
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { Agent, request } from 'undici';
import {
  createAggregator,
  readBoundedBody,
  type AggregatePart,
  type AggregateResult,
  type AggregatorOptions,
  type PartCall,
} from '../../src/gateway/policies/aggregate/index.js';
import { ManualClock } from '../../src/resilience/clock.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface Service {
  readonly url: string;
  readonly requests: { url: string; headers: IncomingMessage['headers'] }[];
  /** Resolves once a request to this service was closed by the client before it was answered. */
  aborted(): Promise<void>;
  /** Resolves once this service has received `n` requests. */
  received(n?: number): Promise<void>;
  readonly server: Server;
}

async function startService(t: TestContext, handler: Handler): Promise<Service> {
  const events = new EventEmitter();
  const requests: Service['requests'] = [];
  let abortedCount = 0;
  const server = createServer((req, res) => {
    requests.push({ url: req.url ?? '', headers: req.headers });
    res.on('close', () => {
      if (res.writableFinished) return;
      abortedCount++;
      events.emit('aborted');
    });
    events.emit('request');
    handler(req, res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const bound = () => ({ signal: AbortSignal.timeout(5000) });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    server,
    async aborted() {
      if (abortedCount === 0) await once(events, 'aborted', bound());
    },
    async received(n = 1) {
      while (requests.length < n) await once(events, 'request', bound());
    },
  };
}

const json =
  (body: unknown, status = 200): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
const hang: Handler = () => {};

/** The gateway's side of the contract, done with undici: GET, bounded body, the part's signal. */
function undiciCall(t: TestContext, services: Record<string, Service | string>) {
  const agent = new Agent();
  t.after(() => agent.destroy());
  const settled = new EventEmitter();
  const done = new Set<string>();
  const call: PartCall = async (service, path, init) => {
    try {
      const s = services[service]!;
      const res = await request((typeof s === 'string' ? s : s.url) + path, {
        dispatcher: agent,
        headers: init.headers.flat(),
        signal: init.signal,
      });
      const body = await readBoundedBody(res.body, init.maxBodyBytes);
      return { status: res.statusCode, headers: res.headers, body };
    } finally {
      done.add(service);
      settled.emit('settled');
    }
  };
  /** Resolves once the named services' calls have settled. */
  async function settledFor(...names: string[]) {
    while (!names.every((n) => done.has(n)))
      await once(settled, 'settled', { signal: AbortSignal.timeout(5000) });
  }
  return { call, settledFor };
}

function profile(extra: Partial<Record<string, Partial<AggregatePart>>> = {}) {
  return {
    user: { service: 'user-service', path: '/users/:userId', ...extra.user },
    orders: {
      service: 'order-service',
      path: '/orders?user=:userId&limit=5',
      timeoutMs: 500,
      ...extra.orders,
    },
    recommendations: {
      service: 'recommendation-service',
      path: '/recommendations/:userId?limit=10',
      optional: true,
      timeoutMs: 300,
      ...extra.recommendations,
    },
  };
}

async function setup(
  t: TestContext,
  handlers: [Handler, Handler, Handler],
  options: AggregatorOptions = {},
) {
  const [user, orders, reco] = await Promise.all(handlers.map((h) => startService(t, h)));
  const upstream = undiciCall(t, {
    'user-service': user!,
    'order-service': orders!,
    'recommendation-service': reco!,
  });
  const clock = new ManualClock();
  const agg = createAggregator(profile(), upstream.call, { clock, ...options });
  return { user: user!, orders: orders!, reco: reco!, clock, agg, upstream };
}

function track(p: Promise<AggregateResult>) {
  const state: { result?: AggregateResult } = {};
  void p.then((r) => (state.result = r));
  return state;
}

const errorOf = (r: AggregateResult) =>
  (r.body as { error: { code: string; message: string; details: { reason: string } } }).error;

const T = { timeout: 10_000 };

test(
  'all parts succeed: keyed JSON, identity and trace headers forwarded, params encoded',
  T,
  async (t) => {
    const s = await setup(t, [json({ id: 'a/b c' }), json([{ id: 1 }]), json(['book'])]);
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const result = await s.agg.run({
      params: { userId: 'a/b c' },
      headers: [
        ['authorization', 'Bearer t'],
        ['x-user-id', 'a/b c'],
        ['x-request-id', 'req-1'],
        ['traceparent', traceparent],
      ],
    });
    assert.equal(result.status, 200);
    assert.deepEqual(result.body, {
      user: { id: 'a/b c' },
      orders: [{ id: 1 }],
      recommendations: ['book'],
    });
    assert.equal(result.headers['x-aggregate-partial'], undefined);
    assert.equal(s.user.requests[0]!.url, '/users/a%2Fb%20c');
    assert.equal(s.orders.requests[0]!.url, '/orders?user=a%2Fb%20c&limit=5');
    assert.equal(s.reco.requests[0]!.url, '/recommendations/a%2Fb%20c?limit=10');
    for (const svc of [s.user, s.orders, s.reco]) {
      const h = svc.requests[0]!.headers;
      assert.equal(h.authorization, 'Bearer t');
      assert.equal(h['x-request-id'], 'req-1');
      assert.equal(h.traceparent, traceparent);
      assert.equal(h.accept, 'application/json');
    }
    assert.equal(s.clock.pendingTimers, 0);
  },
);

test(
  'a slow optional part times out at its own timeout, is aborted, and the rest is served',
  T,
  async (t) => {
    const s = await setup(t, [json({ id: 7 }), json([]), hang]);
    const state = track(s.agg.run({ params: { userId: '7' }, headers: [] }));
    await s.upstream.settledFor('user-service', 'order-service');
    await s.reco.received();
    await s.clock.advanceAsync(299);
    assert.equal(state.result, undefined, 'waits for the optional part up to its timeout');
    await s.clock.advanceAsync(1);
    // (a cast: TypeScript still narrows `state.result` to undefined across the await)
    const result = state.result as AggregateResult | undefined;
    assert.ok(result, 'answers at the optional part timeout, not later');
    await s.reco.aborted();
    assert.equal(result.status, 200);
    assert.deepEqual(result.body, {
      user: { id: 7 },
      orders: [],
      recommendations: null,
      _errors: { recommendations: 'timed out after 300ms' },
    });
    assert.equal(result.headers['x-aggregate-partial'], 'recommendations');
  },
);

test('real clock: a hanging optional part costs only its timeout', T, async (t) => {
  const [user, reco] = await Promise.all([startService(t, json({ id: 1 })), startService(t, hang)]);
  const { call } = undiciCall(t, { u: user, r: reco });
  const agg = createAggregator(
    {
      user: { service: 'u', path: '/u' },
      extra: { service: 'r', path: '/r', optional: true, timeoutMs: 50 },
    },
    call,
  );
  const started = performance.now();
  const result = await agg.run({ params: {}, headers: [] });
  const elapsed = performance.now() - started;
  await reco.aborted();
  assert.deepEqual(result.body, {
    user: { id: 1 },
    extra: null,
    _errors: { extra: 'timed out after 50ms' },
  });
  assert.ok(elapsed < 2000, `answered in ${elapsed.toFixed(0)} ms although the part never answers`);
});

test(
  'a required part answering 500 makes a 502 at once and aborts the hanging parts',
  T,
  async (t) => {
    const s = await setup(t, [hang, json({ boom: true }, 500), hang]);
    const result = await s.agg.run({ params: { userId: '7' }, headers: [] });
    assert.equal(result.status, 502);
    const error = errorOf(result);
    assert.equal(error.code, 'SY_GW_AGGREGATE_PART_FAILED');
    assert.equal(
      error.message,
      'required aggregate part "orders" (order-service) failed: upstream answered 500',
    );
    await s.user.aborted();
    await s.reco.aborted();
    assert.equal(s.clock.pendingTimers, 0);
  },
);

test('a required part timing out makes a 504 naming it', T, async (t) => {
  const s = await setup(t, [json({}), hang, json([])]);
  const state = track(s.agg.run({ params: { userId: '7' }, headers: [] }));
  await s.upstream.settledFor('user-service', 'recommendation-service');
  await s.orders.received();
  await s.clock.advanceAsync(500);
  assert.equal(state.result!.status, 504);
  assert.match(
    errorOf(state.result!).message,
    /part "orders" \(order-service\) failed: timed out after 500ms/,
  );
  await s.orders.aborted();
});

test('a part answering non-JSON fails it; optional → null, required → 502', T, async (t) => {
  const html: Handler = (_req, res) =>
    res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>hi</h1>');
  const s = await setup(t, [json({}), json([]), html]);
  const partial = await s.agg.run({ params: { userId: '7' }, headers: [] });
  assert.equal(partial.status, 200);
  assert.deepEqual((partial.body as { _errors: unknown })._errors, {
    recommendations: 'upstream answered non-JSON (text/html)',
  });
  const s2 = await setup(t, [html, json([]), json([])]);
  const failed = await s2.agg.run({ params: { userId: '7' }, headers: [] });
  assert.equal(failed.status, 502);
  assert.equal(errorOf(failed).details.reason, 'upstream answered non-JSON (text/html)');
});

test('a huge part body is cut off at maxBodyBytes and fails the part', T, async (t) => {
  // Streams forever, so only the client closing the connection ends it.
  const endless: Handler = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(64 * 1024, 0x30);
    const pump = () => {
      while (!res.destroyed && res.write(chunk));
    };
    res.on('drain', pump);
    pump();
  };
  const s = await setup(t, [endless, json([]), json([])], { maxBodyBytes: 256 * 1024 });
  const result = await s.agg.run({ params: { userId: '7' }, headers: [] });
  assert.equal(result.status, 502);
  assert.match(
    errorOf(result).details.reason,
    /over the 262144-byte limit \(SY_GW_AGGREGATE_BODY_TOO_LARGE\)/,
  );
  await s.user.aborted();
});

test('the overall deadline caps the parts: 504 and every part aborted', T, async (t) => {
  const s = await setup(t, [hang, hang, hang], { deadlineMs: 1000 });
  const state = track(s.agg.run({ params: { userId: '7' }, headers: [], deadlineMs: 100 }));
  await s.user.received();
  await s.orders.received();
  await s.reco.received();
  await s.clock.advanceAsync(99);
  assert.equal(state.result, undefined);
  await s.clock.advanceAsync(1);
  assert.equal(state.result!.status, 504);
  assert.match(errorOf(state.result!).message, /did not finish within the 100ms deadline/);
  await Promise.all([s.user.aborted(), s.orders.aborted(), s.reco.aborted()]);
  assert.equal(s.clock.pendingTimers, 0);
});

test('a refused connection fails the part with a 502 naming the cause', T, async (t) => {
  const closed = createServer();
  closed.listen(0, '127.0.0.1');
  await once(closed, 'listening');
  const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
  closed.close();
  await once(closed, 'close');
  const { call } = undiciCall(t, { gone: url });
  const agg = createAggregator({ user: { service: 'gone', path: '/u' } }, call);
  const result = await agg.run({ params: {}, headers: [] });
  assert.equal(result.status, 502);
  assert.match(errorOf(result).details.reason, /ECONNREFUSED/);
});
