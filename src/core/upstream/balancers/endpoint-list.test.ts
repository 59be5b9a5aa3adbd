import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Endpoint } from '../endpoint.js';
import { endpoints } from './balancer.contract.js';
import { EndpointList, weightOf } from './endpoint-list.js';
import { RandomSource } from './random-source.js';

/** Share of `draws` draws that landed on each index, leaving out `skipA`/`skipB`. */
function shares(list: EndpointList, skipA: number, skipB: number, bySearch = false): number[] {
  const rng = new RandomSource(undefined, 17);
  const counts = new Array<number>(list.items.length).fill(0);
  const draws = 60_000;
  for (let i = 0; i < draws; i++) {
    counts[bySearch ? list.drawBySearch(rng, skipA, skipB) : list.draw(rng, skipA, skipB)]!++;
  }
  return counts.map((c) => c / draws);
}

describe('EndpointList', () => {
  test('draw() follows weight exactly, with 0, 1 or 2 indices left out', () => {
    const cases: [number[], number, number][] = [
      [[1, 2, 3], -1, -1],
      [[1, 2, 3], 2, -1],
      [[100, 1, 1], 0, -1], // the alias draws keep hitting e0: the search fallback answers
      [[5, 1, 1, 3, 2, 8, 1], 5, 0],
      [[1, 1, 1, 1], 3, 3],
    ];
    for (const [weights, skipA, skipB] of cases) {
      const list = new EndpointList();
      list.set(endpoints(weights.length, weights));
      const left = weights.map((w, i) => (i === skipA || i === skipB ? 0 : w));
      const total = left.reduce((a, b) => a + b, 0);
      for (const bySearch of [false, true]) {
        shares(list, skipA, skipB, bySearch).forEach((s, i) => {
          const want = left[i]! / total;
          assert.ok(
            Math.abs(s - want) < 0.012,
            `${weights.join()} skip ${skipA},${skipB}: e${i} ${s} vs ${want}`,
          );
        });
      }
    }
  });

  test('set() drops duplicate ids and maps ids to indices', () => {
    const list = new EndpointList();
    const [a, b] = endpoints(2, [2, 3]);
    list.set([a!, new Endpoint({ id: 'e0', url: 'http://10.9.9.9' }), b!]);
    assert.deepEqual(list.items, [a, b]);
    assert.equal(list.totalWeight, 5);
    assert.equal(list.uniformWeights, false);
    assert.equal(list.indexOf(new Endpoint({ id: 'e1', url: 'http://x' })), 1);
    assert.equal(list.indexOf(undefined), -1);
  });

  test('weightOf() counts a non-positive or non-finite weight as 1', () => {
    const ep = (weight: number) => new Endpoint({ id: 'x', url: 'http://x', weight });
    assert.deepEqual(
      [0.5, 0, -2, NaN, Infinity].map((w) => weightOf(ep(w))),
      [0.5, 1, 1, 1, 1],
    );
  });
});
