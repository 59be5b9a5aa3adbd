import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from './clock.js';
import { InvalidOptionError } from './errors.js';
import { tokenBucket, type TokenBucketOptions } from './token-bucket.js';

function invalidOption(option: string) {
  return (error: unknown) => error instanceof InvalidOptionError && error.option === option;
}

describe('tokenBucket', () => {
  test('spends the burst at once, then refills at the rate with exact retryAfterMs', () => {
    const clock = new ManualClock();
    const bucket = tokenBucket({ rate: '10/s', burst: 5, clock });
    for (let i = 1; i <= 5; i++) {
      const d = bucket.take();
      assert.deepEqual(d, {
        allowed: true,
        remaining: 5 - i,
        retryAfterMs: 0,
        resetMs: 100 * i,
        limit: 5,
        delayMs: 0,
      });
    }
    const refused = bucket.take();
    assert.equal(refused.allowed, false);
    assert.equal(refused.retryAfterMs, 100);
    assert.equal(refused.resetMs, 500);
    clock.advance(99);
    assert.equal(bucket.take().retryAfterMs, 1);
    clock.advance(1);
    assert.equal(bucket.take().allowed, true);
    clock.advance(250); // 2.5 tokens back
    assert.equal(bucket.take().allowed, true);
    assert.equal(bucket.take().allowed, true);
    assert.equal(bucket.take().retryAfterMs, 50);
  });

  test('refill stops at the burst', () => {
    const clock = new ManualClock();
    const bucket = tokenBucket({ rate: '10/s', burst: 5, clock });
    bucket.take();
    clock.advance(60_000);
    assert.equal(bucket.peek(undefined, 0).remaining, 5);
    for (let i = 0; i < 5; i++) assert.equal(bucket.take().allowed, true);
    assert.equal(bucket.take().allowed, false);
  });

  test('fractional tokens accrue between takes', () => {
    const clock = new ManualClock();
    const bucket = tokenBucket({ rate: '3/s', burst: 1, clock });
    assert.equal(bucket.take().allowed, true);
    const refused = bucket.take();
    assert.ok(Math.abs(refused.retryAfterMs - 1000 / 3) < 1e-9);
    clock.advance(200);
    assert.ok(Math.abs(bucket.take().retryAfterMs - (1000 / 3 - 200)) < 1e-9);
    clock.advance(1000 / 3 - 200);
    assert.equal(bucket.take().allowed, true);
  });

  test('a cost above 1 spends that many tokens and waits for all of them', () => {
    const clock = new ManualClock();
    const bucket = tokenBucket({ rate: '10/s', burst: 10, clock });
    const d = bucket.take('k', 4);
    assert.equal(d.remaining, 6);
    assert.equal(d.resetMs, 400);
    const refused = bucket.take('k', 7);
    assert.equal(refused.allowed, false);
    assert.equal(refused.retryAfterMs, 100); // one token short
    assert.equal(bucket.take('k', 6).allowed, true); // the refused take charged nothing
    clock.advance(700);
    assert.equal(bucket.take('k', 7).allowed, true);
  });

  test('a cost above the burst is never allowed: retryAfterMs is Infinity', () => {
    const clock = new ManualClock();
    const bucket = tokenBucket({ rate: '10/s', burst: 5, clock });
    clock.advance(3_600_000);
    const d = bucket.take(undefined, 6);
    assert.equal(d.allowed, false);
    assert.equal(d.retryAfterMs, Infinity);
    assert.equal(d.remaining, 5);
  });

  test('a cost of 0 is always allowed and charges nothing', () => {
    const bucket = tokenBucket({ rate: 1, burst: 1, clock: new ManualClock() });
    bucket.take();
    assert.equal(bucket.take(undefined, 0).allowed, true);
    assert.equal(bucket.take(undefined, 0).remaining, 0);
  });

  test('the default burst is one second of rate, at least 1', () => {
    const clock = new ManualClock();
    assert.equal(tokenBucket({ rate: '100/s', clock }).limit, 100);
    assert.equal(tokenBucket({ rate: '1000/10s', clock }).limit, 100);
    assert.equal(tokenBucket({ rate: 2.5, clock }).limit, 2.5);
    assert.equal(tokenBucket({ rate: '10/m', clock }).limit, 1);
    assert.equal(tokenBucket({ rate: { tokens: 30, per: '1m' }, clock }).limit, 1);
  });

  test('each decision is a fresh object that later takes do not change', () => {
    const bucket = tokenBucket({ rate: '10/s', burst: 2, clock: new ManualClock() });
    const first = bucket.take();
    const second = bucket.take();
    assert.notEqual(first, second);
    assert.equal(first.remaining, 1);
    assert.equal(second.remaining, 0);
  });

  test('bad options throw InvalidOptionError naming the option', () => {
    const bad: [unknown, string][] = [
      [{ rate: 'abc' }, 'tokenBucket.rate'],
      [{ rate: 0 }, 'tokenBucket.rate'],
      [{ rate: -10 }, 'tokenBucket.rate'],
      [{}, 'tokenBucket.rate'],
      [{ rate: '10/s', burst: -1 }, 'tokenBucket.burst'],
      [{ rate: '10/s', burst: 0.5 }, 'tokenBucket.burst'],
      [{ rate: '10/s', burst: '5' }, 'tokenBucket.burst'],
      [{ rate: '10/s', brust: 5 }, 'tokenBucket.brust'],
      [null, 'tokenBucket'],
      ['10/s', 'tokenBucket'],
    ];
    for (const [options, option] of bad) {
      assert.throws(() => tokenBucket(options as TokenBucketOptions), invalidOption(option));
    }
  });
});
