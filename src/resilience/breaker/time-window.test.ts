import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { circuitBreaker } from '../circuit-breaker.js';
import { ManualClock } from '../clock.js';
import { InvalidOptionError } from '../errors.js';
import { TimeWindow, type TimeWindowSettings } from './time-window.js';

function window(clock: ManualClock, overrides: Partial<TimeWindowSettings> = {}): TimeWindow {
  return new TimeWindow({
    durationMs: 10_000,
    buckets: 10,
    minimumCalls: 2,
    failureRateThreshold: 0.5,
    slowCallRateThreshold: Infinity,
    clock,
    ...overrides,
  });
}

describe('TimeWindow', () => {
  test('cannot trip before minimumCalls', () => {
    const clock = new ManualClock();
    const w = window(clock, { minimumCalls: 3 });
    assert.equal(w.failure(false), undefined);
    assert.equal(w.failure(false), undefined);
    assert.equal(w.failure(false), 'failure-rate');
  });

  test('a call drops out at exactly the window edge, not a millisecond before', () => {
    const clock = new ManualClock();
    const w = window(clock);
    w.failure(false); // at 0, bucket [0, 1000)
    clock.advance(9_999);
    assert.equal(w.window().calls, 1);
    clock.advance(1); // 10 000: bucket 0 is now 10 buckets old
    assert.equal(w.window().calls, 0);
    assert.equal(w.failure(false), undefined, 'alone in the window, below minimumCalls');
  });

  test('two failures 9 999 ms apart are in one window and trip', () => {
    const clock = new ManualClock();
    const w = window(clock);
    w.failure(false);
    clock.advance(9_999);
    assert.equal(w.failure(false), 'failure-rate');
  });

  test('a rate exactly at the threshold trips', () => {
    const clock = new ManualClock();
    const w = window(clock, { minimumCalls: 4 });
    w.success(false);
    w.success(false);
    w.failure(false);
    assert.equal(w.failure(false), 'failure-rate'); // 2 / 4 = 0.5
  });

  test('buckets expire one at a time as the window slides', () => {
    const clock = new ManualClock(250);
    const w = window(clock, { minimumCalls: 100 });
    for (let i = 0; i < 5; i++) {
      w.success(false);
      clock.advance(1_000);
    }
    // calls at 250, 1250, 2250, 3250, 4250; now 5250
    clock.advance(5_000); // 10 250: the call at 250 (bucket 0) has expired
    assert.equal(w.window().calls, 4);
    clock.advance(100_000);
    assert.equal(w.window().calls, 0, 'a long idle gap empties every bucket');
  });

  test('slow-call rate trips on its own threshold', () => {
    const clock = new ManualClock();
    const w = window(clock, { failureRateThreshold: 1, slowCallRateThreshold: 1 });
    w.success(true);
    assert.equal(w.success(true), 'slow-call-rate');
  });

  test('save / load keeps bucket ages, not clock readings', () => {
    const clock = new ManualClock();
    const w = window(clock, { minimumCalls: 100 });
    w.failure(false);
    clock.advance(3_000);
    w.success(true);
    const saved = JSON.parse(JSON.stringify(w.save()));
    assert.deepEqual(saved.buckets, [
      { age: 0, calls: 1, failures: 0, slowCalls: 1 },
      { age: 3, calls: 1, failures: 1, slowCalls: 0 },
    ]);
    const other = new ManualClock(123_456_000);
    const v = window(other, { minimumCalls: 100 });
    v.load(saved, 'x');
    assert.deepEqual(v.save(), saved);
    other.advance(7_000); // the older bucket (age 3) reaches age 10
    assert.equal(v.window().calls, 1);
    assert.throws(
      () => v.load({ ...saved, buckets: [{ age: 0, calls: 1, failures: 2, slowCalls: 0 }] }, 'x'),
      (e: unknown) => e instanceof InvalidOptionError && e.option === 'x.buckets[0].failures',
    );
  });
});

describe('circuitBreaker({ window: { type: "time" } })', () => {
  test('trips on the failure rate within the window', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({
      clock,
      window: { type: 'time', duration: '10s', buckets: 10, minimumCalls: 3 },
    });
    await breaker.execute(() => Promise.reject(new Error('x'))).catch(() => undefined);
    await breaker.execute(async () => 'ok');
    clock.advance(10_000); // both expire
    await breaker.execute(() => Promise.reject(new Error('x'))).catch(() => undefined);
    await breaker.execute(async () => 'ok');
    assert.equal(breaker.state, 'CLOSED');
    await breaker.execute(() => Promise.reject(new Error('x'))).catch(() => undefined);
    assert.equal(breaker.state, 'OPEN');
  });

  test('a snapshot restores the window into another process', async () => {
    const clock = new ManualClock();
    const options = { window: { type: 'time', duration: 1_000, minimumCalls: 2 } } as const;
    const a = circuitBreaker({ clock, ...options });
    await a.execute(() => Promise.reject(new Error('x'))).catch(() => undefined);
    const b = circuitBreaker({
      clock: new ManualClock(77_000),
      ...options,
      initialState: JSON.parse(JSON.stringify(a.snapshot())),
    });
    assert.equal(b.snapshot().window?.failures, 1);
    await b.execute(() => Promise.reject(new Error('x'))).catch(() => undefined);
    assert.equal(b.state, 'OPEN');
  });
});
