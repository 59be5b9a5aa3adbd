import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Endpoint } from '../endpoint.js';
import { endpoints, tally } from './balancer.contract.js';
import { ConsistentHashBalancer, hashKey32 } from './consistent-hash.js';

const KEYS = Array.from({ length: 20_000 }, (_, i) => `user-${i}`);

function owners(lb: ConsistentHashBalancer): string[] {
  return KEYS.map((k) => lb.pick(k)!.id);
}

function ring(eps: readonly Endpoint[], seed = 1): ConsistentHashBalancer {
  const lb = new ConsistentHashBalancer({ seed });
  lb.update(eps);
  return lb;
}

describe('ConsistentHashBalancer', () => {
  test('hashKey32 is pinned: gateway and client of any version agree', () => {
    assert.equal(hashKey32(''), 2872998923);
    assert.equal(hashKey32('a'), 444641715);
    assert.equal(hashKey32('user-42'), 2083131798);
    assert.equal(hashKey32('session-8f2c'), 4278136055);
    assert.equal(hashKey32('ü🚀'), 3912672010);
  });

  test('a key sticks to its endpoint, across picks, instances and re-updates', () => {
    const eps = endpoints(8);
    const first = owners(ring(eps, 1));
    assert.deepEqual(owners(ring(eps, 99)), first, 'another instance agrees');
    const lb = ring(eps);
    lb.update([...endpoints(8)].reverse()); // new objects, another order: same ring
    assert.deepEqual(owners(lb), first);
    assert.deepEqual(owners(lb), first, 'and again');
  });

  for (const n of [3, 10, 30]) {
    test(`adding a ${n + 1}th endpoint moves ≈1/${n + 1} of keys, all to the new one`, () => {
      const eps = endpoints(n + 1);
      const before = owners(ring(eps.slice(0, n)));
      const after = owners(ring(eps));
      let moved = 0;
      for (let i = 0; i < KEYS.length; i++) {
        if (before[i] === after[i]) continue;
        moved++;
        assert.equal(after[i], `e${n}`, `${KEYS[i]} moved between old endpoints`);
      }
      const fraction = moved / KEYS.length;
      assert.ok(fraction <= 1 / (n + 1) + 0.05, `moved ${fraction}`);
      assert.ok(fraction >= 1 / (n + 1) - 0.05, `moved only ${fraction}: new endpoint starved`);
    });

    test(`removing one of ${n} endpoints moves only its own keys`, () => {
      const eps = endpoints(n);
      const before = owners(ring(eps));
      const after = owners(ring(eps.filter((e) => e.id !== 'e1')));
      let moved = 0;
      for (let i = 0; i < KEYS.length; i++) {
        if (before[i] === 'e1') moved++;
        else assert.equal(after[i], before[i], `${KEYS[i]} moved though its endpoint stayed`);
      }
      assert.ok(moved / KEYS.length <= 1 / n + 0.05, `e1 owned ${moved / KEYS.length}`);
    });
  }

  test('`avoid` sends a key where it would go if that endpoint were gone', () => {
    const eps = endpoints(6);
    const full = ring(eps);
    for (const gone of eps) {
      const without = ring(eps.filter((e) => e !== gone));
      for (const key of KEYS.slice(0, 2000)) {
        assert.equal(full.pick(key, gone)!.id, without.pick(key)!.id, `${key} avoiding ${gone.id}`);
      }
    }
  });

  test('an ejected endpoint (removed by the pool) takes only its keys along', () => {
    const eps = endpoints(5);
    const lb = ring(eps);
    const before = owners(lb);
    lb.update(eps.filter((e) => e.id !== 'e3'));
    lb.update(eps); // back from ejection
    assert.deepEqual(owners(lb), before);
  });

  test('ring points follow weight, and so does key ownership', () => {
    const eps = endpoints(2, [2, 1]);
    const lb = ring(eps);
    assert.equal(lb.ringSize, 160 * 3);
    const s = owners(lb).filter((id) => id === 'e0').length / KEYS.length;
    assert.ok(Math.abs(s - 2 / 3) < 0.06, `${s}`);
    const few = new ConsistentHashBalancer({ virtualNodes: 10 });
    few.update(eps);
    assert.equal(few.ringSize, 30);
  });

  test('maxRingSize scales every endpoint down, keeping at least one point each', () => {
    const lb = new ConsistentHashBalancer({ maxRingSize: 1000 });
    lb.update(endpoints(50, [100, 1]));
    assert.ok(lb.ringSize <= 1000 + 25, `${lb.ringSize}`);
    assert.equal(tally(lb, 20_000, undefined, false).size, 50, 'every endpoint kept a point');
  });

  test('without a hash key, picks spread over the ring by weight', () => {
    const lb = ring(endpoints(2, [3, 1]), 4);
    const s = (tally(lb, 40_000, undefined, false).get('e0') ?? 0) / 40_000;
    assert.ok(Math.abs(s - 0.75) < 0.06, `${s}`);
  });

  test('a stale Endpoint object with the same id is avoided too', () => {
    const eps = endpoints(3);
    const lb = ring(eps);
    const key = KEYS.find((k) => lb.pick(k) === eps[0])!;
    const stale = new Endpoint({ id: 'e0', url: 'http://10.0.0.1:8080' });
    assert.notEqual(lb.pick(key, stale)!.id, 'e0');
  });
});
