import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from './clock.js';
import { InvalidOptionError } from './errors.js';
import { retryBudget, type RetryBudget } from './retry-budget.js';

function acquireAll(budget: RetryBudget, limit = 10_000): number {
  let granted = 0;
  while (granted < limit && budget.tryAcquireRetry()) granted++;
  return granted;
}

function record(budget: RetryBudget, requests: number): void {
  for (let i = 0; i < requests; i++) budget.recordRequest();
}

void describe('retryBudget', () => {
  void test('defaults: 20% of requests plus 10/s over a 10 s window', () => {
    const clock = new ManualClock();
    const budget = retryBudget({ clock });
    assert.deepEqual(budget.snapshot(), {
      requests: 0,
      retries: 0,
      available: 100,
      ratio: 0.2,
      minPerSecond: 10,
      windowMs: 10_000,
    });
    record(budget, 50);
    assert.equal(acquireAll(budget), 110); // 0.2 × 50 + 10 × 10
  });

  void test('grants exactly floor(ratio × requests + minPerSecond × window seconds) retries', () => {
    const clock = new ManualClock();
    const budget = retryBudget({ ratio: 0.5, minPerSecond: 1, window: '10s', clock });
    record(budget, 41); // 20.5 + 10 = 30.5 → 30 whole retries
    assert.equal(budget.snapshot().available, 30);
    assert.equal(acquireAll(budget), 30);
    assert.equal(budget.tryAcquireRetry(), false);
    assert.deepEqual(
      { ...budget.snapshot(), ratio: 0, minPerSecond: 0, windowMs: 0 },
      { requests: 41, retries: 30, available: 0, ratio: 0, minPerSecond: 0, windowMs: 0 },
    );
    record(budget, 2); // one more whole retry earned
    assert.equal(acquireAll(budget), 1);
  });

  void test('counts every request even though the clock is read only every few calls', () => {
    const clock = new ManualClock();
    const budget = retryBudget({ ratio: 1, minPerSecond: 0, clock });
    for (let n = 1; n <= 40; n++) {
      budget.recordRequest();
      assert.equal(budget.snapshot().requests, n);
    }
  });

  void test('with no floor and no traffic, no retry is allowed', () => {
    const budget = retryBudget({ ratio: 0.2, minPerSecond: 0, clock: new ManualClock() });
    assert.equal(budget.tryAcquireRetry(), false);
    record(budget, 4);
    assert.equal(budget.tryAcquireRetry(), false); // 0.8 is not a whole retry
    budget.recordRequest();
    assert.equal(acquireAll(budget), 1);
  });

  void test('recovers once the window has passed, bucket by bucket', () => {
    const clock = new ManualClock();
    const budget = retryBudget({ ratio: 0.5, minPerSecond: 0, window: '10s', clock });
    record(budget, 20);
    assert.equal(acquireAll(budget), 10);
    clock.advance(5000);
    record(budget, 4); // counted in a later bucket
    assert.equal(acquireAll(budget), 2);
    clock.advance(5000); // the first 20 requests and their 10 retries leave the window
    assert.deepEqual(
      [budget.snapshot().requests, budget.snapshot().retries, budget.snapshot().available],
      [4, 2, 0],
    );
    clock.advance(5000);
    assert.deepEqual([budget.snapshot().requests, budget.snapshot().retries], [0, 0]);
    record(budget, 6);
    assert.equal(acquireAll(budget), 3);
  });

  void test('a long idle gap clears everything and starts no timer', () => {
    const clock = new ManualClock(-12_345); // a negative clock start still maps to valid buckets
    const budget = retryBudget({ ratio: 1, minPerSecond: 0, window: '1s', clock });
    record(budget, 5);
    assert.equal(acquireAll(budget), 5);
    assert.equal(clock.pendingTimers, 0);
    clock.advance(3_600_000);
    assert.equal(budget.snapshot().retries, 0);
    record(budget, 3);
    assert.equal(acquireAll(budget), 3);
  });

  void test('rejects bad options, naming the option', () => {
    const bad: [unknown, string][] = [
      [{ ratio: 1.5 }, 'retryBudget.ratio'],
      [{ ratio: -0.1 }, 'retryBudget.ratio'],
      [{ ratio: '20%' }, 'retryBudget.ratio'],
      [{ minPerSecond: -1 }, 'retryBudget.minPerSecond'],
      [{ minPerSecond: NaN }, 'retryBudget.minPerSecond'],
      [{ window: 0 }, 'retryBudget.window'],
      [{ window: 'forever' }, 'retryBudget.window'],
      [{ clock: { now: () => 0 } }, 'retryBudget.clock'],
      [{ ttl: '10s' }, 'retryBudget.ttl'],
      ['10s', 'retryBudget'],
    ];
    for (const [options, option] of bad) {
      assert.throws(
        () => retryBudget(options as never),
        (error: unknown) => error instanceof InvalidOptionError && error.option === option,
        option,
      );
    }
  });
});
