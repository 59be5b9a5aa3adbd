import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { endpoints, tally } from './balancer.contract.js';
import { RoundRobinBalancer } from './round-robin.js';

const ids = (
  lb: RoundRobinBalancer,
  n: number,
  avoid?: Parameters<RoundRobinBalancer['pick']>[1],
) => Array.from({ length: n }, () => lb.pick(undefined, avoid)!.id).join(' ');

describe('RoundRobinBalancer', () => {
  test('visits endpoints in list order, starting where the random source says', () => {
    const lb = new RoundRobinBalancer({ random: () => 0 });
    lb.update(endpoints(3));
    assert.equal(ids(lb, 7), 'e0 e1 e2 e0 e1 e2 e0');
    const late = new RoundRobinBalancer({ random: () => 0.7 });
    late.update(endpoints(3));
    assert.equal(ids(late, 4), 'e2 e0 e1 e2');
  });

  test('with a seeded start, every pick is the successor of the one before', () => {
    for (const seed of [1, 2, 3, 4]) {
      const lb = new RoundRobinBalancer({ seed });
      lb.update(endpoints(5));
      let prev = Number(lb.pick()!.id.slice(1));
      for (let i = 0; i < 20; i++) {
        const cur = Number(lb.pick()!.id.slice(1));
        assert.equal(cur, (prev + 1) % 5);
        prev = cur;
      }
    }
  });

  test('`avoid` steps to the next endpoint and the cycle continues after it', () => {
    const lb = new RoundRobinBalancer({ random: () => 0 });
    const eps = endpoints(3);
    lb.update(eps);
    assert.equal(ids(lb, 1), 'e0');
    assert.equal(ids(lb, 1, eps[1]), 'e2');
    assert.equal(ids(lb, 3), 'e0 e1 e2');
  });

  test('the cursor survives update()', () => {
    const lb = new RoundRobinBalancer({ random: () => 0 });
    lb.update(endpoints(3));
    assert.equal(ids(lb, 2), 'e0 e1');
    lb.update(endpoints(4));
    assert.equal(ids(lb, 3), 'e2 e3 e0');
  });

  test('ignores weights (that is what `weighted` is for)', () => {
    const lb = new RoundRobinBalancer({ seed: 1 });
    lb.update(endpoints(2, [5, 1]));
    assert.deepEqual([...tally(lb, 100).values()], [50, 50]);
  });
});
