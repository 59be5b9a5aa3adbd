import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { endpoints, seededRandom, tally } from './balancer.contract.js';
import { RandomBalancer } from './random.js';

const share = (counts: Map<string, number>, id: string, total: number) =>
  (counts.get(id) ?? 0) / total;

describe('RandomBalancer', () => {
  test('picks in proportion to weight', () => {
    const lb = new RandomBalancer({ seed: 3 });
    lb.update(endpoints(2, [3, 1]));
    const s = share(tally(lb, 40_000), 'e0', 40_000);
    assert.ok(Math.abs(s - 0.75) < 0.015, `${s}`);
  });

  test('with `avoid`, the others keep their relative weights', () => {
    const lb = new RandomBalancer({ seed: 5 });
    const eps = endpoints(4, [1, 2, 3, 4]);
    lb.update(eps);
    for (const [skip, expected] of [
      [0, { e1: 2 / 9, e2: 3 / 9, e3: 4 / 9 }],
      [2, { e0: 1 / 7, e1: 2 / 7, e3: 4 / 7 }],
      [3, { e0: 1 / 6, e1: 2 / 6, e2: 3 / 6 }],
    ] as const) {
      const counts = tally(lb, 40_000, eps[skip]);
      assert.equal(counts.get(`e${skip}`), undefined);
      for (const [id, p] of Object.entries(expected)) {
        const s = share(counts, id, 40_000);
        assert.ok(Math.abs(s - p) < 0.015, `avoid e${skip}: ${id} ${s} vs ${p}`);
      }
    }
  });

  test('the injected random source decides the pick', () => {
    for (const weights of [[1], [1, 2, 3]]) {
      const first = new RandomBalancer({ random: () => 0 });
      const last = new RandomBalancer({ random: () => 0.999_999_9 });
      const edge = new RandomBalancer({ random: () => 1 }); // out of range: clamped, no crash
      const eps = endpoints(3, weights);
      for (const lb of [first, last, edge]) lb.update(eps);
      assert.equal(first.pick(), eps[0]);
      assert.equal(last.pick(), eps[2]);
      assert.equal(edge.pick(), eps[2]);
      assert.equal(first.pick(undefined, eps[0]), eps[1]);
      assert.equal(last.pick(undefined, eps[2]), eps[1]);
    }
  });

  test('a seed makes the sequence reproducible; another seed changes it', () => {
    const run = (seed: number) => {
      const lb = new RandomBalancer({ seed });
      lb.update(endpoints(10, [1, 2]));
      return Array.from({ length: 50 }, () => lb.pick()!.id).join();
    };
    assert.equal(run(11), run(11));
    assert.notEqual(run(11), run(12));
    const injected = (seed: number) => {
      const lb = new RandomBalancer({ random: seededRandom(seed) });
      lb.update(endpoints(10));
      return Array.from({ length: 50 }, () => lb.pick()!.id).join();
    };
    assert.equal(injected(1), injected(1));
  });
});
