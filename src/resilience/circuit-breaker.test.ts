import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { breakerFor, breakers, callRoute } from '../../examples/resilience/per-route-breakers.js';
import { ManualClock, type Clock } from './clock.js';
import {
  circuitBreaker,
  type CircuitBreaker,
  type CircuitBreakerOptions,
  type StateChangeEvent,
} from './circuit-breaker.js';
import {
  BrokenCircuitError,
  CancelledError,
  InvalidOptionError,
  IsolatedCircuitError,
} from './errors.js';
import { EMPTY_CONTEXT } from './types.js';

/** A promise the test settles by hand. */
function deferred<T = string>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const boom = (): never => {
  throw new Error('boom');
};

/** Runs a failing call and swallows its (expected) error. */
async function failOnce(breaker: CircuitBreaker): Promise<void> {
  await breaker.execute(boom).catch(() => undefined);
}

async function failTimes(breaker: CircuitBreaker, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await failOnce(breaker);
}

/** A call that must be refused: returns the error and asserts the work never ran. */
async function refused(breaker: CircuitBreaker): Promise<unknown> {
  let ran = false;
  const error = await breaker
    .execute(() => {
      ran = true;
      return 'ran';
    })
    .then(
      () => assert.fail('expected a rejection'),
      (e: unknown) => e,
    );
  assert.equal(ran, false, 'the work must not be called');
  return error;
}

function transitions(breaker: CircuitBreaker): string[] {
  const seen: string[] = [];
  breaker.onStateChange((e: StateChangeEvent) => seen.push(`${e.from}>${e.to}:${e.reason}`));
  return seen;
}

describe('circuitBreaker: the seed state machine', () => {
  test('the 5th consecutive failure trips, not the 4th', async () => {
    const breaker = circuitBreaker({ clock: new ManualClock() });
    await failTimes(breaker, 4);
    assert.equal(breaker.state, 'CLOSED');
    await failOnce(breaker);
    assert.equal(breaker.state, 'OPEN');
  });

  test('a success in CLOSED resets the count', async () => {
    const breaker = circuitBreaker({ clock: new ManualClock() });
    await failTimes(breaker, 4);
    assert.equal(await breaker.execute(async () => 'ok'), 'ok');
    assert.equal(breaker.snapshot().consecutiveFailures, 0);
    await failTimes(breaker, 4);
    assert.equal(breaker.state, 'CLOSED');
    await failOnce(breaker);
    assert.equal(breaker.state, 'OPEN');
  });

  test('OPEN fails fast without calling the work; the error carries retryAfterMs', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ clock, cooldown: 10_000 }); // the seed demo's 10 s
    await failTimes(breaker, 5);
    clock.advance(4_000);
    const error = await refused(breaker);
    assert.ok(error instanceof BrokenCircuitError);
    assert.equal(error.code, 'SY_RES_CIRCUIT_OPEN');
    assert.equal(error.state, 'OPEN');
    assert.equal(error.retryAfterMs, 6_000);
    clock.advance(5_999);
    assert.equal(breaker.state, 'OPEN');
    assert.equal(((await refused(breaker)) as BrokenCircuitError).retryAfterMs, 1);
  });

  test('after the cooldown exactly one probe goes through; 2 successes close', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ clock, cooldown: 30_000 });
    await failTimes(breaker, 5);
    clock.advance(30_000);
    assert.equal(breaker.state, 'HALF_OPEN');
    const probe = deferred();
    const first = breaker.execute(() => probe.promise);
    const busy = await refused(breaker);
    assert.ok(busy instanceof BrokenCircuitError);
    assert.equal(busy.state, 'HALF_OPEN');
    probe.resolve('one');
    assert.equal(await first, 'one');
    assert.equal(breaker.state, 'HALF_OPEN', 'one success is not enough');
    assert.equal(breaker.snapshot().halfOpenSuccesses, 1);
    assert.equal(await breaker.execute(async () => 'two'), 'two');
    assert.equal(breaker.state, 'CLOSED');
    assert.equal(breaker.snapshot().consecutiveFailures, 0);
    assert.equal(breaker.snapshot().halfOpenSuccesses, 0);
  });

  test('a probe failure reopens at once with a fresh cooldown', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ clock, cooldown: 30_000 });
    const seen = transitions(breaker);
    await failTimes(breaker, 5);
    clock.advance(30_000);
    await breaker.execute(async () => 'ok'); // one good probe first
    clock.advance(1_000);
    await failOnce(breaker);
    assert.equal(breaker.state, 'OPEN');
    assert.equal(((await refused(breaker)) as BrokenCircuitError).retryAfterMs, 30_000);
    clock.advance(29_999);
    assert.equal(breaker.state, 'OPEN');
    clock.advance(1);
    assert.equal(breaker.state, 'HALF_OPEN');
    assert.equal(breaker.snapshot().halfOpenSuccesses, 0, 'the earlier good probe is forgotten');
    assert.deepEqual(seen, [
      'CLOSED>OPEN:consecutive-failures',
      'OPEN>HALF_OPEN:cooldown-elapsed',
      'HALF_OPEN>OPEN:probe-failed',
      'OPEN>HALF_OPEN:cooldown-elapsed',
    ]);
    assert.equal(breaker.snapshot().trips, 2);
  });

  test('sync work is judged at once, before the returned promise settles', async () => {
    const breaker = circuitBreaker({ clock: new ManualClock(), failureThreshold: 2 });
    const a = breaker.execute(boom);
    const b = breaker.execute(boom);
    assert.equal(breaker.state, 'OPEN');
    await assert.rejects(a, /boom/);
    await assert.rejects(b, /boom/);
    const c = circuitBreaker({ clock: new ManualClock() });
    assert.equal(await c.execute(() => 7), 7);
  });

  test('a thenable that is not a native promise is awaited and counted', async () => {
    const breaker = circuitBreaker({ clock: new ManualClock(), failureThreshold: 1 });
    const thenable: PromiseLike<number> = {
      then: (ok, fail) => Promise.reject(new Error('late')).then(ok, fail),
    };
    await assert.rejects(
      breaker.execute(() => thenable),
      /late/,
    );
    assert.equal(breaker.state, 'OPEN');
  });

  test('the work gets EMPTY_CONTEXT without a signal and { signal } with one', async () => {
    const breaker = circuitBreaker({ clock: new ManualClock() });
    assert.equal(await breaker.execute((ctx) => ctx), EMPTY_CONTEXT);
    const controller = new AbortController();
    const ctx = await breaker.execute((c) => c, { signal: controller.signal });
    assert.equal(ctx.signal, controller.signal);
  });
});

describe('circuitBreaker: half-open', () => {
  async function halfOpen(options: CircuitBreakerOptions) {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ clock, cooldown: 1_000, ...options });
    await failTimes(breaker, 5);
    clock.advance(1_000);
    return { clock, breaker };
  }

  test('admits exactly maxProbes concurrent probes; the next is rejected', async () => {
    const { breaker } = await halfOpen({ halfOpen: { maxProbes: 3, successThreshold: 5 } });
    const probes = [deferred(), deferred(), deferred()];
    const calls = probes.map((p) => breaker.execute(() => p.promise));
    const rejected = await refused(breaker);
    assert.ok(rejected instanceof BrokenCircuitError);
    assert.equal(rejected.state, 'HALF_OPEN');
    assert.equal(rejected.retryAfterMs, 0);
    probes[0]!.resolve('a');
    await calls[0];
    const fourth = deferred();
    const call4 = breaker.execute(() => fourth.promise); // a freed slot is taken again
    assert.ok((await refused(breaker)) instanceof BrokenCircuitError);
    for (const p of [probes[1]!, probes[2]!, fourth]) p.resolve('x');
    await Promise.all([...calls, call4]);
    assert.equal(breaker.snapshot().halfOpenSuccesses, 4);
    assert.equal(breaker.state, 'HALF_OPEN');
  });

  test('closing with probes still in flight: their late results are ignored', async () => {
    const { breaker } = await halfOpen({ halfOpen: { maxProbes: 3, successThreshold: 2 } });
    const slow = deferred();
    const late = breaker.execute(() => slow.promise);
    await breaker.execute(async () => 1);
    await breaker.execute(async () => 2);
    assert.equal(breaker.state, 'CLOSED');
    slow.reject(new Error('late failure'));
    await assert.rejects(late, /late failure/);
    assert.equal(breaker.snapshot().consecutiveFailures, 0);
  });

  test('a CLOSED call that fails after the breaker tripped and recovered is not counted', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ clock, cooldown: 1_000, failureThreshold: 1 });
    const old = deferred();
    const oldCall = breaker.execute(() => old.promise);
    await failOnce(breaker);
    clock.advance(1_000);
    await breaker.execute(async () => 1);
    await breaker.execute(async () => 2);
    assert.equal(breaker.state, 'CLOSED');
    old.reject(new Error('from the previous generation'));
    await assert.rejects(oldCall);
    assert.equal(breaker.state, 'CLOSED', 'one failure would trip it if it were counted');
  });

  test('a stuck half-open (every slot busy, nothing settles) reopens after maxWait', async () => {
    const { clock, breaker } = await halfOpen({ halfOpen: { maxWait: 5_000 } });
    const seen = transitions(breaker);
    const hung = deferred();
    const call = breaker.execute(() => hung.promise);
    clock.advance(4_999);
    assert.equal(breaker.state, 'HALF_OPEN');
    clock.advance(1);
    assert.equal(breaker.state, 'OPEN');
    assert.deepEqual(seen, ['OPEN>HALF_OPEN:cooldown-elapsed', 'HALF_OPEN>OPEN:half-open-timeout']);
    assert.equal(((await refused(breaker)) as BrokenCircuitError).retryAfterMs, 1_000);
    hung.resolve('too late');
    await call;
    clock.advance(1_000);
    assert.equal(breaker.state, 'HALF_OPEN');
    assert.equal(breaker.snapshot().halfOpenSuccesses, 0, 'the stale probe did not count');
  });

  test('the stuck timeout is measured from the moment it fell due, even if noticed late', async () => {
    const { clock, breaker } = await halfOpen({ halfOpen: { maxWait: 5_000 } });
    void breaker.execute(() => new Promise(() => undefined));
    clock.advance(5_500); // due at 5 000, so OPEN until 6 000
    assert.equal(((await refused(breaker)) as BrokenCircuitError).retryAfterMs, 500);
  });

  test('a hung probe does not block half-open while other slots are free', async () => {
    const { clock, breaker } = await halfOpen({ halfOpen: { maxProbes: 2, maxWait: 5_000 } });
    void breaker.execute(() => new Promise(() => undefined));
    clock.advance(60_000);
    assert.equal(breaker.state, 'HALF_OPEN');
    await breaker.execute(async () => 1);
    await breaker.execute(async () => 2);
    assert.equal(breaker.state, 'CLOSED');
  });

  test('a cancelled probe frees its slot without counting', async () => {
    const { breaker } = await halfOpen({});
    await assert.rejects(
      breaker.execute(() => Promise.reject(new CancelledError())),
      CancelledError,
    );
    assert.equal(breaker.state, 'HALF_OPEN');
    await breaker.execute(async () => 1);
    await breaker.execute(async () => 2);
    assert.equal(breaker.state, 'CLOSED');
  });
});

describe('circuitBreaker: cooldown backoff', () => {
  test('each re-open without a close multiplies the cooldown, up to max; a close resets it', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({
      clock,
      cooldown: '10s',
      cooldownBackoff: { multiplier: 2, max: '100s' },
    });
    await failTimes(breaker, 5);
    const seen: number[] = [];
    for (let i = 0; i < 6; i++) {
      const snap = breaker.snapshot();
      seen.push(snap.retryAfterMs);
      clock.advance(snap.retryAfterMs);
      await failOnce(breaker); // the probe fails
    }
    assert.deepEqual(seen, [10_000, 20_000, 40_000, 80_000, 100_000, 100_000]);
    clock.advance(100_000);
    await breaker.execute(async () => 1);
    await breaker.execute(async () => 2);
    assert.equal(breaker.state, 'CLOSED');
    await failTimes(breaker, 5);
    assert.equal(breaker.snapshot().retryAfterMs, 10_000);
  });

  test('without cooldownBackoff every open lasts the same', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ clock, cooldown: 1_000 });
    await failTimes(breaker, 5);
    clock.advance(1_000);
    await failOnce(breaker);
    assert.equal(breaker.snapshot().retryAfterMs, 1_000);
  });

  test('reset() also resets the grown cooldown', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ clock, cooldown: 1_000, cooldownBackoff: {} });
    await failTimes(breaker, 5);
    clock.advance(1_000);
    await failOnce(breaker);
    assert.equal(breaker.snapshot().cooldownMs, 2_000);
    breaker.reset();
    assert.equal(breaker.snapshot().cooldownMs, 1_000);
  });
});

describe('circuitBreaker: predicates', () => {
  test('isFailure false: the error reaches the caller but counts as a success', async () => {
    const clock = new ManualClock();
    class NotFound extends Error {}
    const breaker = circuitBreaker({ clock, isFailure: (e) => !(e instanceof NotFound) });
    await failTimes(breaker, 4);
    await assert.rejects(
      breaker.execute(() => Promise.reject(new NotFound())),
      NotFound,
    );
    assert.equal(breaker.snapshot().consecutiveFailures, 0);
  });

  test('a cancellation never counts, either way', async () => {
    const breaker = circuitBreaker({ clock: new ManualClock() });
    await failTimes(breaker, 4);
    await assert.rejects(breaker.execute(() => Promise.reject(new CancelledError())));
    assert.equal(breaker.snapshot().consecutiveFailures, 4);
    const controller = new AbortController();
    const call = breaker.execute(
      ({ signal }) =>
        new Promise((_, reject) => signal!.addEventListener('abort', () => reject(signal!.reason))),
      { signal: controller.signal },
    );
    controller.abort(new Error('caller gave up'));
    await assert.rejects(call, /caller gave up/);
    assert.equal(breaker.snapshot().consecutiveFailures, 4);
    assert.equal(breaker.state, 'CLOSED');
  });

  test('an already-aborted signal rejects with CancelledError without calling the work', async () => {
    const breaker = circuitBreaker({ clock: new ManualClock(), failureThreshold: 1 });
    const controller = new AbortController();
    controller.abort('stop');
    let ran = false;
    const error = await breaker
      .execute(() => (ran = true), { signal: controller.signal })
      .catch((e: unknown) => e);
    assert.ok(error instanceof CancelledError);
    assert.equal(error.cause, 'stop');
    assert.equal(ran, false);
    assert.equal(breaker.state, 'CLOSED');
  });

  test('isResultFailure: the result is returned but counted as a failure', async () => {
    const breaker = circuitBreaker({
      clock: new ManualClock(),
      failureThreshold: 2,
      isResultFailure: (r) => (r as { status: number }).status >= 500,
    });
    assert.deepEqual(await breaker.execute(async () => ({ status: 503 })), { status: 503 });
    assert.deepEqual(await breaker.execute(() => ({ status: 200 })), { status: 200 });
    assert.equal(await breaker.execute(async () => ({ status: 502 })).then((r) => r.status), 502);
    assert.equal(breaker.state, 'CLOSED');
    await breaker.execute(() => ({ status: 500 }));
    assert.equal(breaker.state, 'OPEN');
  });

  test('a predicate that throws counts the call as a failure', async () => {
    const breaker = circuitBreaker({
      clock: new ManualClock(),
      failureThreshold: 1,
      isResultFailure: () => {
        throw new Error('bad predicate');
      },
    });
    assert.equal(await breaker.execute(async () => 'value'), 'value');
    assert.equal(breaker.state, 'OPEN');
  });
});

describe('circuitBreaker: isolate and reset', () => {
  test('isolate() refuses every call with IsolatedCircuitError until reset()', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ clock, cooldown: 1_000 });
    const seen = transitions(breaker);
    await failTimes(breaker, 3);
    breaker.isolate();
    assert.equal(breaker.state, 'ISOLATED');
    clock.advance(1_000_000);
    const error = await refused(breaker);
    assert.ok(error instanceof IsolatedCircuitError);
    assert.equal(error.code, 'SY_RES_CIRCUIT_ISOLATED');
    breaker.reset();
    assert.equal(breaker.state, 'CLOSED');
    assert.equal(breaker.snapshot().consecutiveFailures, 0, 'counts cleared');
    await failTimes(breaker, 4);
    assert.equal(breaker.state, 'CLOSED');
    assert.deepEqual(seen, ['CLOSED>ISOLATED:isolate', 'ISOLATED>CLOSED:reset']);
  });

  test('reset() from OPEN closes at once', async () => {
    const breaker = circuitBreaker({ clock: new ManualClock() });
    await failTimes(breaker, 5);
    breaker.reset();
    assert.equal(breaker.state, 'CLOSED');
    assert.equal(await breaker.execute(() => 'ok'), 'ok');
  });
});

describe('circuitBreaker: events', () => {
  test('onSuccess / onFailure report duration and slowness; disposers stop them', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ clock, slowCall: { duration: 100 } });
    const successes: unknown[] = [];
    const failures: unknown[] = [];
    const stopSuccess = breaker.onSuccess((e) => successes.push(e));
    breaker.onFailure((e) => failures.push(e));
    const d = deferred();
    const call = breaker.execute(() => d.promise);
    clock.advance(150);
    d.resolve('done');
    await call;
    const error = new Error('x');
    await breaker.execute(() => Promise.reject(error)).catch(() => undefined);
    assert.deepEqual(successes, [{ durationMs: 150, slow: true }]);
    assert.deepEqual(failures, [{ error, durationMs: 0 }]);
    stopSuccess();
    await breaker.execute(() => 1);
    assert.equal(successes.length, 1);
  });

  test('onFailure carries the result isResultFailure flagged', async () => {
    const breaker = circuitBreaker({
      clock: new ManualClock(),
      isResultFailure: (r) => r === 'bad',
    });
    const failures: unknown[] = [];
    breaker.onFailure((e) => failures.push(e));
    await breaker.execute(() => 'bad');
    assert.deepEqual(failures, [{ result: 'bad', durationMs: 0 }]);
  });

  test('onReject reports the state and retryAfterMs; onStateChange the reason', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ clock, cooldown: 1_000 });
    const rejects: unknown[] = [];
    const changes: StateChangeEvent[] = [];
    breaker.onReject((e) => rejects.push(e));
    const stop = breaker.onStateChange((e) => changes.push(e));
    await failTimes(breaker, 5);
    clock.advance(400);
    await refused(breaker);
    breaker.isolate();
    await refused(breaker);
    assert.deepEqual(rejects, [
      { state: 'OPEN', retryAfterMs: 600 },
      { state: 'ISOLATED', retryAfterMs: Infinity },
    ]);
    stop();
    breaker.reset();
    assert.deepEqual(changes, [
      { from: 'CLOSED', to: 'OPEN', reason: 'consecutive-failures' },
      { from: 'OPEN', to: 'ISOLATED', reason: 'isolate' },
    ]);
  });

  test('reads the clock only when something needs time', async () => {
    let reads = 0;
    const manual = new ManualClock();
    const clock: Clock = {
      now: () => (reads++, manual.now()),
      setTimeout: (cb, ms) => manual.setTimeout(cb, ms),
      clearTimeout: (h) => manual.clearTimeout(h),
    };
    const breaker = circuitBreaker({ clock });
    for (let i = 0; i < 10; i++) await breaker.execute(async () => i);
    await failTimes(breaker, 4);
    assert.equal(breaker.state, 'CLOSED');
    assert.equal(reads, 0, 'CLOSED calls and state reads need no clock');
    await failOnce(breaker);
    assert.ok(reads > 0, 'a trip starts a cooldown');
  });
});

describe('circuitBreaker: timers', () => {
  test('no timer by default: transitions are lazy', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ clock });
    const seen = transitions(breaker);
    await failTimes(breaker, 5);
    assert.equal(clock.pendingTimers, 0);
    clock.advance(30_000);
    assert.deepEqual(seen, ['CLOSED>OPEN:consecutive-failures'], 'nothing happens unseen');
    assert.equal(breaker.state, 'HALF_OPEN');
    assert.equal(seen.length, 2);
  });

  test('eagerHalfOpen: a timer moves OPEN → HALF_OPEN on time and is then gone', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ clock, cooldown: 5_000, eagerHalfOpen: true });
    const seen = transitions(breaker);
    await failTimes(breaker, 5);
    assert.equal(clock.pendingTimers, 1);
    clock.advance(4_999);
    assert.equal(seen.length, 1);
    clock.advance(1);
    assert.deepEqual(seen, ['CLOSED>OPEN:consecutive-failures', 'OPEN>HALF_OPEN:cooldown-elapsed']);
    assert.equal(clock.pendingTimers, 0);
  });

  test('eagerHalfOpen: reset(), isolate() and dispose() clear the timer', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ clock, eagerHalfOpen: true });
    await failTimes(breaker, 5);
    breaker.reset();
    assert.equal(clock.pendingTimers, 0);
    await failTimes(breaker, 5);
    breaker.isolate();
    assert.equal(clock.pendingTimers, 0);
    breaker.reset();
    await failTimes(breaker, 5);
    assert.equal(clock.pendingTimers, 1);
    breaker.dispose();
    assert.equal(clock.pendingTimers, 0);
    breaker.reset();
    await failTimes(breaker, 5);
    assert.equal(clock.pendingTimers, 0, 'a disposed breaker arms no new timer');
    clock.advance(30_000);
    assert.equal(breaker.state, 'HALF_OPEN', 'but keeps working lazily');
  });

  test('a listener that resets the breaker as it trips leaves no timer behind', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ clock, eagerHalfOpen: true });
    breaker.onStateChange((e) => {
      if (e.to === 'OPEN') breaker.reset();
    });
    await failTimes(breaker, 5);
    assert.equal(breaker.state, 'CLOSED');
    assert.equal(clock.pendingTimers, 0);
  });
});

describe('circuitBreaker: snapshots', () => {
  test('JSON round-trip mid-cooldown restores OPEN with the time left', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({
      clock,
      cooldown: '30s',
      cooldownBackoff: { multiplier: 2 },
      name: 'payments',
    });
    await failTimes(breaker, 5);
    clock.advance(30_000);
    await failOnce(breaker); // re-open: cooldown now 60 s
    clock.advance(12_000);
    const json = JSON.stringify(breaker.snapshot());
    assert.equal(json, JSON.stringify(breaker));

    const elsewhere = new ManualClock(5_000_000); // another process, another clock origin
    const copy = circuitBreaker({
      clock: elsewhere,
      cooldown: '30s',
      cooldownBackoff: { multiplier: 2 },
      initialState: JSON.parse(json),
    });
    const snap = copy.snapshot();
    assert.equal(snap.state, 'OPEN');
    assert.equal(snap.retryAfterMs, 48_000);
    assert.equal(snap.trips, 2);
    assert.equal(snap.cooldownMs, 60_000);
    assert.equal(snap.name, undefined, 'the name belongs to the breaker, not the snapshot');
    assert.equal(((await refused(copy)) as BrokenCircuitError).retryAfterMs, 48_000);
    elsewhere.advance(48_000);
    assert.equal(copy.state, 'HALF_OPEN');
    await failOnce(copy);
    assert.equal(copy.snapshot().retryAfterMs, 120_000, 'the backoff continues');
  });

  test('restore() carries CLOSED counts and HALF_OPEN progress', async () => {
    const a = circuitBreaker({ clock: new ManualClock() });
    await failTimes(a, 4);
    const b = circuitBreaker({ clock: new ManualClock() });
    const seen = transitions(b);
    b.restore(JSON.parse(JSON.stringify(a.snapshot())));
    await failOnce(b);
    assert.equal(b.state, 'OPEN');

    const clock = new ManualClock();
    const c = circuitBreaker({ clock, cooldown: 100 });
    await failTimes(c, 5);
    clock.advance(100);
    await c.execute(async () => 'probe');
    const d = circuitBreaker({ clock: new ManualClock() });
    d.restore(c.snapshot());
    assert.equal(d.state, 'HALF_OPEN');
    await d.execute(async () => 'probe');
    assert.equal(d.state, 'CLOSED');
    assert.deepEqual(seen, ['CLOSED>OPEN:consecutive-failures']);
  });

  test('ISOLATED survives a restore; a named breaker names its snapshot', () => {
    const a = circuitBreaker({ clock: new ManualClock(), name: 'users' });
    a.isolate();
    const snap = a.snapshot();
    assert.equal(snap.name, 'users');
    const b = circuitBreaker({ clock: new ManualClock(), initialState: snap });
    assert.equal(b.state, 'ISOLATED');
  });

  test('a snapshot from a differently configured breaker keeps the state, drops the counts', async () => {
    const a = circuitBreaker({ clock: new ManualClock() });
    await failTimes(a, 3);
    const b = circuitBreaker({
      clock: new ManualClock(),
      window: { type: 'count', size: 4 },
      initialState: a.snapshot(),
    });
    assert.equal(b.state, 'CLOSED');
    assert.equal(b.snapshot().window?.calls, 0);
  });

  test('malformed snapshots are rejected naming the field', () => {
    const good = circuitBreaker({ clock: new ManualClock() }).snapshot();
    const cases: [unknown, string][] = [
      [null, 'circuitBreaker.initialState'],
      [{ ...good, version: 2 }, 'circuitBreaker.initialState.version'],
      [{ ...good, state: 'open' }, 'circuitBreaker.initialState.state'],
      [{ ...good, trips: -1 }, 'circuitBreaker.initialState.trips'],
      [{ ...good, halfOpenSuccesses: 1.5 }, 'circuitBreaker.initialState.halfOpenSuccesses'],
      [{ ...good, retryAfterMs: 'soon' }, 'circuitBreaker.initialState.retryAfterMs'],
      [{ ...good, cooldownMs: Infinity }, 'circuitBreaker.initialState.cooldownMs'],
      [{ ...good, strategy: 'x' }, 'circuitBreaker.initialState.strategy'],
      [
        { ...good, strategy: { type: 'consecutive', consecutiveFailures: -2 } },
        'circuitBreaker.initialState.strategy.consecutiveFailures',
      ],
    ];
    for (const [initialState, option] of cases) {
      assert.throws(
        () => circuitBreaker({ initialState: initialState as never }),
        (e: unknown) => e instanceof InvalidOptionError && e.option === option,
        option,
      );
    }
    const breaker = circuitBreaker({ clock: new ManualClock() });
    assert.throws(
      () => breaker.restore({ ...good, state: 'NOPE' as never }),
      (e: unknown) =>
        e instanceof InvalidOptionError && e.option === 'circuitBreaker.restore.state',
    );
  });
});

describe('circuitBreaker: options', () => {
  const bad: [unknown, string][] = [
    ['fast', 'circuitBreaker'],
    [{ threshold: 5 }, 'circuitBreaker.threshold'],
    [{ failureThreshold: 0 }, 'circuitBreaker.failureThreshold'],
    [{ failureThreshold: 2.5 }, 'circuitBreaker.failureThreshold'],
    [{ failureThreshold: 5, window: { type: 'count' } }, 'circuitBreaker.failureThreshold'],
    [{ cooldown: -1 }, 'circuitBreaker.cooldown'],
    [{ cooldown: '10 parsecs' }, 'circuitBreaker.cooldown'],
    [{ window: [] }, 'circuitBreaker.window'],
    [{ window: {} }, 'circuitBreaker.window.type'],
    [{ window: { type: 'sliding' } }, 'circuitBreaker.window.type'],
    [{ window: { type: 'count', duration: 10 } }, 'circuitBreaker.window.duration'],
    [{ window: { type: 'count', size: 0 } }, 'circuitBreaker.window.size'],
    [{ window: { type: 'count', size: 5, minimumCalls: 6 } }, 'circuitBreaker.window.minimumCalls'],
    [
      { window: { type: 'count', failureRateThreshold: 50 } },
      'circuitBreaker.window.failureRateThreshold',
    ],
    [
      { window: { type: 'count', failureRateThreshold: 0 } },
      'circuitBreaker.window.failureRateThreshold',
    ],
    [{ window: { type: 'time', size: 10 } }, 'circuitBreaker.window.size'],
    [{ window: { type: 'time', duration: 0 } }, 'circuitBreaker.window.duration'],
    [{ window: { type: 'time', buckets: 0 } }, 'circuitBreaker.window.buckets'],
    [{ window: { type: 'time', buckets: 1e9 } }, 'circuitBreaker.window.buckets'],
    [{ window: { type: 'count', size: 1e9 } }, 'circuitBreaker.window.size'],
    [{ window: { type: 'time', minimumCalls: 0 } }, 'circuitBreaker.window.minimumCalls'],
    [{ slowCall: 100 }, 'circuitBreaker.slowCall'],
    [{ slowCall: { duration: 'slow' } }, 'circuitBreaker.slowCall.duration'],
    [{ slowCall: { rateThreshold: 0.5 } }, 'circuitBreaker.slowCall.rateThreshold'],
    [
      { window: { type: 'count' }, slowCall: { rateThreshold: 1.5 } },
      'circuitBreaker.slowCall.rateThreshold',
    ],
    [{ slowCall: { threshold: 1 } }, 'circuitBreaker.slowCall.threshold'],
    [{ cooldownBackoff: { multiplier: 0.5 } }, 'circuitBreaker.cooldownBackoff.multiplier'],
    [{ cooldown: 10_000, cooldownBackoff: { max: 5_000 } }, 'circuitBreaker.cooldownBackoff.max'],
    [{ cooldownBackoff: { factor: 2 } }, 'circuitBreaker.cooldownBackoff.factor'],
    [{ halfOpen: { maxProbes: 0 } }, 'circuitBreaker.halfOpen.maxProbes'],
    [{ halfOpen: { successThreshold: 0 } }, 'circuitBreaker.halfOpen.successThreshold'],
    [{ halfOpen: { maxWait: 0 } }, 'circuitBreaker.halfOpen.maxWait'],
    [{ halfOpen: { probes: 1 } }, 'circuitBreaker.halfOpen.probes'],
    [{ isFailure: true }, 'circuitBreaker.isFailure'],
    [{ isResultFailure: 'status >= 500' }, 'circuitBreaker.isResultFailure'],
    [{ eagerHalfOpen: 'yes' }, 'circuitBreaker.eagerHalfOpen'],
    [{ clock: { now: () => 0 } }, 'circuitBreaker.clock'],
    [{ name: 42 }, 'circuitBreaker.name'],
  ];
  for (const [options, option] of bad) {
    test(`rejects ${JSON.stringify(options)} naming ${option}`, () => {
      assert.throws(
        () => circuitBreaker(options as CircuitBreakerOptions),
        (e: unknown) => e instanceof InvalidOptionError && e.option === option,
      );
    });
  }

  test('accepts every option at once', () => {
    const breaker = circuitBreaker({
      window: {
        type: 'time',
        duration: '10s',
        buckets: 5,
        minimumCalls: 1,
        failureRateThreshold: 1,
      },
      slowCall: { duration: '2s', rateThreshold: 0.8 },
      cooldown: '5s',
      cooldownBackoff: { multiplier: 1.5, max: '1m' },
      halfOpen: { maxProbes: 2, successThreshold: 3, maxWait: '30s' },
      isFailure: () => true,
      isResultFailure: () => false,
      eagerHalfOpen: false,
      clock: new ManualClock(),
      name: 'all',
    });
    assert.equal(breaker.state, 'CLOSED');
    assert.equal(breaker.name, 'all');
  });
});

describe('examples/resilience/per-route-breakers', () => {
  test('each route has its own breaker with the seed thresholds', async () => {
    assert.equal(breakerFor('/payments/charge'), breakers['/payments']);
    assert.equal(breakerFor('/usersettings'), undefined, 'prefixes match whole segments');
    let upstreamCalls = 0;
    const down = () => {
      upstreamCalls++;
      return Promise.reject(new Error('502 from payments'));
    };
    for (let i = 0; i < 5; i++) await callRoute('/payments/charge', down).catch(() => undefined);
    assert.equal(breakers['/payments'].state, 'OPEN');
    await assert.rejects(callRoute('/payments/refund', down), BrokenCircuitError);
    assert.equal(upstreamCalls, 5, 'the open circuit did not call the upstream');
    assert.equal(await callRoute('/users/42', async () => 'alice'), 'alice');
    for (let i = 0; i < 9; i++) await callRoute('/inventory', down).catch(() => undefined);
    assert.equal(breakers['/inventory'].state, 'CLOSED', 'inventory trips at 10');
    await assert.rejects(
      callRoute('/orders', async () => 'x'),
      /no circuit breaker/,
    );
    for (const breaker of Object.values(breakers)) breaker.reset();
  });
});

describe('circuitBreaker acquire/settle (callback admission)', () => {
  test('trips, refuses while OPEN, admits one probe and closes after successes', () => {
    const clock = new ManualClock();
    const b = circuitBreaker({
      clock,
      failureThreshold: 3,
      cooldown: 1000,
      halfOpen: { successThreshold: 2 },
    });
    for (let i = 0; i < 3; i++) {
      const p = b.acquire();
      assert.ok(!(p instanceof Error));
      b.settle(p, true);
    }
    assert.equal(b.state, 'OPEN');
    const refused = b.acquire();
    assert.ok(refused instanceof BrokenCircuitError);
    clock.advance(1000);
    const probe = b.acquire();
    assert.ok(!(probe instanceof Error));
    assert.ok(b.acquire() instanceof BrokenCircuitError, 'only one probe at a time');
    b.settle(probe, false);
    const probe2 = b.acquire();
    assert.ok(!(probe2 instanceof Error));
    b.settle(probe2, false);
    assert.equal(b.state, 'CLOSED');
  });

  test('a failed probe reopens; a stale CLOSED permit from before a trip is ignored', () => {
    const clock = new ManualClock();
    const b = circuitBreaker({ clock, failureThreshold: 1, cooldown: 1000 });
    const stale = b.acquire();
    const p = b.acquire();
    assert.ok(!(p instanceof Error) && !(stale instanceof Error));
    b.settle(p, true);
    assert.equal(b.state, 'OPEN');
    clock.advance(1000);
    const probe = b.acquire();
    assert.ok(!(probe instanceof Error));
    b.settle(stale, true); // from the old CLOSED period: must not count
    b.settle(probe, true);
    assert.equal(b.state, 'OPEN');
  });
});
