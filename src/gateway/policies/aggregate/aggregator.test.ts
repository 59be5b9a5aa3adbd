import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock, flushMicrotasks } from '../../../resilience/clock.js';
import {
  createAggregator,
  type AggregateResult,
  type PartCallInit,
  type PartResponse,
} from './aggregator.js';

/** A fake upstream: each call waits until the test answers or rejects it. */
function fakeUpstream() {
  const calls = new Map<
    string,
    {
      path: string;
      init: PartCallInit;
      answer(status: number, body: unknown, raw?: boolean): void;
      reject(error: Error): void;
    }
  >();
  const call = (service: string, path: string, init: PartCallInit): Promise<PartResponse> =>
    new Promise((resolve, reject) => {
      calls.set(service, {
        path,
        init,
        answer: (status, body, raw) =>
          resolve({
            status,
            headers: { 'content-type': raw ? 'text/html' : 'application/json' },
            body: Buffer.from(raw ? String(body) : JSON.stringify(body)),
          }),
        reject,
      });
    });
  return { calls, call };
}

const PROFILE = {
  user: { service: 'users', path: '/users/:userId' },
  orders: { service: 'orders', path: '/orders?user=:userId&limit=5', timeoutMs: 500 },
  recommendations: {
    service: 'reco',
    path: '/recommendations/:userId?limit=10',
    optional: true,
    timeoutMs: 300,
  },
};

/** Observes a run's promise without awaiting it, so tests can check it is still pending. */
function track(p: Promise<AggregateResult>) {
  const state: { result?: AggregateResult } = {};
  void p.then((r) => (state.result = r));
  return state;
}

test('all parts succeed: one JSON object keyed by part, headers forwarded, paths encoded', async () => {
  const clock = new ManualClock();
  const up = fakeUpstream();
  const agg = createAggregator(PROFILE, up.call, { clock });
  assert.deepEqual(agg.parts, ['user', 'orders', 'recommendations']);
  assert.deepEqual(agg.params, ['userId']);
  const run = agg.run({ params: { userId: 'a/b c' }, headers: [['x-request-id', 'r1']] });
  assert.equal(up.calls.get('users')!.path, '/users/a%2Fb%20c');
  assert.equal(up.calls.get('orders')!.path, '/orders?user=a%2Fb%20c&limit=5');
  assert.deepEqual(up.calls.get('orders')!.init.headers, [
    ['x-request-id', 'r1'],
    ['accept', 'application/json'],
  ]);
  assert.equal(up.calls.get('orders')!.init.timeoutMs, 500);
  assert.equal(up.calls.get('users')!.init.timeoutMs, 2000);
  up.calls.get('reco')!.answer(200, ['r']);
  up.calls.get('orders')!.answer(200, [{ id: 1 }]);
  up.calls.get('users')!.answer(200, { id: 'a/b c' });
  const result = await run;
  assert.equal(result.status, 200);
  assert.deepEqual(result.body, {
    user: { id: 'a/b c' },
    orders: [{ id: 1 }],
    recommendations: ['r'],
  });
  assert.equal(result.headers['x-aggregate-partial'], undefined);
  assert.equal(clock.pendingTimers, 0);
});

test('an optional part timing out becomes null, named in _errors and X-Aggregate-Partial', async () => {
  const clock = new ManualClock();
  const up = fakeUpstream();
  const state = track(
    createAggregator(PROFILE, up.call, { clock }).run({ params: { userId: '7' }, headers: [] }),
  );
  up.calls.get('users')!.answer(200, { id: 7 });
  up.calls.get('orders')!.answer(200, []);
  await clock.advanceAsync(299);
  assert.equal(state.result, undefined, 'still waiting for the optional part');
  await clock.advanceAsync(1);
  assert.ok(up.calls.get('reco')!.init.signal.aborted, 'the slow part was aborted');
  assert.equal(state.result!.status, 200);
  assert.deepEqual(state.result!.body, {
    user: { id: 7 },
    orders: [],
    recommendations: null,
    _errors: { recommendations: 'timed out after 300ms' },
  });
  assert.equal(state.result!.headers['x-aggregate-partial'], 'recommendations');
  assert.equal(clock.pendingTimers, 0);
});

test('a required part failing answers at once, 502, and aborts the others', async () => {
  const clock = new ManualClock();
  const up = fakeUpstream();
  const run = createAggregator(PROFILE, up.call, { clock }).run({
    params: { userId: '7' },
    headers: [],
  });
  up.calls.get('orders')!.answer(500, { oops: true });
  const result = await run;
  assert.equal(result.status, 502);
  assert.deepEqual(result.body, {
    error: {
      code: 'SY_GW_AGGREGATE_PART_FAILED',
      message: 'required aggregate part "orders" (orders) failed: upstream answered 500',
      details: { part: 'orders', service: 'orders', reason: 'upstream answered 500' },
    },
  });
  assert.ok(up.calls.get('users')!.init.signal.aborted);
  assert.ok(up.calls.get('reco')!.init.signal.aborted);
  assert.equal(clock.pendingTimers, 0);
  // Late answers from aborted parts change nothing.
  up.calls.get('users')!.answer(200, {});
  await flushMicrotasks();
});

test('a required part timing out is a 504; the deadline caps every part', async () => {
  const clock = new ManualClock();
  const up = fakeUpstream();
  const agg = createAggregator(PROFILE, up.call, { clock, deadlineMs: 1000 });
  const a = track(agg.run({ params: { userId: '7' }, headers: [] }));
  up.calls.get('users')!.answer(200, {});
  await clock.advanceAsync(500);
  assert.equal(a.result!.status, 504);
  assert.match(
    (a.result!.body as { error: { message: string } }).error.message,
    /"orders".*timed out after 500ms/,
  );

  const b = track(agg.run({ params: { userId: '7' }, headers: [], deadlineMs: 100 }));
  assert.equal(up.calls.get('users')!.init.timeoutMs, 100);
  await clock.advanceAsync(100);
  assert.equal(b.result!.status, 504);
  assert.match(
    (b.result!.body as { error: { message: string } }).error.message,
    /did not finish within the 100ms deadline/,
  );
  assert.equal(clock.pendingTimers, 0);
});

test('non-JSON, a too-large body, a thrown call and a connection error are part failures', async () => {
  const clock = new ManualClock();
  const up = fakeUpstream();
  const agg = createAggregator(PROFILE, up.call, { clock, maxBodyBytes: 64 });
  let run = agg.run({ params: { userId: '7' }, headers: [] });
  up.calls.get('users')!.answer(200, '<html>', true);
  let body = (await run).body as { error: { details: { reason: string } } };
  assert.equal(body.error.details.reason, 'upstream answered non-JSON (text/html)');

  run = agg.run({ params: { userId: '7' }, headers: [] });
  up.calls.get('users')!.answer(200, 'x'.repeat(100));
  body = (await run).body as typeof body;
  assert.equal(body.error.details.reason, 'body is over the 64-byte limit');

  run = agg.run({ params: { userId: '7' }, headers: [] });
  up.calls
    .get('users')!
    .reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
  const refused = await run;
  assert.equal(refused.status, 502);
  assert.match(JSON.stringify(refused.body), /ECONNREFUSED/);

  run = agg.run({ params: { userId: '7' }, headers: [] });
  up.calls
    .get('users')!
    .reject(Object.assign(new Error('Headers Timeout'), { code: 'UND_ERR_HEADERS_TIMEOUT' }));
  assert.equal((await run).status, 504, 'a timeout reported by the call is a 504 too');

  const throwing = createAggregator(
    { a: { service: 's', path: '/a' } },
    () => {
      throw new Error('sync boom');
    },
    { clock },
  );
  const thrown = await throwing.run({ params: {}, headers: [] });
  assert.equal(thrown.status, 502);
  assert.match(JSON.stringify(thrown.body), /sync boom/);
  assert.equal(clock.pendingTimers, 0);
});

test('204 is null; a missing parameter is a 400 and nothing is called', async () => {
  const clock = new ManualClock();
  const up = fakeUpstream();
  const agg = createAggregator({ a: { service: 'a', path: '/a/:id' } }, up.call, { clock });
  const run = agg.run({ params: { id: '1' }, headers: [['accept', 'application/vnd+json']] });
  assert.deepEqual(up.calls.get('a')!.init.headers, [['accept', 'application/vnd+json']]);
  up.calls.get('a')!.answer(204, '', true);
  assert.deepEqual((await run).body, { a: null });
  up.calls.clear();
  const bad = await agg.run({ params: {}, headers: [] });
  assert.equal(bad.status, 400);
  assert.equal((bad.body as { error: { code: string } }).error.code, 'SY_GW_AGGREGATE_BAD_PARAM');
  assert.equal(up.calls.size, 0);
});

test("the caller's signal aborts every part with a 499", async () => {
  const clock = new ManualClock();
  const up = fakeUpstream();
  const client = new AbortController();
  const run = createAggregator(PROFILE, up.call, { clock }).run({
    params: { userId: '7' },
    headers: [],
    signal: client.signal,
  });
  client.abort();
  const result = await run;
  assert.equal(result.status, 499);
  assert.equal(
    (result.body as { error: { code: string } }).error.code,
    'SY_GW_AGGREGATE_CANCELLED',
  );
  for (const c of up.calls.values()) assert.ok(c.init.signal.aborted);
  assert.equal(clock.pendingTimers, 0);
});

test('bad options are refused at construction, naming the option', () => {
  const call = () => Promise.reject(new Error('unused'));
  const cases: [unknown, unknown, RegExp][] = [
    [{}, {}, /^aggregate: needs at least one part/],
    [{ _errors: { service: 's', path: '/' } }, {}, /^aggregate\._errors: /],
    [{ a: { service: '', path: '/' } }, {}, /^aggregate\.a\.service: /],
    [{ a: { service: 's', path: '/', timeout: '1s' } }, {}, /^aggregate\.a\.timeout: unknown/],
    [{ a: { service: 's', path: '/', timeoutMs: 0 } }, {}, /^aggregate\.a\.timeoutMs: /],
    [{ a: { service: 's', path: '/', optional: 'yes' } }, {}, /^aggregate\.a\.optional: /],
    [
      { a: { service: 's', path: '/x/:nope' } },
      { routeParams: ['id'] },
      /^aggregate\.a\.path: uses ":nope", which the route does not capture/,
    ],
    [{ a: { service: 's', path: '/' } }, { maxBodyBytes: -1 }, /^maxBodyBytes: .*bytes/],
    [{ a: { service: 's', path: '/' } }, { deadlineMs: Infinity }, /^deadlineMs: /],
  ];
  for (const [parts, options, message] of cases) {
    assert.throws(
      () => createAggregator(parts as never, call, options as never),
      { code: 'SY_GW_AGGREGATE_INVALID_OPTION', message },
      JSON.stringify(parts),
    );
  }
});
