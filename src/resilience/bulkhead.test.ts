import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bulkhead } from './bulkhead.js';
import { ManualClock, flushMicrotasks } from './clock.js';
import { BulkheadRejectedError, CancelledError, InvalidOptionError } from './errors.js';

function gate() {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('bulkhead', () => {
  test('runs up to maxConcurrent at once and rejects the rest when there is no queue', async () => {
    const b = bulkhead({ maxConcurrent: 2 });
    const g = gate();
    const running = [b.execute(() => g.promise), b.execute(() => g.promise)];
    assert.equal(b.active, 2);
    const error = await b.execute(() => 'never').catch((e: unknown) => e);
    assert.ok(error instanceof BulkheadRejectedError);
    assert.equal(error.code, 'SY_RES_BULKHEAD_FULL');
    assert.deepEqual(
      [error.active, error.maxConcurrent, error.queued, error.maxQueue],
      [2, 2, 0, 0],
    );
    g.open();
    await Promise.all(running);
    assert.equal(b.active, 0);
  });

  test('queued calls run in order as slots free, and never exceed the limit', async () => {
    const b = bulkhead({ maxConcurrent: 1, maxQueue: 3 });
    const order: number[] = [];
    let peak = 0;
    const gates = [gate(), gate(), gate(), gate()];
    const calls = gates.map((g, i) =>
      b.execute(async () => {
        peak = Math.max(peak, b.active);
        order.push(i);
        await g.promise;
      }),
    );
    assert.equal(b.queued, 3);
    // a newcomer arriving while a slot is being handed over must queue, not take it
    gates[0]!.open();
    await flushMicrotasks();
    const newcomer = b.execute(() => {
      peak = Math.max(peak, b.active);
      order.push(4);
    });
    assert.equal(b.queued, 3);
    for (const g of gates) g.open();
    await Promise.all([...calls, newcomer]);
    assert.deepEqual(order, [0, 1, 2, 3, 4]);
    assert.equal(peak, 1);
    assert.equal(b.active, 0);
    assert.equal(b.queued, 0);
  });

  test('a full queue rejects with the numbers', async () => {
    const b = bulkhead({ maxConcurrent: 1, maxQueue: 1 });
    const g = gate();
    const first = b.execute(() => g.promise);
    const second = b.execute(() => 2);
    const error = await b.execute(() => 3).catch((e: unknown) => e);
    assert.ok(error instanceof BulkheadRejectedError);
    assert.deepEqual([error.active, error.queued, error.maxQueue], [1, 1, 1]);
    g.open();
    await first;
    assert.equal(await second, 2);
  });

  test('an aborted waiter leaves the queue at once and frees its place', async () => {
    const b = bulkhead({ maxConcurrent: 1, maxQueue: 1 });
    const g = gate();
    const first = b.execute(() => g.promise);
    const controller = new AbortController();
    let ran = false;
    const waiting = b.execute(() => (ran = true), { signal: controller.signal });
    assert.equal(b.queued, 1);
    controller.abort();
    await assert.rejects(waiting, CancelledError);
    assert.equal(b.queued, 0);
    const next = b.execute(() => 'next');
    g.open();
    await first;
    assert.equal(await next, 'next');
    assert.equal(ran, false);
  });

  test('an already-aborted signal is refused without queueing', async () => {
    const b = bulkhead({ maxConcurrent: 1, maxQueue: 5 });
    const g = gate();
    const first = b.execute(() => g.promise);
    await assert.rejects(
      b.execute(() => 1, { signal: AbortSignal.abort() }),
      CancelledError,
    );
    assert.equal(b.queued, 0);
    g.open();
    await first;
  });

  test('a queued call that waits longer than queueTimeout is rejected', async () => {
    const clock = new ManualClock();
    const b = bulkhead({ maxConcurrent: 1, maxQueue: 2, queueTimeout: '1s', clock });
    const g = gate();
    const first = b.execute(() => g.promise);
    const waiting = b.execute(() => 'late');
    clock.advance(999);
    await flushMicrotasks();
    assert.equal(b.queued, 1);
    clock.advance(1);
    const error = await waiting.catch((e: unknown) => e);
    assert.ok(error instanceof BulkheadRejectedError);
    assert.equal(error.code, 'SY_RES_BULKHEAD_QUEUE_TIMEOUT');
    assert.equal(b.queued, 0);
    g.open();
    await first;
    assert.equal(b.active, 0);
  });

  test('a failing or synchronously throwing call still frees its slot', async () => {
    const b = bulkhead({ maxConcurrent: 1 });
    await assert.rejects(
      b.execute(async () => Promise.reject(new Error('x'))),
      /x/,
    );
    await assert.rejects(
      b.execute(() => {
        throw new Error('sync');
      }),
      /sync/,
    );
    assert.equal(b.active, 0);
    assert.equal(await b.execute(() => 'ok'), 'ok');
  });

  test('onReject reports each rejection until disposed', async () => {
    const b = bulkhead({ maxConcurrent: 1 });
    const g = gate();
    const first = b.execute(() => g.promise);
    const seen: string[] = [];
    const dispose = b.onReject((e) => seen.push(e.error.reason));
    await b.execute(() => 1).catch(() => {});
    dispose();
    await b.execute(() => 1).catch(() => {});
    assert.deepEqual(seen, ['full']);
    g.open();
    await first;
  });

  test('bad options name the option', () => {
    const named = (option: string) => (e: unknown) =>
      e instanceof InvalidOptionError && e.option === option;
    assert.throws(() => bulkhead({} as never), named('bulkhead.maxConcurrent'));
    assert.throws(() => bulkhead({ maxConcurrent: 0 }), named('bulkhead.maxConcurrent'));
    assert.throws(() => bulkhead({ maxConcurrent: 1.5 }), named('bulkhead.maxConcurrent'));
    assert.throws(() => bulkhead({ maxConcurrent: 1, maxQueue: -1 }), named('bulkhead.maxQueue'));
    assert.throws(
      () => bulkhead({ maxConcurrent: 1, queueTimeout: 'x' }),
      named('bulkhead.queueTimeout'),
    );
    assert.throws(() => bulkhead({ maxConcurrent: 1, limit: 3 } as never), named('bulkhead.limit'));
    assert.throws(() => bulkhead(null as never), named('bulkhead'));
  });
});
