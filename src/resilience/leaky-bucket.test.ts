import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from './clock.js';
import { CancelledError, InvalidOptionError, RateLimitedError } from './errors.js';
import { leakyBucket, type LeakyBucketOptions } from './leaky-bucket.js';

function invalidOption(option: string) {
  return (error: unknown) => error instanceof InvalidOptionError && error.option === option;
}

/** Takes `n` at the current time; returns delayMs of the allowed ones and the refused count. */
function burst(limiter: ReturnType<typeof leakyBucket>, n: number) {
  const delays: number[] = [];
  let refused = 0;
  for (let i = 0; i < n; i++) {
    const d = limiter.take();
    if (d.allowed) delays.push(d.delayMs);
    else refused++;
  }
  return { delays, refused };
}

const steps = (n: number, from: number, step: number) =>
  Array.from({ length: n }, (_, i) => from + i * step);

describe('leakyBucket (nginx limit_req semantics)', () => {
  test('rate 10/s burst 10: 20 at once → 11 released 100 ms apart, 9 refused', () => {
    const clock = new ManualClock();
    const limiter = leakyBucket({ rate: '10/s', burst: 10, clock });
    assert.equal(limiter.limit, 11);
    const { delays, refused } = burst(limiter, 20);
    assert.deepEqual(delays, steps(11, 0, 100)); // excess 0 passes; excess k waits k / rate
    assert.equal(refused, 9);
    const next = limiter.take();
    assert.equal(next.retryAfterMs, 100);
    assert.equal(next.resetMs, 1100);
  });

  test('excess keeps being released at the rate: a request after one slot drains waits 1 s', () => {
    const clock = new ManualClock();
    const limiter = leakyBucket({ rate: '10/s', burst: 10, clock });
    burst(limiter, 11);
    clock.advance(100);
    const d = limiter.take();
    assert.equal(d.allowed, true);
    assert.equal(d.delayMs, 1000); // released at t=1100, right after the one released at t=1000
    assert.equal(limiter.take().allowed, false);
  });

  test('nodelay: the admitted burst passes at once; more are refused until a slot drains', () => {
    const clock = new ManualClock();
    const limiter = leakyBucket({ rate: '10/s', burst: 10, nodelay: true, clock });
    const { delays, refused } = burst(limiter, 20);
    assert.deepEqual(delays, Array(11).fill(0));
    assert.equal(refused, 9);
    clock.advance(50);
    assert.equal(limiter.take().retryAfterMs, 50);
    clock.advance(50);
    assert.deepEqual(burst(limiter, 3), { delays: [0], refused: 2 });
    clock.advance(1100);
    assert.deepEqual(burst(limiter, 12), { delays: Array(11).fill(0), refused: 1 });
  });

  test('delay=N passes N excess requests at once and spaces the rest at the rate', () => {
    const clock = new ManualClock();
    const limiter = leakyBucket({ rate: '10/s', burst: 10, delay: 5, clock });
    const { delays, refused } = burst(limiter, 20);
    assert.deepEqual(delays, [0, 0, 0, 0, 0, 0, 100, 200, 300, 400, 500]);
    assert.equal(refused, 9);
  });

  test('burst 0 (the default) passes one request per 1/rate and refuses the rest', () => {
    const clock = new ManualClock();
    const limiter = leakyBucket({ rate: '2/s', clock });
    assert.equal(limiter.take().allowed, true);
    const refused = limiter.take();
    assert.equal(refused.allowed, false);
    assert.equal(refused.retryAfterMs, 500);
    clock.advance(499);
    assert.equal(limiter.take().allowed, false);
    clock.advance(1);
    assert.deepEqual(limiter.take(), {
      allowed: true,
      remaining: 0,
      retryAfterMs: 0,
      resetMs: 500,
      limit: 1,
      delayMs: 0,
    });
  });

  test('a request of cost c is held as the last of c unit requests', () => {
    const limiter = leakyBucket({ rate: '10/s', burst: 10, clock: new ManualClock() });
    const d = limiter.take(undefined, 3);
    assert.equal(d.delayMs, 200);
    assert.equal(d.remaining, 8);
    assert.equal(limiter.take(undefined, 9).retryAfterMs, 100);
    assert.equal(limiter.take(undefined, 12).retryAfterMs, Infinity);
  });

  test('execute releases accepted calls at the rate and rejects the rest', async () => {
    const clock = new ManualClock();
    const limiter = leakyBucket({ rate: '10/s', burst: 3, clock });
    const ranAt: number[] = [];
    const calls = Array.from({ length: 6 }, () =>
      limiter.execute(() => ranAt.push(clock.now())).catch((e: unknown) => e),
    );
    await clock.advanceAsync(1000);
    const results = await Promise.all(calls);
    assert.deepEqual(ranAt, [0, 100, 200, 300]);
    assert.equal(results.filter((r) => r instanceof RateLimitedError).length, 2);
    assert.equal(clock.pendingTimers, 0);
  });

  test('execute waits exactly delayMs before running the work', async () => {
    const clock = new ManualClock();
    const limiter = leakyBucket({ rate: '10/s', burst: 1, clock });
    limiter.take();
    let ran = false;
    const call = limiter.execute(() => (ran = true));
    await clock.advanceAsync(99);
    assert.equal(ran, false);
    await clock.advanceAsync(1);
    assert.equal(await call, true);
  });

  test('abort while held: CancelledError, timer cleared, slot still charged', async () => {
    const clock = new ManualClock();
    const limiter = leakyBucket({ rate: '10/s', burst: 5, clock });
    limiter.take();
    const controller = new AbortController();
    let ran = false;
    const call = limiter.execute(() => (ran = true), { signal: controller.signal });
    assert.equal(clock.pendingTimers, 1);
    controller.abort('client gone');
    await assert.rejects(call, (e) => e instanceof CancelledError && e.cause === 'client gone');
    assert.equal(clock.pendingTimers, 0);
    assert.equal(limiter.peek(undefined, 0).remaining, 4); // the slot stays charged, as in nginx
    await clock.advanceAsync(1000);
    assert.equal(ran, false);
  });

  test('bad options throw InvalidOptionError naming the option', () => {
    const bad: [unknown, string][] = [
      [{ rate: 'fast' }, 'leakyBucket.rate'],
      [{ rate: 0 }, 'leakyBucket.rate'],
      [{}, 'leakyBucket.rate'],
      [{ rate: '10/s', burst: -1 }, 'leakyBucket.burst'],
      [{ rate: '10/s', burst: 2.5 }, 'leakyBucket.burst'],
      [{ rate: '10/s', delay: -1 }, 'leakyBucket.delay'],
      [{ rate: '10/s', nodelay: 'yes' }, 'leakyBucket.nodelay'],
      [{ rate: '10/s', nodelay: true, delay: 2 }, 'leakyBucket.delay'],
      [{ rate: '10/s', noDelay: true }, 'leakyBucket.noDelay'],
      [undefined, 'leakyBucket.rate'],
    ];
    for (const [options, option] of bad) {
      assert.throws(() => leakyBucket(options as LeakyBucketOptions), invalidOption(option));
    }
  });
});
