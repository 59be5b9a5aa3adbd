import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { circuitBreaker, type CircuitBreaker } from '../circuit-breaker.js';
import { ManualClock } from '../clock.js';
import { InvalidOptionError } from '../errors.js';
import { CountWindow } from './count-window.js';

const NO_SLOW = Infinity;

/** Feeds `pattern` ('F' failure, 'S' success, 's' slow success, 'f' slow failure); returns the trip reasons. */
function feed(w: CountWindow, pattern: string): (string | undefined)[] {
  return [...pattern].map((c) =>
    c === 'F' || c === 'f' ? w.failure(c === 'f') : w.success(c === 's'),
  );
}

describe('CountWindow', () => {
  test('cannot trip before minimumCalls, however bad the rate', () => {
    const w = new CountWindow({
      size: 10,
      minimumCalls: 5,
      failureRateThreshold: 0.5,
      slowCallRateThreshold: NO_SLOW,
    });
    assert.deepEqual(feed(w, 'FFFF'), [undefined, undefined, undefined, undefined]);
    assert.equal(w.failure(false), 'failure-rate');
  });

  test('a rate exactly at the threshold trips; just under does not', () => {
    const settings = {
      size: 10,
      minimumCalls: 10,
      failureRateThreshold: 0.3,
      slowCallRateThreshold: NO_SLOW,
    };
    const under = new CountWindow(settings);
    assert.equal(feed(under, 'SSSSSSSSFF').at(-1), undefined); // 0.2
    const at = new CountWindow(settings);
    assert.equal(feed(at, 'SSSSSSSFFF').at(-1), 'failure-rate'); // 3 / 10 = 0.3
  });

  test('the call that brings the window to minimumCalls can trip it, even a success', () => {
    const w = new CountWindow({
      size: 4,
      minimumCalls: 4,
      failureRateThreshold: 0.5,
      slowCallRateThreshold: NO_SLOW,
    });
    assert.deepEqual(feed(w, 'FFSS'), [undefined, undefined, undefined, 'failure-rate']);
  });

  test('keeps only the last `size` calls', () => {
    const w = new CountWindow({
      size: 4,
      minimumCalls: 4,
      failureRateThreshold: 0.5,
      slowCallRateThreshold: NO_SLOW,
    });
    feed(w, 'FSSSSSS');
    assert.deepEqual(w.window(), {
      calls: 4,
      failures: 0,
      slowCalls: 0,
      failureRate: 0,
      slowCallRate: 0,
    });
    assert.deepEqual(feed(w, 'F'), [undefined]); // 1 / 4
    assert.deepEqual(feed(w, 'F'), ['failure-rate']); // 2 / 4
  });

  test('slow-call rate trips on its own threshold; a slow failure counts twice', () => {
    const w = new CountWindow({
      size: 4,
      minimumCalls: 4,
      failureRateThreshold: 1,
      slowCallRateThreshold: 0.75,
    });
    assert.deepEqual(feed(w, 'ssSf'), [undefined, undefined, undefined, 'slow-call-rate']);
    assert.equal(w.window().failures, 1);
    assert.equal(w.window().slowCalls, 3);
  });

  test('save / load keeps the order and the newest outcomes of a larger window', () => {
    const big = new CountWindow({
      size: 6,
      minimumCalls: 6,
      failureRateThreshold: 0.9,
      slowCallRateThreshold: NO_SLOW,
    });
    feed(big, 'SSFFSFFF');
    const saved = big.save();
    assert.deepEqual(saved, {
      type: 'count',
      consecutiveFailures: 3,
      outcomes: [1, 1, 0, 1, 1, 1],
    });
    const small = new CountWindow({
      size: 3,
      minimumCalls: 3,
      failureRateThreshold: 0.9,
      slowCallRateThreshold: NO_SLOW,
    });
    small.load(JSON.parse(JSON.stringify(saved)), 'x');
    assert.equal(small.window().failures, 3);
    assert.equal(small.consecutiveFailures(), 3);
    assert.throws(
      () => small.load({ type: 'count', consecutiveFailures: 0, outcomes: [0, 4] }, 'x'),
      (e: unknown) => e instanceof InvalidOptionError && e.option === 'x.outcomes[1]',
    );
    assert.equal(small.window().failures, 3, 'a rejected load changes nothing');
  });
});

describe('circuitBreaker({ window: { type: "count" } })', () => {
  async function run(breaker: CircuitBreaker, pattern: string): Promise<void> {
    for (const c of pattern) {
      await breaker
        .execute(() => (c === 'F' ? Promise.reject(new Error('x')) : Promise.resolve('ok')))
        .catch(() => undefined);
    }
  }

  test('trips on the failure rate and reports the window in snapshots', async () => {
    const breaker = circuitBreaker({
      clock: new ManualClock(),
      window: { type: 'count', size: 10, minimumCalls: 4, failureRateThreshold: 0.5 },
    });
    const reasons: string[] = [];
    breaker.onStateChange((e) => reasons.push(e.reason));
    await run(breaker, 'SFS');
    assert.deepEqual(breaker.snapshot().window, {
      calls: 3,
      failures: 1,
      slowCalls: 0,
      failureRate: 1 / 3,
      slowCallRate: 0,
    });
    await run(breaker, 'F');
    assert.equal(breaker.state, 'OPEN');
    assert.deepEqual(reasons, ['failure-rate']);
  });

  test('the window starts empty again once the breaker closes', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({
      clock,
      cooldown: 100,
      window: { type: 'count', size: 4, failureRateThreshold: 0.5 },
    });
    await run(breaker, 'FFFF');
    clock.advance(100);
    await run(breaker, 'SS');
    assert.equal(breaker.state, 'CLOSED');
    assert.equal(breaker.snapshot().window?.calls, 0);
    await run(breaker, 'FFS');
    assert.equal(breaker.state, 'CLOSED', 'the old failures are gone');
  });

  test('slow calls trip on slowCall.rateThreshold', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({
      clock,
      window: { type: 'count', size: 4, failureRateThreshold: 1 },
      slowCall: { duration: 100, rateThreshold: 0.5 },
    });
    const reasons: string[] = [];
    breaker.onStateChange((e) => reasons.push(e.reason));
    await breaker.execute(() => clock.advance(150));
    await breaker.execute(() => 'fast');
    await breaker.execute(() => 'fast');
    assert.equal(breaker.state, 'CLOSED');
    await breaker.execute(() => clock.advance(101));
    assert.equal(breaker.state, 'OPEN');
    assert.deepEqual(reasons, ['slow-call-rate']);
    assert.equal(breaker.snapshot().window?.slowCallRate, 0.5);
  });
});
