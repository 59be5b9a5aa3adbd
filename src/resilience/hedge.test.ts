import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, test } from 'node:test';
import { ManualClock, flushMicrotasks } from './clock.js';
import { CancelledError, InvalidOptionError } from './errors.js';
import { hedge, type HedgeContext, type HedgeEvent } from './hedge.js';

interface Attempt {
  readonly context: HedgeContext;
  readonly at: number;
  resolve(value: string): void;
  reject(error: unknown): void;
}

/** Work whose attempts settle only when the test says so. */
function controlled(clock: ManualClock) {
  const attempts: Attempt[] = [];
  const work = (context: HedgeContext) =>
    new Promise<string>((resolve, reject) => {
      attempts.push({ context, at: clock.now(), resolve, reject });
    });
  return { attempts, work };
}

type Outcome<T> = { ok: T } | { error: unknown };

function settle<T>(promise: Promise<T>): Promise<Outcome<T>> {
  return promise.then(
    (ok) => ({ ok }),
    (error: unknown) => ({ error }),
  );
}

void describe('hedge', () => {
  void test('starts a second attempt only after the delay', async () => {
    const clock = new ManualClock();
    const policy = hedge({ clock, delay: 100 });
    const events: HedgeEvent[] = [];
    policy.onHedge((e) => events.push(e));
    const { attempts, work } = controlled(clock);
    const outcome = settle(policy.execute(work));
    await clock.advanceAsync(99);
    assert.equal(attempts.length, 1);
    await clock.advanceAsync(1);
    assert.deepEqual(
      attempts.map((a) => [a.context.attempt, a.at]),
      [
        [1, 0],
        [2, 100],
      ],
    );
    assert.deepEqual(events, [{ attempt: 2, reason: 'delay' }]);
    await clock.advanceAsync(1000); // maxHedges 1: no third attempt
    assert.equal(attempts.length, 2);
    attempts[0]!.resolve('first');
    assert.deepEqual(await outcome, { ok: 'first' });
  });

  void test('the first success wins and every loser is aborted', async () => {
    const clock = new ManualClock();
    const caller = new AbortController();
    const { attempts, work } = controlled(clock);
    const outcome = settle(
      hedge({ clock, delay: 50, maxHedges: 2 }).execute(work, { signal: caller.signal }),
    );
    await clock.advanceAsync(100);
    assert.equal(attempts.length, 3);
    attempts[1]!.resolve('second');
    assert.deepEqual(await outcome, { ok: 'second' });
    const [first, second, third] = attempts.map((a) => a.context.signal);
    assert.equal(first!.aborted, true);
    assert.ok(first!.reason instanceof CancelledError);
    assert.equal(third!.aborted, true);
    assert.equal(second!.aborted, false);
    assert.equal(caller.signal.aborted, false);
    assert.equal(clock.pendingTimers, 0);
    assert.equal(getEventListeners(caller.signal, 'abort').length, 0);
    attempts[0]!.resolve('late'); // a late loser changes nothing
    await flushMicrotasks();
  });

  void test('a fast first attempt never starts a hedge and leaves no timer', async () => {
    const clock = new ManualClock();
    const policy = hedge({ clock, delay: 100 });
    let calls = 0;
    const value = await policy.execute(async ({ attempt }) => {
      calls++;
      return attempt;
    });
    assert.deepEqual([value, calls, clock.pendingTimers], [1, 1, 0]);
    await clock.advanceAsync(500);
    assert.equal(calls, 1);
  });

  void test('a failure starts the next hedge at once', async () => {
    const clock = new ManualClock();
    const policy = hedge({ clock, delay: 100, maxHedges: 2 });
    const events: HedgeEvent[] = [];
    policy.onHedge((e) => events.push(e));
    const { attempts, work } = controlled(clock);
    const outcome = settle(policy.execute(work));
    await clock.advanceAsync(10);
    const boom = new Error('boom');
    attempts[0]!.reject(boom);
    await flushMicrotasks();
    assert.deepEqual(
      attempts.map((a) => [a.context.attempt, a.at]),
      [
        [1, 0],
        [2, 10],
      ],
    );
    assert.deepEqual(events, [{ attempt: 2, reason: 'failure', error: boom }]);
    await clock.advanceAsync(100); // the delay is measured from the latest start
    assert.deepEqual(
      attempts.map((a) => a.at),
      [0, 10, 110],
    );
    attempts[2]!.resolve('third');
    assert.deepEqual(await outcome, { ok: 'third' });
    assert.equal(attempts[1]!.context.signal.aborted, true);
  });

  void test('a synchronous throw counts as a failure', async () => {
    const clock = new ManualClock();
    const result = await hedge({ clock, delay: 1000 }).execute(({ attempt }) => {
      if (attempt === 1) throw new Error('sync');
      return 'recovered';
    });
    assert.equal(result, 'recovered');
    assert.equal(clock.pendingTimers, 0);
  });

  void test('when every attempt fails, rejects with the last failure', async () => {
    const clock = new ManualClock();
    const { attempts, work } = controlled(clock);
    const outcome = settle(hedge({ clock, delay: 100, maxHedges: 2 }).execute(work));
    await clock.advanceAsync(200);
    assert.equal(attempts.length, 3);
    attempts[0]!.reject(new Error('one'));
    attempts[2]!.reject(new Error('three'));
    await flushMicrotasks();
    assert.equal(attempts.length, 3); // no hedges left: wait for attempt 2
    attempts[1]!.reject(new Error('two'));
    const result = await outcome;
    assert.equal((result as { error: Error }).error.message, 'two');
    assert.equal(clock.pendingTimers, 0);
  });

  void test('an earlier failure waits for attempts still running', async () => {
    const clock = new ManualClock();
    const { attempts, work } = controlled(clock);
    const outcome = settle(hedge({ clock, delay: 100 }).execute(work));
    await clock.advanceAsync(100);
    attempts[1]!.reject(new Error('hedge failed'));
    await flushMicrotasks();
    attempts[0]!.resolve('slow but fine');
    assert.deepEqual(await outcome, { ok: 'slow but fine' });
  });

  void test('delay 0 starts every attempt at once; maxHedges 0 never hedges', async () => {
    const clock = new ManualClock();
    const all = controlled(clock);
    const outcome = settle(hedge({ clock, delay: 0, maxHedges: 3 }).execute(all.work));
    assert.deepEqual(
      all.attempts.map((a) => a.context.attempt),
      [1, 2, 3, 4],
    );
    assert.equal(clock.pendingTimers, 0);
    all.attempts[3]!.resolve('fourth');
    assert.deepEqual(await outcome, { ok: 'fourth' });

    const one = controlled(clock);
    const single = settle(hedge({ clock, delay: 10, maxHedges: 0 }).execute(one.work));
    await clock.advanceAsync(1000);
    assert.equal(one.attempts.length, 1);
    assert.equal(clock.pendingTimers, 0);
    one.attempts[0]!.reject(new Error('only'));
    assert.equal(((await single) as { error: Error }).error.message, 'only');
  });

  void test('the caller aborting cancels every attempt, the timer and the listeners', async () => {
    const clock = new ManualClock();
    const caller = new AbortController();
    const { attempts, work } = controlled(clock);
    const outcome = settle(
      hedge({ clock, delay: 100, maxHedges: 3 }).execute(work, { signal: caller.signal }),
    );
    await clock.advanceAsync(150);
    caller.abort('user left');
    const result = await outcome;
    assert.ok('error' in result && result.error instanceof CancelledError);
    assert.equal((result.error as Error).cause, 'user left');
    assert.deepEqual(
      attempts.map((a) => a.context.signal.aborted),
      [true, true],
    );
    assert.equal(clock.pendingTimers, 0);
    assert.equal(getEventListeners(caller.signal, 'abort').length, 0);
  });

  void test('an already-aborted signal rejects without calling the work', async () => {
    const caller = new AbortController();
    caller.abort();
    let calls = 0;
    const result = await settle(hedge().execute(() => calls++, { signal: caller.signal }));
    assert.ok('error' in result && result.error instanceof CancelledError);
    assert.equal(calls, 0);
  });

  void test('onHedge returns a disposer', async () => {
    const clock = new ManualClock();
    const policy = hedge({ clock, delay: 0 });
    const events: HedgeEvent[] = [];
    policy.onHedge((e) => events.push(e))();
    assert.equal(await policy.execute(() => 'x'), 'x');
    assert.deepEqual(events, []);
  });

  void test('defaults: 2 s delay, one hedge', () => {
    const policy = hedge();
    assert.deepEqual([policy.delayMs, policy.maxHedges], [2000, 1]);
  });

  void test('rejects bad options, naming the option', () => {
    const bad: [unknown, string][] = [
      [{ delay: -1 }, 'hedge.delay'],
      [{ delay: 'quick' }, 'hedge.delay'],
      [{ maxHedges: -1 }, 'hedge.maxHedges'],
      [{ maxHedges: 1.5 }, 'hedge.maxHedges'],
      [{ clock: {} }, 'hedge.clock'],
      [{ maxAttempts: 2 }, 'hedge.maxAttempts'],
      [null, 'hedge'],
    ];
    for (const [options, option] of bad) {
      assert.throws(
        () => hedge(options as never),
        (error: unknown) => error instanceof InvalidOptionError && error.option === option,
        option,
      );
    }
  });
});
