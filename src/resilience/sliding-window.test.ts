import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from './clock.js';
import { InvalidOptionError } from './errors.js';
import { slidingWindow, type SlidingWindowOptions } from './sliding-window.js';
import { prng } from '../../test/helpers/prng.js';

function invalidOption(option: string) {
  return (error: unknown) => error instanceof InvalidOptionError && error.option === option;
}

describe('slidingWindow log', () => {
  test('counts a request until exactly window ms after it', () => {
    const clock = new ManualClock();
    const log = slidingWindow({ limit: 3, window: 1000, algorithm: 'log', clock });
    for (const t of [0, 100, 200]) {
      clock.advance(t - clock.now());
      assert.equal(log.take().allowed, true);
    }
    clock.advance(100);
    assert.equal(log.take().retryAfterMs, 700); // the t=0 entry leaves at t=1000
    clock.advance(699);
    assert.equal(log.take().retryAfterMs, 1);
    clock.advance(1); // t=1000: the t=0 entry is out, exactly at the edge
    const d = log.take();
    assert.deepEqual(d, {
      allowed: true,
      remaining: 0,
      retryAfterMs: 0,
      resetMs: 1000,
      limit: 3,
      delayMs: 0,
    });
    assert.equal(log.take().retryAfterMs, 100);
  });

  test('a cost waits for as many entries as it needs to expire', () => {
    const clock = new ManualClock();
    const log = slidingWindow({ limit: 5, window: '1s', algorithm: 'log', clock });
    log.take('k', 3);
    clock.advance(500);
    log.take('k', 2);
    clock.advance(100);
    const refused = log.take('k', 2);
    assert.equal(refused.retryAfterMs, 400);
    assert.equal(refused.resetMs, 900);
    assert.equal(log.take('k', 6).retryAfterMs, Infinity);
    clock.advance(400);
    assert.equal(log.take('k', 3).allowed, true);
    assert.equal(log.take('k', 1).allowed, false);
    assert.throws(() => log.take('k', 1.5), invalidOption('slidingWindow.cost'));
  });

  test('matches a naive timestamp list over a long random run (ring wrap and growth)', () => {
    const clock = new ManualClock();
    const limit = 37;
    const log = slidingWindow({ limit, window: 1000, algorithm: 'log', clock });
    let naive: number[] = [];
    const rnd = prng(42);
    for (let i = 0; i < 20_000; i++) {
      clock.advance(Math.floor(rnd() * 60));
      const now = clock.now();
      const cost = 1 + Math.floor(rnd() * 3);
      naive = naive.filter((t) => t + 1000 > now);
      const allowed = naive.length + cost <= limit;
      const expected = allowed ? 0 : naive[naive.length + cost - limit - 1]! + 1000 - now;
      if (allowed) for (let c = 0; c < cost; c++) naive.push(now);
      const d = log.take(undefined, cost);
      assert.equal(d.allowed, allowed, `step ${i}`);
      assert.equal(d.retryAfterMs, expected, `step ${i}`);
      assert.equal(d.remaining, limit - naive.length, `step ${i}`);
    }
  });
});

describe('slidingWindow counter', () => {
  test("weights the previous window's count by its share still inside the window", () => {
    const clock = new ManualClock(500);
    const counter = slidingWindow({ limit: 10, window: 1000, clock });
    for (let i = 0; i < 10; i++) assert.equal(counter.take().allowed, true);
    assert.equal(counter.take().retryAfterMs, 600); // until 10 * (1 - 0.1) + 1 <= 10 at t=1100
    clock.advance(500); // t=1000, the window edge: the whole previous window still counts
    assert.equal(counter.peek(undefined, 0).remaining, 0);
    assert.equal(counter.take().retryAfterMs, 100);
    clock.advance(100);
    const d = counter.take(); // 10 * 0.9 + 0 + 1 = 10
    assert.equal(d.allowed, true);
    assert.equal(d.remaining, 0);
    clock.advance(400); // t=1500: 10 * 0.5 + 1 = 6 used
    assert.equal(counter.peek(undefined, 0).remaining, 4);
    clock.advance(499); // t=1999: 10 * 0.001 + 1
    assert.equal(counter.peek(undefined, 0).remaining, 8);
    clock.advance(1); // t=2000: the t=500 window is gone; the t=1100 take now fades
    assert.equal(counter.peek(undefined, 0).remaining, 9);
    assert.equal(counter.peek(undefined, 0).resetMs, 1000);
  });

  test('windows align to multiples of the window on the clock', () => {
    const clock = new ManualClock(990);
    const counter = slidingWindow({ limit: 2, window: 1000, clock });
    counter.take();
    counter.take();
    clock.advance(10); // t=1000: new window, previous weight 1
    assert.equal(counter.take().allowed, false);
    clock.advance(500); // previous weight 0.5: 1 used
    assert.equal(counter.take().allowed, true);
  });

  test('after a whole empty window, both counts are forgotten', () => {
    const clock = new ManualClock();
    const counter = slidingWindow({ limit: 2, window: 1000, clock });
    counter.take(undefined, 2);
    clock.advance(2500); // window 2; window 1 saw nothing
    assert.equal(counter.peek(undefined, 0).remaining, 2);
    assert.equal(counter.take(undefined, 2).allowed, true);
  });

  test('waits into the next window when the current count leaves no room', () => {
    const clock = new ManualClock();
    const counter = slidingWindow({ limit: 4, window: 1000, clock });
    counter.take(undefined, 4);
    const d = counter.take();
    assert.equal(d.retryAfterMs, 1250); // at t=1250: 4 * 0.75 + 1 = 4
    assert.equal(d.resetMs, 2000);
    clock.advance(1249);
    assert.equal(counter.take().allowed, false);
    clock.advance(1);
    assert.equal(counter.take().allowed, true);
  });

  test('refused requests are not counted; fractional costs are fine', () => {
    const clock = new ManualClock();
    const counter = slidingWindow({ limit: 3, window: '1m', clock });
    assert.equal(counter.take(undefined, 2.5).allowed, true);
    for (let i = 0; i < 5; i++) assert.equal(counter.take().allowed, false);
    assert.equal(counter.take(undefined, 0.5).allowed, true);
  });
});

describe('slidingWindow options', () => {
  test('bad options throw InvalidOptionError naming the option', () => {
    const bad: [unknown, string][] = [
      [{ window: '1s' }, 'slidingWindow.limit'],
      [{ limit: 0, window: '1s' }, 'slidingWindow.limit'],
      [{ limit: 1.5, window: '1s' }, 'slidingWindow.limit'],
      [{ limit: 5 }, 'slidingWindow.window'],
      [{ limit: 5, window: 0 }, 'slidingWindow.window'],
      [{ limit: 5, window: 'soon' }, 'slidingWindow.window'],
      [{ limit: 5, window: '1s', algorithm: 'fixed' }, 'slidingWindow.algorithm'],
      [{ limit: 5, window: '1s', windowMs: 1 }, 'slidingWindow.windowMs'],
      [[], 'slidingWindow'],
    ];
    for (const [options, option] of bad) {
      assert.throws(() => slidingWindow(options as SlidingWindowOptions), invalidOption(option));
    }
  });
});
