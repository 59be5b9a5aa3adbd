import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CancelledError, InvalidOptionError, TimeoutError } from './errors.js';
import { fallback, type FallbackEvent, type FallbackInfo } from './fallback.js';

function settle<T>(promise: Promise<T>): Promise<{ ok: T } | { error: unknown }> {
  return promise.then(
    (ok) => ({ ok }),
    (error: unknown) => ({ error }),
  );
}

const fail = (error: unknown) => async (): Promise<string> => {
  throw error;
};

void describe('fallback', () => {
  void test('passes a success through, with the caller context', async () => {
    const controller = new AbortController();
    let seen: AbortSignal | undefined;
    const policy = fallback('fallback');
    const value = await policy.execute(
      async ({ signal }) => {
        seen = signal;
        return 'real';
      },
      { signal: controller.signal },
    );
    assert.deepEqual([value, seen], ['real', controller.signal]);
    assert.equal(await policy.execute(() => 'sync'), 'sync');
  });

  void test('answers a failure with the value', async () => {
    const policy = fallback({ items: [] as string[] });
    assert.deepEqual(await policy.execute(fail(new Error('down'))), { items: [] });
    const sync = await policy.execute(() => {
      throw new Error('sync');
    });
    assert.deepEqual(sync, { items: [] });
  });

  void test('calls a factory with the error and signal; it may be async', async () => {
    const controller = new AbortController();
    const infos: FallbackInfo[] = [];
    const error = new TimeoutError(100);
    const policy = fallback(async (info: FallbackInfo) => {
      infos.push(info);
      return 'from cache';
    });
    const value = await policy.execute(fail(error), { signal: controller.signal });
    assert.equal(value, 'from cache');
    assert.deepEqual(infos, [{ error, signal: controller.signal }]);
  });

  void test('a factory error rejects the call', async () => {
    const original = new Error('down');
    const policy = fallback(({ error }: FallbackInfo) => Promise.reject(error as Error));
    assert.deepEqual(await settle(policy.execute(fail(original))), { error: original });
  });

  void test('isFailure chooses which errors fall back', async () => {
    const policy = fallback('fallback', { isFailure: (e) => e instanceof TimeoutError });
    assert.equal(await policy.execute(fail(new TimeoutError(5))), 'fallback');
    const other = new Error('not a timeout');
    assert.deepEqual(await settle(policy.execute(fail(other))), { error: other });
  });

  void test('isResultFailure falls back on bad results, passing the result to the factory', async () => {
    const infos: FallbackInfo[] = [];
    const policy = fallback(
      (info: FallbackInfo) => {
        infos.push(info);
        return { status: 200, stale: true };
      },
      { isResultFailure: (r) => (r as { status: number }).status >= 500 },
    );
    const bad = { status: 503, stale: false };
    assert.deepEqual(await policy.execute(async () => bad), { status: 200, stale: true });
    assert.deepEqual(await policy.execute(() => ({ status: 204, stale: false })), {
      status: 204,
      stale: false,
    });
    assert.deepEqual(infos, [{ result: bad, signal: undefined }]);
  });

  void test('cancellation never falls back', async () => {
    const policy = fallback('fallback');
    const cancelled = new CancelledError('stop');
    assert.deepEqual(await settle(policy.execute(fail(cancelled))), { error: cancelled });
    const controller = new AbortController();
    const error = new Error('AbortError from fetch');
    const outcome = await settle(
      policy.execute(
        async () => {
          controller.abort();
          throw error;
        },
        { signal: controller.signal },
      ),
    );
    assert.deepEqual(outcome, { error });
  });

  void test('onFallback reports each fallback, and its disposer stops it', async () => {
    const policy = fallback(0, { isResultFailure: (r) => r === -1 });
    const events: FallbackEvent[] = [];
    const stop = policy.onFallback((e) => events.push(e));
    const error = new Error('x');
    await policy.execute(fail(error));
    await policy.execute(() => -1);
    await policy.execute(() => 5);
    assert.deepEqual(events, [{ error }, { result: -1 }]);
    stop();
    await policy.execute(fail(error));
    assert.equal(events.length, 2);
  });

  void test('rejects bad options, naming the option', () => {
    const bad: [unknown, string][] = [
      [{ isFailure: 'all' }, 'fallback.isFailure'],
      [{ isResultFailure: 500 }, 'fallback.isResultFailure'],
      [{ onFallback: () => {} }, 'fallback.onFallback'],
      ['strict', 'fallback'],
    ];
    for (const [options, option] of bad) {
      assert.throws(
        () => fallback('x', options as never),
        (error: unknown) => error instanceof InvalidOptionError && error.option === option,
        option,
      );
    }
  });
});
