import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { circuitBreaker } from '../circuit-breaker.js';
import { ManualClock } from '../clock.js';
import { InvalidOptionError } from '../errors.js';
import { ConsecutiveFailures } from './consecutive-failures.js';

describe('ConsecutiveFailures', () => {
  test('the threshold-th failure in a row trips; a success resets the run', () => {
    const s = new ConsecutiveFailures(3);
    assert.equal(s.failure(false), undefined);
    assert.equal(s.failure(false), undefined);
    assert.equal(s.success(false), undefined);
    assert.equal(s.consecutiveFailures(), 0);
    assert.equal(s.failure(false), undefined);
    assert.equal(s.failure(false), undefined);
    assert.equal(s.failure(false), 'consecutive-failures');
    assert.equal(s.window(), null);
  });

  test('a slow success extends the run instead of resetting it', () => {
    const s = new ConsecutiveFailures(3);
    s.failure(false);
    assert.equal(s.success(true), undefined);
    assert.equal(s.success(true), 'consecutive-failures');
  });

  test('save / load round-trips, and state of another strategy is dropped', () => {
    const s = new ConsecutiveFailures(5);
    s.failure(false);
    s.failure(false);
    const t = new ConsecutiveFailures(5);
    t.load(JSON.parse(JSON.stringify(s.save())), 'x');
    assert.equal(t.consecutiveFailures(), 2);
    t.load({ type: 'count', consecutiveFailures: 4, outcomes: [] }, 'x');
    assert.equal(t.consecutiveFailures(), 0);
    assert.throws(
      () => t.load({ type: 'consecutive', consecutiveFailures: 'two' }, 'x'),
      (e: unknown) => e instanceof InvalidOptionError && e.option === 'x.consecutiveFailures',
    );
    assert.throws(() => t.load([], 'x'), InvalidOptionError);
  });
});

describe('circuitBreaker: slow calls in consecutive mode', () => {
  test('slow successes count toward failureThreshold; a fast one resets the run', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ clock, failureThreshold: 3, slowCall: { duration: 100 } });
    const slow = () =>
      breaker.execute(() => {
        clock.advance(101); // the work takes 101 ms
        return 'slow but fine';
      });
    await slow();
    await slow();
    await breaker.execute(() => 'fast');
    await slow();
    await slow();
    assert.equal(breaker.state, 'CLOSED');
    assert.equal(await slow(), 'slow but fine', 'the caller still gets the result');
    assert.equal(breaker.state, 'OPEN');
  });

  test('a call of exactly slowCall.duration is not slow', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ clock, failureThreshold: 1, slowCall: { duration: 100 } });
    await breaker.execute(() => clock.advance(100));
    assert.equal(breaker.state, 'CLOSED');
  });

  test('a slow probe re-opens the breaker', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({
      clock,
      failureThreshold: 1,
      cooldown: 1_000,
      slowCall: { duration: 50 },
    });
    const seen: string[] = [];
    breaker.onStateChange((e) => seen.push(e.reason));
    await breaker.execute(() => Promise.reject(new Error('down'))).catch(() => undefined);
    clock.advance(1_000);
    await breaker.execute(() => clock.advance(60));
    assert.equal(breaker.state, 'OPEN');
    assert.deepEqual(seen, ['consecutive-failures', 'cooldown-elapsed', 'probe-slow']);
  });
});
