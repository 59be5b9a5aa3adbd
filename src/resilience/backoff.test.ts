import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { constantBackoff, exponentialBackoff, type Backoff, type RandomSource } from './backoff.js';
import { InvalidOptionError } from './errors.js';
import { prng } from '../../test/helpers/prng.js';

const fixed =
  (value: number): RandomSource =>
  () =>
    value;

/** Delays for retries 1..n, feeding each delay back as `previousMs`, as `retry` does. */
function sequence(backoff: Backoff, n: number, random: RandomSource): number[] {
  const out: number[] = [];
  let previousMs = 0;
  for (let retry = 1; retry <= n; retry++) {
    previousMs = backoff.next({ retry, previousMs, random });
    out.push(previousMs);
  }
  return out;
}

function assertThrowsOption(fn: () => unknown, option: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof InvalidOptionError, String(error));
    assert.equal(error.option, option);
    return true;
  });
}

void describe('constantBackoff', () => {
  void test('waits the same delay every time, from ms or a duration string', () => {
    assert.deepEqual(sequence(constantBackoff(250), 4, Math.random), [250, 250, 250, 250]);
    assert.equal(
      constantBackoff('2s').next({ retry: 9, previousMs: 0, random: Math.random }),
      2000,
    );
  });

  void test('is frozen', () => {
    assert.ok(Object.isFrozen(constantBackoff(1)));
  });

  void test('rejects a bad delay, naming the option', () => {
    assertThrowsOption(() => constantBackoff(-1), 'constantBackoff.delay');
    assertThrowsOption(() => constantBackoff('soon'), 'constantBackoff.delay');
    assertThrowsOption(() => constantBackoff(undefined as never), 'constantBackoff.delay');
  });
});

void describe('exponentialBackoff', () => {
  void test('defaults: 100 ms doubling, capped at 10 s, full jitter', () => {
    const b = exponentialBackoff();
    assert.deepEqual([b.initialMs, b.multiplier, b.maxMs, b.jitter], [100, 2, 10_000, 'full']);
    assert.ok(Object.isFrozen(b));
  });

  void test('no jitter: initial × multiplier^(retry − 1), capped at max', () => {
    const b = exponentialBackoff({ initial: 100, multiplier: 2, max: '1s', jitter: 'none' });
    assert.deepEqual(sequence(b, 7, Math.random), [100, 200, 400, 800, 1000, 1000, 1000]);
    const triple = exponentialBackoff({ initial: '10ms', multiplier: 3, max: 1e6, jitter: 'none' });
    assert.deepEqual(sequence(triple, 4, Math.random), [10, 30, 90, 270]);
  });

  void test('full jitter stays in [0, ceiling) and spreads over it', () => {
    const b = exponentialBackoff({ initial: 100, max: 1600, jitter: 'full' });
    const random = prng(1);
    for (let retry = 1; retry <= 8; retry++) {
      const ceiling = Math.min(1600, 100 * 2 ** (retry - 1));
      const samples = Array.from({ length: 2000 }, () => b.next({ retry, previousMs: 0, random }));
      assert.ok(
        samples.every((d) => d >= 0 && d < ceiling),
        `retry ${retry}`,
      );
      assert.ok(Math.min(...samples) < ceiling * 0.05, `retry ${retry} reaches low`);
      assert.ok(Math.max(...samples) > ceiling * 0.95, `retry ${retry} reaches high`);
    }
  });

  void test('equal jitter stays in [ceiling / 2, ceiling)', () => {
    const b = exponentialBackoff({ initial: 100, max: 1600, jitter: 'equal' });
    const random = prng(2);
    for (let retry = 1; retry <= 8; retry++) {
      const ceiling = Math.min(1600, 100 * 2 ** (retry - 1));
      const samples = Array.from({ length: 2000 }, () => b.next({ retry, previousMs: 0, random }));
      assert.ok(
        samples.every((d) => d >= ceiling / 2 && d < ceiling),
        `retry ${retry}`,
      );
      assert.ok(Math.min(...samples) < ceiling * 0.55 && Math.max(...samples) > ceiling * 0.95);
    }
  });

  void test('decorrelated jitter: random in [initial, 3 × previous), capped at max', () => {
    const b = exponentialBackoff({ initial: 100, max: 5000, jitter: 'decorrelated' });
    const random = prng(3);
    for (let run = 0; run < 50; run++) {
      let previousMs = 0;
      for (let retry = 1; retry <= 40; retry++) {
        const d = b.next({ retry, previousMs, random });
        const upper = Math.min(5000, 3 * Math.max(previousMs, 100));
        assert.ok(d >= 100 && d <= upper, `run ${run} retry ${retry}: ${d} not in [100, ${upper}]`);
        previousMs = d;
      }
    }
    const capped = sequence(b, 200, prng(4));
    assert.ok(capped.includes(5000), 'a long run reaches the cap');
    // The first retry is based on `initial` whatever `previousMs` says (NaN included).
    assert.equal(b.next({ retry: 1, previousMs: 0, random: fixed(0.5) }), 200);
    assert.equal(b.next({ retry: 1, previousMs: NaN, random: fixed(0.5) }), 200);
  });

  void test('ignores the multiplier for decorrelated jitter (AWS uses 3)', () => {
    const a = exponentialBackoff({ jitter: 'decorrelated', multiplier: 2 });
    const b = exponentialBackoff({ jitter: 'decorrelated', multiplier: 7 });
    assert.deepEqual(sequence(a, 20, prng(5)), sequence(b, 20, prng(5)));
  });

  void test('attempt 10 000 (and beyond) is finite and at the cap, for every jitter', () => {
    for (const jitter of ['none', 'full', 'equal', 'decorrelated'] as const) {
      const b = exponentialBackoff({ initial: 100, multiplier: 2, max: '30s', jitter });
      for (const retry of [1025, 10_000, Number.MAX_SAFE_INTEGER, Infinity]) {
        const d = b.next({ retry, previousMs: 30_000, random: fixed(0.999999) });
        assert.ok(Number.isFinite(d) && d > 0 && d <= 30_000, `${jitter} retry ${retry}: ${d}`);
      }
      const long = sequence(b, 10_000, prng(6));
      assert.ok(long.every(Number.isFinite), jitter);
      assert.equal(long.length, 10_000);
    }
    const huge = exponentialBackoff({ initial: 1, multiplier: 1000, max: '1h', jitter: 'none' });
    assert.equal(huge.next({ retry: 10_000, previousMs: 0, random: Math.random }), 3_600_000);
  });

  void test('multiplier 1 and initial 0 stay well-defined at any retry', () => {
    const flat = exponentialBackoff({ initial: 50, multiplier: 1, jitter: 'none' });
    assert.equal(flat.next({ retry: 10_000, previousMs: 0, random: Math.random }), 50);
    const zero = exponentialBackoff({ initial: 0, jitter: 'none' });
    assert.equal(zero.next({ retry: 10_000, previousMs: 0, random: Math.random }), 0);
    assert.equal(zero.next({ retry: NaN, previousMs: 0, random: Math.random }), 0);
  });

  void test('is pure: same input and random give the same delay', () => {
    for (const jitter of ['none', 'full', 'equal', 'decorrelated'] as const) {
      const b = exponentialBackoff({ jitter });
      assert.deepEqual(sequence(b, 30, prng(7)), sequence(b, 30, prng(7)), jitter);
    }
  });

  void test('the default max grows to `initial` when only a larger initial is given', () => {
    assert.equal(exponentialBackoff({ initial: '20s' }).maxMs, 20_000);
  });

  void test('rejects bad options, naming the option', () => {
    const bad: [unknown, string][] = [
      [{ initial: -5 }, 'exponentialBackoff.initial'],
      [{ initial: '1 sec' }, 'exponentialBackoff.initial'],
      [{ multiplier: 0.5 }, 'exponentialBackoff.multiplier'],
      [{ multiplier: Infinity }, 'exponentialBackoff.multiplier'],
      [{ multiplier: NaN }, 'exponentialBackoff.multiplier'],
      [{ multiplier: '2' }, 'exponentialBackoff.multiplier'],
      [{ initial: '2s', max: '1s' }, 'exponentialBackoff.max'],
      [{ max: Infinity }, 'exponentialBackoff.max'],
      [{ jitter: 'partial' }, 'exponentialBackoff.jitter'],
      [{ exponent: 2 }, 'exponentialBackoff.exponent'],
      [42, 'exponentialBackoff'],
    ];
    for (const [options, option] of bad) {
      assertThrowsOption(() => exponentialBackoff(options as never), option);
    }
  });
});
