import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from './clock.js';
import { CancelledError, InvalidOptionError, RateLimitedError } from './errors.js';
import { leakyBucket } from './leaky-bucket.js';
import {
  executeDecision,
  KeyedStore,
  limitDecision,
  parseRate,
  type KeyedState,
  type RateLimiter,
} from './rate-limiter.js';
import { slidingWindow } from './sliding-window.js';
import { tokenBucket } from './token-bucket.js';

function invalidOption(option: string) {
  return (error: unknown) => error instanceof InvalidOptionError && error.option === option;
}

describe('parseRate', () => {
  test('returns milliseconds per token, exact for round rates', () => {
    assert.equal(parseRate('r', '100/s'), 10);
    assert.equal(parseRate('r', '10/m'), 6000);
    assert.equal(parseRate('r', '1/h'), 3_600_000);
    assert.equal(parseRate('r', '5/10s'), 2000);
    assert.equal(parseRate('r', '2/500ms'), 250);
    assert.equal(parseRate('r', '10r/s'), 100);
    assert.equal(parseRate('r', ' 0.5 / s '), 2000);
    assert.equal(parseRate('r', 5), 200);
    assert.equal(parseRate('r', { tokens: 4, per: '2s' }), 500);
    assert.equal(parseRate('r', { tokens: 3, per: 1000 }), 1000 / 3);
  });

  test('bad rates throw InvalidOptionError naming the option', () => {
    for (const bad of ['abc', '10', '10/x', '/s', '-1/s', '0/s', 0, -5, NaN, Infinity, null, []]) {
      assert.throws(() => parseRate('tokenBucket.rate', bad), invalidOption('tokenBucket.rate'));
    }
    assert.throws(() => parseRate('x.rate', { tokens: 0, per: '1s' }), invalidOption('x.rate'));
    assert.throws(() => parseRate('x.rate', { tokens: 1, per: 0 }), invalidOption('x.rate'));
    assert.throws(() => parseRate('x.rate', { tokens: 1 }), invalidOption('x.rate.per'));
    assert.throws(
      () => parseRate('x.rate', { tokens: 1, per: '1s', n: 1 }),
      invalidOption('x.rate.n'),
    );
  });
});

class State implements KeyedState {
  hot = false;
  constructor(
    public last: number,
    public idle = false,
  ) {}
}

describe('KeyedStore', () => {
  test('stays within maxKeys, evicting a cold key before one used since the last pass', () => {
    const store = new KeyedStore<State>(3, (s) => s.idle);
    store.add('a', new State(0), 0);
    store.add('b', new State(0), 0);
    store.add('c', new State(0), 0);
    assert.ok(store.get('a')); // used: gets a second chance
    store.add('d', new State(0), 0);
    assert.equal(store.size, 3);
    assert.equal(store.peek('b'), undefined);
    assert.ok(store.peek('a') && store.peek('c') && store.peek('d'));
    store.add('e', new State(0), 0);
    assert.equal(store.peek('c'), undefined);
    store.add('f', new State(0), 0); // 'a' spent its second chance when it was passed over
    assert.equal(store.peek('a'), undefined);
    assert.equal(store.size, 3);
  });

  test('each new key sweeps two tracked keys and drops the idle ones', () => {
    const store = new KeyedStore<State>(100, (s) => s.idle);
    const old = Array.from({ length: 6 }, () => new State(0));
    old.forEach((s, i) => store.add(`old${i}`, s, 0));
    old.forEach((s) => (s.idle = true));
    store.add('n1', new State(0), 0);
    assert.equal(store.size, 5); // two dropped per new key, no more
    for (let i = 2; i <= 4; i++) store.add(`n${i}`, new State(0), 0);
    assert.equal(store.size, 4);
  });

  test('the sweep keeps keys that are not idle', () => {
    const store = new KeyedStore<State>(100, (s) => s.idle);
    const old = Array.from({ length: 6 }, () => new State(0));
    old.forEach((s, i) => store.add(`old${i}`, s, 0));
    old.forEach((s, i) => (s.idle = i !== 3));
    for (let i = 1; i <= 6; i++) store.add(`n${i}`, new State(0), 0);
    assert.equal(store.size, 7);
    assert.ok(store.peek('old3'));
  });

  test('peek does not mark a key used; clear forgets everything', () => {
    const store = new KeyedStore<State>(2, () => false);
    store.add('a', new State(0), 0);
    store.add('b', new State(0), 0);
    store.peek('a');
    store.add('c', new State(0), 0);
    assert.equal(store.peek('a'), undefined);
    store.clear();
    assert.equal(store.size, 0);
  });
});

describe('executeDecision', () => {
  const clock = new ManualClock();

  test('runs the work when allowed, passing a context with the signal', async () => {
    const signal = new AbortController().signal;
    const ok = limitDecision(true, 0, 0, 0, 1, 0);
    assert.equal(
      await executeDecision(ok, clock, (ctx) => ctx.signal === signal, { signal }),
      true,
    );
    const thrown = executeDecision(
      ok,
      clock,
      () => {
        throw new Error('sync');
      },
      undefined,
    );
    await assert.rejects(thrown, /sync/);
  });

  test('rejects with RateLimitedError carrying retryAfterMs and limit when refused', async () => {
    let ran = false;
    const refused = limitDecision(false, 0, 250, 900, 7, 0);
    const error = await executeDecision(refused, clock, () => (ran = true), undefined).catch(
      (e: unknown) => e,
    );
    assert.ok(error instanceof RateLimitedError);
    assert.equal(error.code, 'SY_RES_RATE_LIMITED');
    assert.equal(error.retryAfterMs, 250);
    assert.equal(error.limit, 7);
    assert.equal(ran, false);
  });
});

/** Each limiter, set up so that `limit` is 2 and the next unit is refused until time passes. */
const LIMITERS: [string, (clock: ManualClock, extra?: object) => RateLimiter][] = [
  ['tokenBucket', (clock, extra) => tokenBucket({ rate: '2/s', burst: 2, clock, ...extra })],
  ['leakyBucket', (clock, extra) => leakyBucket({ rate: '2/s', burst: 1, clock, ...extra })],
  [
    'slidingWindow log',
    (clock, extra) => slidingWindow({ limit: 2, window: '1s', algorithm: 'log', clock, ...extra }),
  ],
  [
    'slidingWindow counter',
    (clock, extra) => slidingWindow({ limit: 2, window: '1s', clock, ...extra }),
  ],
];

for (const [name, make] of LIMITERS) {
  const factory = name.split(' ')[0]!;

  describe(`RateLimiter contract: ${name}`, () => {
    test('allows `limit` unit takes, then refuses until retryAfterMs has passed', () => {
      const clock = new ManualClock();
      const limiter = make(clock);
      assert.equal(limiter.limit, 2);
      assert.equal(limiter.take().allowed, true);
      assert.equal(limiter.take().allowed, true);
      const refused = limiter.take();
      assert.equal(refused.allowed, false);
      assert.equal(refused.remaining, 0);
      assert.equal(refused.limit, 2);
      assert.ok(refused.retryAfterMs > 0);
      clock.advance(refused.retryAfterMs - 1);
      assert.equal(limiter.take().allowed, false);
      clock.advance(1);
      const again = limiter.take();
      assert.equal(again.allowed, true);
      assert.equal(again.retryAfterMs, 0);
    });

    test('after resetMs the limiter is fully replenished', () => {
      const clock = new ManualClock(12_345);
      const limiter = make(clock);
      limiter.take();
      const last = limiter.take();
      assert.ok(last.resetMs > 0);
      clock.advance(last.resetMs - 1);
      assert.ok(limiter.peek(undefined, 0).remaining < 2);
      clock.advance(1);
      assert.equal(limiter.peek(undefined, 0).remaining, 2);
      assert.equal(limiter.peek(undefined, 0).resetMs, 0);
    });

    test('peek decides without charging and without tracking the key', () => {
      const limiter = make(new ManualClock());
      for (let i = 0; i < 5; i++) assert.equal(limiter.peek('k').allowed, true);
      assert.equal(limiter.size, 0);
      limiter.take('k');
      limiter.take('k');
      assert.equal(limiter.peek('k').allowed, false);
      assert.equal(limiter.peek('k', 0).allowed, true);
    });

    test('keys are independent of each other and of the global limiter', () => {
      const limiter = make(new ManualClock());
      limiter.take('a');
      limiter.take('a');
      assert.equal(limiter.take('a').allowed, false);
      assert.equal(limiter.take('b').allowed, true);
      assert.equal(limiter.take().allowed, true);
      assert.equal(limiter.take('').allowed, true);
      assert.equal(limiter.size, 3);
    });

    test('a cost above capacity is refused with retryAfterMs Infinity, charging nothing', () => {
      const limiter = make(new ManualClock());
      const d = limiter.take('k', 3);
      assert.equal(d.allowed, false);
      assert.equal(d.retryAfterMs, Infinity);
      assert.equal(limiter.take('k', 2).allowed, true);
    });

    test('a bad cost throws InvalidOptionError naming <factory>.cost', () => {
      const limiter = make(new ManualClock());
      for (const bad of [-1, NaN, '1']) {
        assert.throws(() => limiter.take('k', bad as number), invalidOption(`${factory}.cost`));
      }
    });

    test('memory stays bounded: 100k keys with maxKeys 1000', () => {
      const clock = new ManualClock();
      const limiter = make(clock, { maxKeys: 1000 });
      for (let i = 0; i < 100_000; i++) {
        assert.equal(limiter.take(`k${i}`).allowed, true);
        assert.ok(limiter.size <= 1000);
      }
      assert.equal(limiter.take('k99999').allowed, true); // the newest keys are still tracked
      assert.equal(limiter.take('k99999').allowed, false);
    });

    test('maxKeys evicts the least recently used key', () => {
      const limiter = make(new ManualClock(), { maxKeys: 3 });
      for (const k of ['a', 'b', 'c', 'a', 'd']) limiter.take(k);
      assert.equal(limiter.size, 3);
      assert.equal(limiter.peek('b', 0).remaining, 2); // evicted: fresh again
      assert.equal(limiter.peek('a', 0).remaining, 0);
      assert.equal(limiter.peek('c', 0).remaining, 1);
    });

    test('keys that are replenished are dropped lazily as new keys arrive', () => {
      const clock = new ManualClock();
      const limiter = make(clock);
      for (let i = 0; i < 10; i++) limiter.take(`old${i}`);
      clock.advance(2000);
      limiter.take('new0');
      assert.equal(limiter.size, 9); // two swept per new key, no more
      for (let i = 1; i < 10; i++) limiter.take(`new${i}`);
      assert.equal(limiter.size, 10);
      assert.equal(limiter.peek('old0', 0).remaining, 2);
    });

    test('keys still owing time are kept', () => {
      const clock = new ManualClock();
      const limiter = make(clock);
      for (let i = 0; i < 10; i++) limiter.take(`old${i}`);
      clock.advance(400);
      for (let i = 0; i < 10; i++) limiter.take(`new${i}`);
      assert.equal(limiter.size, 20);
      assert.equal(limiter.peek('old0', 0).remaining, 1);
    });

    test('idleTimeout drops a key unused that long even if it still owes time', () => {
      const clock = new ManualClock();
      const limiter = make(clock, { idleTimeout: 100 });
      limiter.take('k');
      limiter.take('k');
      clock.advance(100);
      limiter.take('other');
      assert.equal(limiter.size, 1);
      assert.equal(limiter.peek('k', 0).remaining, 2);
    });

    test('reset(key) forgets one key; reset() forgets every key and the global state', () => {
      const limiter = make(new ManualClock());
      limiter.take('a');
      limiter.take('b');
      limiter.take();
      limiter.reset('a');
      assert.equal(limiter.size, 1);
      assert.equal(limiter.peek('a', 0).remaining, 2);
      assert.equal(limiter.peek(undefined, 0).remaining, 1);
      limiter.reset();
      assert.equal(limiter.size, 0);
      assert.equal(limiter.peek(undefined, 0).remaining, 2);
      assert.deepEqual(limiter.snapshot(), { algorithm: factory, limit: 2, size: 0 });
    });

    test('execute charges key and cost; refused, it rejects with RateLimitedError', async () => {
      const limiter = make(new ManualClock(), factory === 'leakyBucket' ? { nodelay: true } : {});
      assert.equal(await limiter.execute(() => 'ok', { key: 'k', cost: 2 }), 'ok');
      let ran = false;
      const error = await limiter
        .execute(() => (ran = true), { key: 'k' })
        .catch((e: unknown) => e);
      assert.ok(error instanceof RateLimitedError);
      assert.equal(error.limit, 2);
      assert.ok(error.retryAfterMs > 0 && error.retryAfterMs < Infinity);
      assert.equal(ran, false);
      assert.equal(await limiter.execute(() => 'global'), 'global');
    });

    test('an aborted signal: execute rejects with CancelledError, charging nothing', async () => {
      const limiter = make(new ManualClock());
      const controller = new AbortController();
      controller.abort('stop');
      await assert.rejects(
        limiter.execute(() => 1, { signal: controller.signal }),
        (e) => e instanceof CancelledError && e.cause === 'stop',
      );
      assert.equal(limiter.peek(undefined, 0).remaining, 2);
    });

    test('execute with a bad cost rejects (never throws) with InvalidOptionError', async () => {
      const limiter = make(new ManualClock());
      await assert.rejects(
        limiter.execute(() => 1, { cost: -1 }),
        invalidOption(`${factory}.cost`),
      );
    });

    test('bad shared options throw InvalidOptionError naming the option', () => {
      const clock = new ManualClock();
      assert.throws(() => make(clock, { maxKeys: 0 }), invalidOption(`${factory}.maxKeys`));
      assert.throws(() => make(clock, { maxKeys: 1.5 }), invalidOption(`${factory}.maxKeys`));
      assert.throws(
        () => make(clock, { idleTimeout: 'soon' }),
        invalidOption(`${factory}.idleTimeout`),
      );
      assert.throws(() => make(clock, { idleTimeout: 0 }), invalidOption(`${factory}.idleTimeout`));
      assert.throws(() => make(clock, { clock: {} }), invalidOption(`${factory}.clock`));
      assert.throws(() => make(clock, { burts: 3 }), invalidOption(`${factory}.burts`));
    });
  });
}
