import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock, flushMicrotasks } from './clock.js';
import { CancelledError, InvalidOptionError, TimeoutError } from './errors.js';
import { timeout } from './timeout.js';

/** A promise the test settles by hand. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('timeout', () => {
  test('a call that finishes in time returns its value', async () => {
    const clock = new ManualClock();
    const t = timeout(100, { clock });
    assert.equal(await t.execute(() => 42), 42);
    assert.equal(await t.execute(async () => 'x'), 'x');
  });

  test('cooperative: aborts the signal at the deadline and rejects with TimeoutError', async () => {
    const clock = new ManualClock();
    const t = timeout('1s', { clock });
    let seen: AbortSignal | undefined;
    const call = t.execute(({ signal }) => {
      seen = signal;
      return new Promise((_, reject) =>
        signal!.addEventListener('abort', () => reject(signal!.reason)),
      );
    });
    clock.advance(999);
    assert.equal(seen!.aborted, false);
    clock.advance(1);
    assert.equal(seen!.aborted, true);
    const error = await call.catch((e: unknown) => e);
    assert.ok(error instanceof TimeoutError);
    assert.equal(error.timeoutMs, 1000);
    assert.equal(error.code, 'SY_RES_TIMEOUT');
  });

  test('cooperative: a work that ignores the signal and succeeds late keeps its value', async () => {
    const clock = new ManualClock();
    const t = timeout(10, { clock });
    const d = deferred<string>();
    const call = t.execute(() => d.promise);
    clock.advance(50);
    d.resolve('late');
    assert.equal(await call, 'late');
  });

  test('cooperative: a late rejection becomes TimeoutError with the cause kept', async () => {
    const clock = new ManualClock();
    const t = timeout(10, { clock });
    const d = deferred<string>();
    const call = t.execute(() => d.promise);
    clock.advance(10);
    const boom = new Error('boom');
    d.reject(boom);
    const error = await call.catch((e: unknown) => e);
    assert.ok(error instanceof TimeoutError);
    assert.equal(error.cause, boom);
  });

  test('aggressive: rejects at the deadline without waiting for the work', async () => {
    const clock = new ManualClock();
    const t = timeout(100, { strategy: 'aggressive', clock });
    const never = new Promise<never>(() => {});
    const call = t.execute(() => never);
    let settled = false;
    call.catch(() => (settled = true));
    clock.advance(99);
    await flushMicrotasks();
    assert.equal(settled, false);
    clock.advance(1);
    await assert.rejects(call, TimeoutError);
  });

  test('aggressive: the caller aborting rejects at once with CancelledError', async () => {
    const clock = new ManualClock();
    const t = timeout(100, 'aggressive');
    void clock;
    const controller = new AbortController();
    const call = t.execute(() => new Promise<never>(() => {}), { signal: controller.signal });
    controller.abort(new Error('user left'));
    const error = await call.catch((e: unknown) => e);
    assert.ok(error instanceof CancelledError);
  });

  test('the work signal follows the caller signal', async () => {
    const clock = new ManualClock();
    const t = timeout(1000, { clock });
    const controller = new AbortController();
    let inner: AbortSignal | undefined;
    const call = t.execute(
      ({ signal }) => {
        inner = signal;
        return new Promise((_, reject) =>
          signal!.addEventListener('abort', () => reject(new Error('aborted'))),
        );
      },
      { signal: controller.signal },
    );
    controller.abort();
    assert.equal(inner!.aborted, true);
    await assert.rejects(call, /aborted/);
  });

  test('a work that never reads the signal costs no AbortController', async () => {
    const clock = new ManualClock();
    const t = timeout(1000, { clock });
    const original = globalThis.AbortController;
    let made = 0;
    globalThis.AbortController = class extends original {
      constructor() {
        super();
        made++;
      }
    };
    try {
      for (let i = 0; i < 10; i++) await t.execute(async () => i);
      assert.equal(made, 0);
      await t.execute(({ signal }) => signal?.aborted);
      assert.equal(made, 1);
    } finally {
      globalThis.AbortController = original;
    }
  });

  test('one shared timer serves many calls, and none is left armed once idle', async () => {
    const clock = new ManualClock();
    const t = timeout(100, { clock });
    const pending = Array.from({ length: 50 }, () => deferred<number>());
    const calls = pending.map((d) => t.execute(() => d.promise));
    assert.equal(clock.pendingTimers, 1);
    pending.forEach((d, i) => d.resolve(i));
    assert.deepEqual(
      await Promise.all(calls),
      pending.map((_, i) => i),
    );
    clock.advance(100);
    assert.equal(clock.pendingTimers, 0);
  });

  test('sequential calls do not pile up in the deadline queue', async () => {
    const clock = new ManualClock();
    const t = timeout(10_000, { clock });
    for (let i = 0; i < 5000; i++) await t.execute(async () => i);
    clock.advance(10_000);
    assert.equal(clock.pendingTimers, 0);
  });

  test('staggered calls each expire at their own deadline', async () => {
    const clock = new ManualClock();
    const t = timeout(100, { clock, strategy: 'aggressive' });
    const outcomes: string[] = [];
    const a = t.execute(() => new Promise<never>(() => {})).catch(() => outcomes.push('a'));
    clock.advance(40);
    const b = t.execute(() => new Promise<never>(() => {})).catch(() => outcomes.push('b'));
    clock.advance(60);
    await a;
    assert.deepEqual(outcomes, ['a']);
    clock.advance(39);
    await flushMicrotasks();
    assert.deepEqual(outcomes, ['a']);
    clock.advance(1);
    await b;
    assert.deepEqual(outcomes, ['a', 'b']);
  });

  test('a synchronous throw passes through', async () => {
    const t = timeout(100, { clock: new ManualClock() });
    await assert.rejects(
      t.execute(() => {
        throw new Error('sync');
      }),
      /sync/,
    );
  });

  test('onTimeout fires once per expired call and its disposer stops it', async () => {
    const clock = new ManualClock();
    const t = timeout(5, { clock, strategy: 'aggressive' });
    const seen: number[] = [];
    const dispose = t.onTimeout((e) => seen.push(e.timeoutMs));
    const first = t.execute(() => new Promise<never>(() => {})).catch(() => {});
    clock.advance(5);
    await first;
    dispose();
    const second = t.execute(() => new Promise<never>(() => {})).catch(() => {});
    clock.advance(5);
    await second;
    assert.deepEqual(seen, [5]);
  });

  test('bad options name the option', () => {
    assert.throws(
      () => timeout(-1),
      (e: unknown) => e instanceof InvalidOptionError && e.option === 'timeout.duration',
    );
    assert.throws(() => timeout('soon'), /timeout\.duration/);
    assert.throws(() => timeout(10, 'eager' as never), /timeout\.strategy/);
    assert.throws(() => timeout(10, { strategi: 'aggressive' } as never), /timeout\.strategi/);
  });
});
