import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BalancerKind } from '../balancer.js';
import { endpoints, seededRandom } from './balancer.contract.js';
import { BALANCER_KINDS, createBalancer } from './create-balancer.js';
import { RandomSource } from './random-source.js';

const invalid = (option: string) => (e: unknown) => {
  const err = e as { code?: string; details?: { option?: string } };
  assert.equal(err.code, 'SY_UPSTREAM_INVALID_OPTION');
  assert.equal(err.details?.option, option);
  return true;
};

describe('createBalancer', () => {
  test('builds each of the six kinds', () => {
    assert.deepEqual([...BALANCER_KINDS].sort(), [
      'consistent-hash',
      'least-request',
      'peak-ewma',
      'random',
      'round-robin',
      'weighted',
    ]);
    for (const kind of BALANCER_KINDS) assert.equal(createBalancer(kind).kind, kind);
  });

  test('rejects an unknown kind and bad options with SY_UPSTREAM_INVALID_OPTION', () => {
    assert.throws(() => createBalancer('fastest' as BalancerKind), invalid('kind'));
    assert.throws(() => createBalancer('toString' as BalancerKind), invalid('kind'));
    assert.throws(
      () => createBalancer('consistent-hash', { virtualNodes: 0 }),
      invalid('virtualNodes'),
    );
    assert.throws(
      () => createBalancer('consistent-hash', { maxRingSize: NaN }),
      invalid('maxRingSize'),
    );
    assert.throws(() => createBalancer('peak-ewma', { decayMs: -1 }), invalid('decayMs'));
    assert.throws(() => createBalancer('random', { random: 3 as never }), invalid('random'));
    assert.throws(() => createBalancer('random', { seed: Infinity }), invalid('seed'));
  });

  test('an injected random source makes every random kind reproducible', () => {
    for (const kind of ['random', 'least-request', 'peak-ewma', 'consistent-hash'] as const) {
      const run = () => {
        const lb = createBalancer(kind, { random: seededRandom(9) });
        lb.update(endpoints(6, [1, 2]));
        return Array.from({ length: 40 }, () => lb.pick()!.id).join();
      };
      assert.equal(run(), run(), kind);
    }
  });
});

describe('RandomSource', () => {
  test('index(n) stays in [0, n) and covers it evenly', () => {
    const rng = new RandomSource(undefined, 1);
    const counts = new Array<number>(7).fill(0);
    for (let i = 0; i < 70_000; i++) {
      const k = rng.index(7);
      assert.ok(Number.isInteger(k) && k >= 0 && k < 7);
      counts[k]!++;
    }
    for (const c of counts) assert.ok(Math.abs(c - 10_000) < 400, counts.join());
  });

  test('equal seeds repeat, different seeds (even 0 and nearby) differ', () => {
    const seq = (seed: number) => {
      const rng = new RandomSource(undefined, seed);
      return Array.from({ length: 20 }, () => rng.next30()).join();
    };
    assert.equal(seq(0), seq(0));
    assert.notEqual(seq(0), seq(1));
    assert.notEqual(seq(1), seq(2));
    assert.ok(
      seq(0)
        .split(',')
        .some((x) => x !== '0'),
      'a zero seed does not stick at 0',
    );
  });

  test('an injected source is clamped into range', () => {
    assert.equal(new RandomSource(() => 1).index(5), 4);
    assert.equal(new RandomSource(() => -0.5).index(5), 0);
    assert.equal(new RandomSource(() => 0.5).index(4), 2);
  });
});
