import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, test } from 'node:test';
import { constantBackoff, exponentialBackoff, type Backoff, type BackoffInput } from './backoff.js';
import { ManualClock } from './clock.js';
import {
  BrokenCircuitError,
  CancelledError,
  InvalidOptionError,
  IsolatedCircuitError,
  RateLimitedError,
} from './errors.js';
import { retryBudget } from './retry-budget.js';
import { parseRetryAfter, retryAfterOf } from './retry-after.js';
import { defaultIsRetryable, retry, type GiveUpEvent, type RetryEvent } from './retry.js';

type Outcome<T> = { ok: T } | { error: unknown };

/** Observes a promise's outcome without leaving a rejection unhandled. */
function settle<T>(promise: Promise<T>): Promise<Outcome<T>> {
  return promise.then(
    (ok) => ({ ok }),
    (error: unknown) => ({ error }),
  );
}

/** Work that fails `failures` times (error `fail N`), then returns `done`; records call times. */
function flaky(clock: ManualClock, failures: number) {
  const calls: { at: number; attempt: number; signal: AbortSignal | undefined }[] = [];
  const work = async ({
    attempt,
    signal,
  }: {
    attempt: number;
    signal: AbortSignal | undefined;
  }) => {
    calls.push({ at: clock.now(), attempt, signal });
    if (calls.length <= failures) throw new Error(`fail ${calls.length}`);
    return 'done';
  };
  return { calls, work };
}

const noWait = constantBackoff(0);

void describe('retry: attempts', () => {
  void test('a first-attempt success calls the work once with attempt 1', async () => {
    const clock = new ManualClock();
    const { calls, work } = flaky(clock, 0);
    assert.equal(await retry({ clock }).execute(work), 'done');
    assert.deepEqual(calls, [{ at: 0, attempt: 1, signal: undefined }]);
  });

  void test('maxAttempts counts every attempt, the first included; the last error is rethrown', async () => {
    const clock = new ManualClock();
    const { calls, work } = flaky(clock, Infinity);
    const outcome = await settle(retry({ clock, maxAttempts: 4, backoff: noWait }).execute(work));
    assert.deepEqual(
      calls.map((c) => c.attempt),
      [1, 2, 3, 4],
    );
    assert.equal((outcome as { error: Error }).error.message, 'fail 4');
  });

  void test('defaults to 3 attempts', async () => {
    const clock = new ManualClock();
    const { calls, work } = flaky(clock, Infinity);
    const outcome = settle(retry({ clock }).execute(work));
    await clock.advanceAsync(60_000);
    assert.ok('error' in (await outcome));
    assert.equal(calls.length, 3);
  });

  void test('maxAttempts 1 never retries', async () => {
    const { calls, work } = flaky(new ManualClock(), Infinity);
    await settle(retry({ maxAttempts: 1 }).execute(work));
    assert.equal(calls.length, 1);
  });

  void test('returns the value of the first attempt that succeeds', async () => {
    const clock = new ManualClock();
    const { calls, work } = flaky(clock, 2);
    assert.equal(await retry({ clock, maxAttempts: 5, backoff: noWait }).execute(work), 'done');
    assert.equal(calls.length, 3);
  });

  void test('handles synchronous throws and plain return values', async () => {
    let n = 0;
    const policy = retry({ backoff: noWait });
    const value = await policy.execute(() => {
      if (++n < 3) throw new Error('sync');
      return 42;
    });
    assert.deepEqual([value, n], [42, 3]);
    assert.equal(await policy.execute(() => 'plain'), 'plain');
  });
});

void describe('retry: backoff', () => {
  void test('sleeps the backoff between attempts and never after the last one', async () => {
    const clock = new ManualClock();
    const { calls, work } = flaky(clock, Infinity);
    const backoff = exponentialBackoff({ initial: 100, jitter: 'none' });
    let settledAt = -1;
    const outcome = settle(retry({ clock, maxAttempts: 4, backoff }).execute(work)).then((o) => {
      settledAt = clock.now();
      return o;
    });
    await clock.advanceAsync(99);
    assert.equal(calls.length, 1);
    await clock.advanceAsync(10_000);
    assert.deepEqual(
      calls.map((c) => c.at),
      [0, 100, 300, 700],
    );
    assert.ok('error' in (await outcome));
    assert.equal(settledAt, 700);
    assert.equal(clock.pendingTimers, 0);
  });

  void test('feeds the backoff its retry number, previous delay and the injected random', async () => {
    const seen: Omit<BackoffInput, 'random'>[] = [];
    const random = () => 0.25;
    const backoff: Backoff = {
      next(input) {
        assert.equal(input.random, random);
        seen.push({ retry: input.retry, previousMs: input.previousMs });
        return input.retry * 10;
      },
    };
    const clock = new ManualClock();
    const { work } = flaky(clock, Infinity);
    const outcome = settle(retry({ clock, maxAttempts: 4, backoff, random }).execute(work));
    await clock.advanceAsync(1000);
    await outcome;
    assert.deepEqual(seen, [
      { retry: 1, previousMs: 0 },
      { retry: 2, previousMs: 10 },
      { retry: 3, previousMs: 20 },
    ]);
  });

  void test('the default backoff uses full jitter on 100 ms × 2 through `random`', async () => {
    const clock = new ManualClock();
    const { calls, work } = flaky(clock, 2);
    const result = settle(retry({ clock, random: () => 0.5 }).execute(work));
    await clock.advanceAsync(1000);
    assert.deepEqual(await result, { ok: 'done' });
    assert.deepEqual(
      calls.map((c) => c.at),
      [0, 50, 150],
    );
  });

  void test('clamps absurd or invalid delays from a custom backoff', async () => {
    const delays: number[] = [];
    const clock = new ManualClock();
    for (const bogus of [1e12, NaN, -5]) {
      const policy = retry({ clock, maxAttempts: 2, backoff: { next: () => bogus } });
      policy.onRetry((e) => delays.push(e.delayMs));
      const { work } = flaky(clock, 1);
      const outcome = settle(policy.execute(work));
      await clock.advanceAsync(2_147_483_647);
      assert.deepEqual(await outcome, { ok: 'done' });
    }
    assert.deepEqual(delays, [2_147_483_647, 0, 0]);
  });
});

void describe('retry: predicates', () => {
  void test('isRetryable decides per error and attempt', async () => {
    const seen: [string, number][] = [];
    const policy = retry({
      backoff: noWait,
      maxAttempts: 5,
      isRetryable: (error, attempt) => {
        seen.push([(error as Error).message, attempt]);
        return attempt < 2;
      },
    });
    const giveUps: GiveUpEvent[] = [];
    policy.onGiveUp((e) => giveUps.push(e));
    const { calls, work } = flaky(new ManualClock(), Infinity);
    await settle(policy.execute(work));
    assert.equal(calls.length, 2);
    assert.deepEqual(seen, [
      ['fail 1', 1],
      ['fail 2', 2],
    ]);
    assert.equal(giveUps[0]?.reason, 'not-retryable');
  });

  void test('by default retries every error except cancellation, isolation and bad options', () => {
    assert.equal(defaultIsRetryable(new Error('x')), true);
    assert.equal(defaultIsRetryable('a string'), true);
    assert.equal(defaultIsRetryable(null), true);
    assert.equal(defaultIsRetryable(new BrokenCircuitError(10)), true);
    assert.equal(defaultIsRetryable(new RateLimitedError(10, 5)), true);
    assert.equal(defaultIsRetryable(new CancelledError()), false);
    assert.equal(defaultIsRetryable(new IsolatedCircuitError()), false);
    assert.equal(defaultIsRetryable(new InvalidOptionError('x', 'y')), false);
  });

  void test('a CancelledError thrown by the work is not retried', async () => {
    let calls = 0;
    const outcome = await settle(
      retry({ backoff: noWait }).execute(() => {
        calls++;
        throw new CancelledError();
      }),
    );
    assert.equal(calls, 1);
    assert.ok((outcome as { error: unknown }).error instanceof CancelledError);
  });

  void test('retryOnResult retries bad results and returns a good one', async () => {
    const statuses = [503, 500, 200];
    const seen: [number, number][] = [];
    const policy = retry({
      backoff: noWait,
      retryOnResult: (r, attempt) => {
        seen.push([(r as { status: number }).status, attempt]);
        return (r as { status: number }).status >= 500;
      },
    });
    const result = await policy.execute(async () => ({ status: statuses.shift()! }));
    assert.deepEqual(result, { status: 200 });
    assert.deepEqual(seen, [
      [503, 1],
      [500, 2],
      [200, 3],
    ]);
  });

  void test('when every attempt returns a bad result, the last result is returned', async () => {
    let n = 0;
    const policy = retry({ backoff: noWait, retryOnResult: () => true });
    const giveUps: GiveUpEvent[] = [];
    policy.onGiveUp((e) => giveUps.push(e));
    assert.equal(await policy.execute(() => ++n), 3); // a sync value takes the same path
    assert.deepEqual(giveUps, [{ reason: 'attempts', attempts: 3, result: 3 }]);
  });

  void test('a throwing predicate rejects the call', async () => {
    const boom = new Error('predicate');
    const policy = retry({
      retryOnResult: () => {
        throw boom;
      },
    });
    assert.deepEqual(await settle(policy.execute(() => 1)), { error: boom });
  });
});

void describe('retry: Retry-After', () => {
  void test('waits at least retryAfterMs from an error (BrokenCircuitError, RateLimitedError)', async () => {
    for (const error of [new BrokenCircuitError(2500), new RateLimitedError(2500, 10)]) {
      const clock = new ManualClock();
      const times: number[] = [];
      const outcome = settle(
        retry({ clock, backoff: constantBackoff(10) }).execute(() => {
          times.push(clock.now());
          if (times.length === 1) throw error;
          return 'ok';
        }),
      );
      await clock.advanceAsync(5000);
      assert.deepEqual(await outcome, { ok: 'ok' });
      assert.deepEqual(times, [0, 2500]);
    }
  });

  void test('a longer backoff wins over a shorter Retry-After', async () => {
    const clock = new ManualClock();
    const policy = retry({ clock, backoff: constantBackoff(1000) });
    const delays: number[] = [];
    policy.onRetry((e) => delays.push(e.delayMs));
    const outcome = settle(policy.execute(failThen(new RateLimitedError(200, 1))));
    await clock.advanceAsync(5000);
    await outcome;
    assert.deepEqual(delays, [1000]);
  });

  void test('reads Retry-After seconds from a fetch Response-like result', async () => {
    const clock = new ManualClock();
    const responses = [
      { status: 429, headers: new Headers({ 'Retry-After': '3' }) },
      { status: 200, headers: new Headers() },
    ];
    const times: number[] = [];
    const policy = retry({
      clock,
      backoff: noWait,
      retryOnResult: (r) => (r as { status: number }).status === 429,
    });
    const outcome = settle(
      policy.execute(async () => {
        times.push(clock.now());
        return responses.shift()!;
      }),
    );
    await clock.advanceAsync(10_000);
    assert.equal(((await outcome) as { ok: { status: number } }).ok.status, 200);
    assert.deepEqual(times, [0, 3000]);
  });

  void test('reads an HTTP-date Retry-After from a plain header object', async () => {
    const clock = new ManualClock();
    const when = new Date(Date.now() + 5000).toUTCString(); // whole seconds: 4–5 s from now
    const policy = retry({ clock, backoff: noWait, retryOnResult: (r) => r !== 'ok' });
    const delays: number[] = [];
    policy.onRetry((e) => delays.push(e.delayMs));
    let n = 0;
    const outcome = settle(
      policy.execute(() => (n++ === 0 ? { headers: { 'Retry-After': when } } : 'ok')),
    );
    await clock.advanceAsync(10_000);
    assert.deepEqual(await outcome, { ok: 'ok' });
    assert.equal(delays.length, 1);
    assert.ok(delays[0]! > 3000 && delays[0]! <= 5000, String(delays[0]));
  });

  void test('a hint above retryAfter.max gives up at once with reason retry-after', async () => {
    const clock = new ManualClock();
    const policy = retry({ clock, maxAttempts: 5 }); // default max 10 s
    const giveUps: GiveUpEvent[] = [];
    policy.onGiveUp((e) => giveUps.push(e));
    const error = new BrokenCircuitError(20_000);
    let calls = 0;
    const outcome = await settle(
      policy.execute(() => {
        calls++;
        throw error;
      }),
    );
    assert.deepEqual(outcome, { error });
    assert.equal(calls, 1);
    assert.equal(clock.pendingTimers, 0);
    assert.deepEqual(giveUps, [{ reason: 'retry-after', attempts: 1, error }]);
  });

  void test('a larger retryAfter.max honours the same hint', async () => {
    const clock = new ManualClock();
    const times: number[] = [];
    const work = failThen(new BrokenCircuitError(20_000), () => times.push(clock.now()));
    const outcome = settle(retry({ clock, retryAfter: { max: '30s' } }).execute(work));
    await clock.advanceAsync(30_000);
    assert.deepEqual(await outcome, { ok: 'ok' });
    assert.deepEqual(times, [0, 20_000]);
  });

  void test('retryAfter: false ignores hints; a custom `of` extracts them', async () => {
    const clock = new ManualClock();
    const off = retry({ clock, retryAfter: false, backoff: constantBackoff(5) });
    const custom = retry({ clock, backoff: noWait, retryAfter: { of: () => 750 } });
    const delays: number[] = [];
    off.onRetry((e) => delays.push(e.delayMs));
    custom.onRetry((e) => delays.push(e.delayMs));
    const a = settle(off.execute(failThen(new BrokenCircuitError(60_000))));
    const b = settle(custom.execute(failThen(new Error('plain'))));
    await clock.advanceAsync(1000);
    assert.deepEqual([await a, await b], [{ ok: 'ok' }, { ok: 'ok' }]);
    assert.deepEqual(delays, [5, 750]);
  });

  void test('retryAfterOf and parseRetryAfter', () => {
    const now = Date.parse('Wed, 21 Oct 2015 07:27:00 GMT');
    assert.equal(parseRetryAfter('120', now), 120_000);
    assert.equal(parseRetryAfter(' 1.5 ', now), 1500);
    assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', now), 60_000);
    assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:00:00 GMT', now), 0); // in the past
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter('-3', now), undefined);
    assert.equal(retryAfterOf({ retryAfterMs: 40 }), 40);
    assert.equal(retryAfterOf({ retryAfterMs: -1 }), undefined);
    assert.equal(retryAfterOf({ headers: new Headers({ 'retry-after': '2' }) }), 2000);
    assert.equal(retryAfterOf({ headers: new Map([['retry-after', '4']]) }), 4000);
    assert.equal(retryAfterOf({ headers: { 'RETRY-AFTER': ['7'] } }), 7000);
    assert.equal(retryAfterOf({ headers: { 'retry-after': 9 } }), 9000);
    assert.equal(retryAfterOf({ headers: { 'x-other': '1' } }), undefined);
    assert.equal(retryAfterOf({ headers: new Headers() }), undefined);
    assert.equal(retryAfterOf(new Error('no hint')), undefined);
    assert.equal(retryAfterOf(null), undefined);
    assert.equal(retryAfterOf(503), undefined);
    const date = { headers: { 'retry-after': 'Wed, 21 Oct 2015 07:27:30 GMT' } };
    assert.equal(retryAfterOf(date, now), 30_000);
  });
});

void describe('retry: budget', () => {
  void test('a burst of failing calls retries only ratio × requests + floor times', async () => {
    const clock = new ManualClock();
    // 10 requests × 0.2 + 0.1/s × 10 s = 3 retries for the whole burst.
    const budget = retryBudget({ ratio: 0.2, minPerSecond: 0.1, window: '10s', clock });
    const policy = retry({ clock, budget, backoff: noWait });
    const reasons: string[] = [];
    policy.onGiveUp((e) => reasons.push(e.reason));
    let calls = 0;
    const failing = async () => {
      calls++;
      throw new Error('down');
    };
    await Promise.all(Array.from({ length: 10 }, () => settle(policy.execute(failing))));
    assert.equal(calls, 13);
    assert.deepEqual(reasons, Array(10).fill('budget')); // none got both of its retries
    assert.deepEqual([budget.snapshot().requests, budget.snapshot().retries], [10, 3]);

    clock.advance(10_000); // the burst leaves the window
    calls = 0;
    await settle(policy.execute(failing));
    assert.equal(calls, 2); // floor 1 + 0.2 → one retry again
  });

  void test('one budget is shared by several policies', async () => {
    const clock = new ManualClock();
    const budget = retryBudget({ ratio: 0, minPerSecond: 0.2, window: '10s', clock }); // 2
    const a = retry({ clock, budget, backoff: noWait, maxAttempts: 10 });
    const b = retry({ clock, budget, backoff: noWait, maxAttempts: 10 });
    let calls = 0;
    const failing = () => {
      calls++;
      throw new Error('down');
    };
    await settle(a.execute(failing));
    await settle(b.execute(failing));
    assert.equal(calls, 4); // 2 firsts + the 2 retries the budget allows
  });
});

void describe('retry: cancellation', () => {
  void test('aborting during a backoff sleep rejects with CancelledError and clears the timer', async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const policy = retry({ clock, backoff: constantBackoff(1000) });
    const giveUps: GiveUpEvent[] = [];
    policy.onGiveUp((e) => giveUps.push(e));
    const { calls, work } = flaky(clock, Infinity);
    const outcome = settle(policy.execute(work, { signal: controller.signal }));
    await clock.advanceAsync(500);
    assert.equal(clock.pendingTimers, 1);
    controller.abort('stop');
    const result = await outcome;
    assert.ok('error' in result && result.error instanceof CancelledError);
    assert.equal((result.error as Error).cause, 'stop');
    assert.equal(clock.pendingTimers, 0);
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.signal, controller.signal);
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
    assert.equal(giveUps[0]?.reason, 'cancelled');
    assert.equal((giveUps[0]?.error as Error).message, 'fail 1');
  });

  void test('a signal aborted before the call rejects without calling the work', async () => {
    const controller = new AbortController();
    controller.abort();
    let calls = 0;
    const outcome = await settle(retry().execute(() => calls++, { signal: controller.signal }));
    assert.ok('error' in outcome && outcome.error instanceof CancelledError);
    assert.equal(calls, 0);
  });

  void test('an attempt that fails after the abort is not retried; its error is rethrown', async () => {
    const controller = new AbortController();
    const error = new Error('aborted fetch');
    const policy = retry({ backoff: noWait });
    const giveUps: GiveUpEvent[] = [];
    policy.onGiveUp((e) => giveUps.push(e));
    let calls = 0;
    const outcome = await settle(
      policy.execute(
        async () => {
          calls++;
          controller.abort();
          throw error;
        },
        { signal: controller.signal },
      ),
    );
    assert.deepEqual([outcome, calls], [{ error }, 1]);
    assert.equal(giveUps[0]?.reason, 'cancelled');
  });

  void test('a completed call leaves no listener on the signal', async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const { calls, work } = flaky(clock, 2);
    const outcome = settle(
      retry({ clock, backoff: constantBackoff(10) }).execute(work, { signal: controller.signal }),
    );
    await clock.advanceAsync(100);
    assert.deepEqual(await outcome, { ok: 'done' });
    assert.deepEqual(
      calls.map((c) => [c.attempt, c.signal]),
      [
        [1, controller.signal],
        [2, controller.signal],
        [3, controller.signal],
      ],
    );
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
    assert.equal(clock.pendingTimers, 0);
  });
});

void describe('retry: events', () => {
  void test('onRetry before each sleep, onGiveUp once, and disposers stop them', async () => {
    const clock = new ManualClock();
    const policy = retry({ clock, backoff: constantBackoff(100), maxAttempts: 3 });
    const retries: RetryEvent[] = [];
    const giveUps: GiveUpEvent[] = [];
    const stopRetry = policy.onRetry((e) => retries.push(e));
    const stopGiveUp = policy.onGiveUp((e) => giveUps.push(e));
    const first = flaky(clock, Infinity);
    const outcome = settle(policy.execute(first.work));
    await clock.advanceAsync(1000);
    const error = (await outcome) as { error: Error };
    assert.deepEqual(
      retries.map((e) => [e.attempt, e.delayMs, (e.error as Error).message]),
      [
        [2, 100, 'fail 1'],
        [3, 100, 'fail 2'],
      ],
    );
    assert.deepEqual(giveUps, [{ reason: 'attempts', attempts: 3, error: error.error }]);

    stopRetry();
    stopGiveUp();
    const second = flaky(clock, Infinity);
    const again = settle(policy.execute(second.work));
    await clock.advanceAsync(1000);
    await again;
    assert.equal(second.calls.length, 3);
    assert.equal(retries.length, 2);
    assert.equal(giveUps.length, 1);
  });

  void test('a successful call emits no give-up', async () => {
    const policy = retry({ backoff: noWait });
    const giveUps: GiveUpEvent[] = [];
    policy.onGiveUp((e) => giveUps.push(e));
    await policy.execute(flaky(new ManualClock(), 1).work);
    assert.deepEqual(giveUps, []);
  });
});

void describe('retry: options', () => {
  void test('rejects bad options, naming the option', () => {
    const bad: [unknown, string][] = [
      [{ maxAttempts: 0 }, 'retry.maxAttempts'],
      [{ maxAttempts: 2.5 }, 'retry.maxAttempts'],
      [{ maxAttempts: Infinity }, 'retry.maxAttempts'],
      [{ maxAttempts: '3' }, 'retry.maxAttempts'],
      [{ backoff: 100 }, 'retry.backoff'],
      [{ backoff: {} }, 'retry.backoff'],
      [{ isRetryable: true }, 'retry.isRetryable'],
      [{ retryOnResult: 503 }, 'retry.retryOnResult'],
      [{ retryAfter: true }, 'retry.retryAfter'],
      [{ retryAfter: { max: -1 } }, 'retry.retryAfter.max'],
      [{ retryAfter: { of: 'retry-after' } }, 'retry.retryAfter.of'],
      [{ retryAfter: { cap: '1s' } }, 'retry.retryAfter.cap'],
      [{ budget: { ratio: 0.2 } }, 'retry.budget'],
      [{ clock: Date }, 'retry.clock'],
      [{ random: 4 }, 'retry.random'],
      [{ attempts: 3 }, 'retry.attempts'],
      [[], 'retry'],
    ];
    for (const [options, option] of bad) {
      assert.throws(
        () => retry(options as never),
        (error: unknown) => error instanceof InvalidOptionError && error.option === option,
        option,
      );
    }
  });
});

/** Work that throws `error` once, then returns 'ok'; `onCall` sees every call. */
function failThen(error: unknown, onCall: () => void = () => {}) {
  let n = 0;
  return async () => {
    onCall();
    if (n++ === 0) throw error;
    return 'ok';
  };
}
