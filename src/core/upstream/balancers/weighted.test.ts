import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Endpoint } from '../endpoint.js';
import { endpoints, tally } from './balancer.contract.js';
import { WeightedBalancer } from './weighted.js';

const seq = (lb: WeightedBalancer, n: number, avoid?: Endpoint) =>
  Array.from({ length: n }, () => lb.pick(undefined, avoid)!.id).join(' ');

describe('WeightedBalancer (smooth weighted round-robin)', () => {
  test("weights 5,1,1 give NGINX's smooth sequence, cycle after cycle", () => {
    const lb = new WeightedBalancer();
    lb.update(endpoints(3, [5, 1, 1]));
    for (let cycle = 0; cycle < 5; cycle++) {
      assert.equal(seq(lb, 7), 'e0 e0 e1 e0 e2 e0 e0');
    }
  });

  test('shares are exact over every whole cycle', () => {
    for (const weights of [
      [3, 2, 1],
      [1, 1, 1, 1],
      [10, 1],
      [0.5, 1.5],
      [7, 3, 2, 2, 1],
    ]) {
      const lb = new WeightedBalancer();
      lb.update(endpoints(weights.length, weights));
      const total = weights.reduce((a, b) => a + b, 0);
      const cycles = 4 / Math.min(...weights); // a whole number of picks per endpoint
      const counts = tally(lb, total * cycles);
      weights.forEach((w, i) => assert.equal(counts.get(`e${i}`), w * cycles, weights.join()));
    }
  });

  test('`avoid` leaves an endpoint out of the round; the others keep their ratio', () => {
    const lb = new WeightedBalancer();
    const eps = endpoints(3, [5, 2, 1]);
    lb.update(eps);
    const counts = tally(lb, 300, eps[0]);
    assert.equal(counts.get('e0'), undefined);
    assert.equal(counts.get('e1'), 200);
    assert.equal(counts.get('e2'), 100);
  });

  test('update() with the same ids continues the sequence where it was', () => {
    const a = new WeightedBalancer();
    const b = new WeightedBalancer();
    a.update(endpoints(3, [5, 1, 1]));
    b.update(endpoints(3, [5, 1, 1]));
    assert.equal(seq(a, 3), seq(b, 3));
    b.update(endpoints(3, [5, 1, 1])); // fresh objects, same ids
    const expected = seq(a, 11);
    assert.equal(seq(b, 11), expected);
  });

  test('after removing an endpoint the rest keep exact shares', () => {
    const lb = new WeightedBalancer();
    const eps = endpoints(4, [4, 3, 2, 1]);
    lb.update(eps);
    seq(lb, 5);
    lb.update([eps[0]!, eps[1]!, eps[3]!]);
    const counts = tally(lb, 8 * 100);
    assert.ok(Math.abs(counts.get('e0')! - 400) <= 4, `${counts.get('e0')}`);
    assert.ok(Math.abs(counts.get('e1')! - 300) <= 4, `${counts.get('e1')}`);
    assert.ok(Math.abs(counts.get('e3')! - 100) <= 4, `${counts.get('e3')}`);
  });
});
