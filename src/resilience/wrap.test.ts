import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bulkhead } from './bulkhead.js';
import { ManualClock } from './clock.js';
import { InvalidOptionError, TimeoutError } from './errors.js';
import { timeout } from './timeout.js';
import {
  AttemptContext,
  type ExecuteOptions,
  type Policy,
  type PolicyContext,
  type Work,
} from './types.js';
import { wrap } from './wrap.js';

/** A policy that records the order it runs in and adds `attempt: n`. */
function tracer(name: string, log: string[], attempt?: number): Policy<{ attempt?: number }> {
  return {
    execute<T>(fn: Work<T>, options?: ExecuteOptions) {
      log.push(`${name}:in`);
      const outer = (options ?? { signal: undefined }) as PolicyContext;
      const ctx = attempt === undefined ? outer : new AttemptContext(outer, attempt);
      return Promise.resolve(fn(ctx)).finally(() => log.push(`${name}:out`));
    },
  };
}

describe('wrap', () => {
  test('runs policies outermost first and unwinds in reverse', async () => {
    const log: string[] = [];
    const p = wrap(tracer('a', log), tracer('b', log), tracer('c', log));
    assert.equal(await p.execute(() => 'done'), 'done');
    assert.deepEqual(log, ['a:in', 'b:in', 'c:in', 'c:out', 'b:out', 'a:out']);
  });

  test("threads the caller's signal to the work", async () => {
    const controller = new AbortController();
    const p = wrap(tracer('a', []), tracer('b', []));
    const seen = await p.execute(({ signal }) => signal, { signal: controller.signal });
    assert.equal(seen, controller.signal);
  });

  test('fields added by an outer policy reach the work through inner ones', async () => {
    const clock = new ManualClock();
    const p = wrap(tracer('retry', [], 3), timeout(1000, { clock }), tracer('inner', []));
    const attempt = await p.execute(({ attempt }) => attempt);
    assert.equal(attempt, 3);
  });

  test('an outer timeout aborts the signal the innermost work sees', async () => {
    const clock = new ManualClock();
    const p = wrap(timeout(50, { clock }), bulkhead({ maxConcurrent: 2 }), tracer('x', []));
    const call = p.execute(
      ({ signal }) =>
        new Promise((_, reject) => signal!.addEventListener('abort', () => reject(signal!.reason))),
    );
    clock.advance(50);
    await assert.rejects(call, TimeoutError);
  });

  test('an empty wrap just runs the work', async () => {
    assert.equal(await wrap().execute(() => 7), 7);
    await assert.rejects(
      wrap().execute(() => {
        throw new Error('sync');
      }),
      /sync/,
    );
  });

  test('a non-policy argument is named', () => {
    assert.throws(
      () => wrap(timeout(1), {} as never),
      (e: unknown) => e instanceof InvalidOptionError && e.option === 'wrap[1]',
    );
  });
});
