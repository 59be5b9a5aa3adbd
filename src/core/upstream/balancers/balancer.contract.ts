/**
 * The one contract every `Balancer` must meet, run against each implementation by
 * `balancers.test.ts`. Behaviour particular to one algorithm is tested beside it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import v8 from 'node:v8';
import { requestFinished, requestStarted, type Balancer, type BalancerKind } from '../balancer.js';
import { Endpoint } from '../endpoint.js';
import type { BalancerOptions } from './balancer-options.js';

/** `n` endpoints `e0…`, with optional weights (cycled). */
export function endpoints(n: number, weights: readonly number[] = [1]): Endpoint[] {
  return Array.from(
    { length: n },
    (_, i) =>
      new Endpoint({
        id: `e${i}`,
        url: `http://10.0.0.${i + 1}:8080`,
        weight: weights[i % weights.length]!,
      }),
  );
}

/** mulberry32: a tiny seeded source in [0, 1), for tests that inject `random`. */
export function seededRandom(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** How many times each endpoint id was picked over `picks` picks (keys `k0…` for hashing). */
export function tally(
  lb: Balancer,
  picks: number,
  avoid?: Endpoint,
  keys = true,
): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < picks; i++) {
    const ep = lb.pick(keys ? `k${i}` : undefined, avoid);
    assert.ok(ep, 'pick returned undefined for a non-empty set');
    counts.set(ep.id, (counts.get(ep.id) ?? 0) + 1);
  }
  return counts;
}

function newSpaceUsed(): number {
  return v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_used_size;
}

/**
 * Bytes allocated in V8's young generation by `rounds` of `fn`, from the first round that ran
 * without a GC (a scavenge would reset the counter). `undefined` if every round saw a GC.
 */
function youngBytesAllocated(fn: () => void, rounds: number): number | undefined {
  let best: number | undefined;
  for (let r = 0; r < rounds; r++) {
    const profiler = new v8.GCProfiler();
    profiler.start();
    const before = newSpaceUsed();
    fn();
    const after = newSpaceUsed();
    const gcs = profiler.stop().statistics.length;
    if (gcs === 0) best = best === undefined ? after - before : Math.min(best, after - before);
  }
  return best;
}

/**
 * Registers the balancer contract for `kind`. `make` builds a fresh balancer with the given
 * options (the contract seeds it, so runs are reproducible).
 *
 * @example
 * balancerContract('round-robin', (o) => new RoundRobinBalancer(o));
 */
export function balancerContract(
  kind: BalancerKind,
  make: (options: BalancerOptions) => Balancer,
): void {
  const fresh = (seed = 7) => make({ seed });

  describe(`${kind} balancer contract`, () => {
    test('reports its kind', () => {
      assert.equal(fresh().kind, kind);
    });

    test('an empty set picks undefined, before and after update()', () => {
      const lb = fresh();
      const [a] = endpoints(1);
      assert.equal(lb.pick(), undefined);
      assert.equal(lb.pick('key', a), undefined);
      lb.update([]);
      assert.equal(lb.pick('key'), undefined);
      lb.update([a!]);
      lb.update([]);
      assert.equal(lb.pick(), undefined);
      assert.equal(lb.pick('key', a), undefined);
    });

    test('a single endpoint is always picked, even when it is the one to avoid', () => {
      const lb = fresh();
      const [a] = endpoints(1);
      lb.update([a!]);
      for (let i = 0; i < 50; i++) {
        assert.equal(lb.pick(`k${i}`), a);
        assert.equal(lb.pick(`k${i}`, a), a);
        assert.equal(lb.pick(undefined, a), a);
      }
    });

    test('every endpoint gets picked, with and without a hash key', () => {
      for (const weights of [[1], [1, 2, 5]]) {
        const lb = fresh();
        const eps = endpoints(7, weights);
        lb.update(eps);
        assert.equal(tally(lb, 3000).size, 7, `weights ${weights.join(',')}, keyed`);
        assert.equal(tally(lb, 3000, undefined, false).size, 7, `weights ${weights.join(',')}`);
      }
    });

    test('`avoid` is never picked when another endpoint exists, and the rest still are', () => {
      for (const n of [2, 3, 7]) {
        const eps = endpoints(n, [1, 3]);
        for (const avoid of eps) {
          const lb = fresh();
          lb.update(eps);
          for (const copy of [avoid, new Endpoint({ id: avoid.id, url: avoid.url })]) {
            const counts = tally(lb, 40 * n, copy);
            assert.equal(counts.get(avoid.id), undefined, `n=${n} avoid ${avoid.id}`);
            assert.equal(counts.size, n - 1, `n=${n} avoid ${avoid.id}: all others picked`);
          }
        }
      }
    });

    test('an endpoint not in the set passed as `avoid` changes nothing', () => {
      const lb = fresh();
      lb.update(endpoints(3));
      const stranger = new Endpoint({ id: 'gone', url: 'http://10.9.9.9' });
      assert.equal(tally(lb, 300, stranger).size, 3);
    });

    test('update() removing an endpoint means it is never picked; adding one gets it picked', () => {
      const lb = fresh();
      const [a, b, c, d, e] = endpoints(5);
      lb.update([a!, b!, c!, d!]);
      tally(lb, 100);
      lb.update([a!, b!, d!]);
      const counts = tally(lb, 1000);
      assert.equal(counts.get('e2'), undefined);
      assert.equal(counts.size, 3);
      lb.update([a!, b!, d!, e!]);
      assert.ok(tally(lb, 1000).has('e4'), 'the added endpoint is picked');
      lb.update([d!]);
      for (let i = 0; i < 20; i++) assert.equal(lb.pick(`k${i}`, a), d);
    });

    test('picks return the very objects of the latest update, not the caller-mutable array', () => {
      const lb = fresh();
      const eps = endpoints(3);
      const given = [...eps];
      lb.update(given);
      given.push(new Endpoint({ id: 'late', url: 'http://10.9.9.9' }));
      given[0] = new Endpoint({ id: 'swapped', url: 'http://10.9.9.8' });
      for (let i = 0; i < 300; i++) assert.ok(eps.includes(lb.pick(`k${i}`)!));
      const replaced = endpoints(3);
      lb.update(replaced);
      for (let i = 0; i < 300; i++) assert.ok(replaced.includes(lb.pick(`k${i}`)!));
    });

    test('duplicate ids in one update count once', () => {
      const lb = fresh();
      const [a, b] = endpoints(2);
      const twin = new Endpoint({ id: a!.id, url: a!.url });
      lb.update([a!, twin, b!]);
      const seen = new Set<Endpoint>();
      for (let i = 0; i < 300; i++) seen.add(lb.pick(`k${i}`)!);
      assert.deepEqual([...seen].map((e) => e.id).sort(), ['e0', 'e1']);
      assert.ok(!seen.has(twin));
    });

    test('equal weights share traffic evenly (seeded, 4 endpoints)', () => {
      for (const seed of [1, 2, 3]) {
        const lb = fresh(seed);
        lb.update(endpoints(4));
        const counts = tally(lb, 40_000);
        for (const [id, c] of counts) {
          const share = c / 40_000;
          assert.ok(share > 0.17 && share < 0.33, `seed ${seed}: ${id} got ${share}`);
        }
      }
    });

    test('under live request accounting every endpoint is tried', () => {
      const lb = fresh();
      const eps = endpoints(5, [1, 2]);
      lb.update(eps);
      const open: Endpoint[] = [];
      const counts = new Map<string, number>();
      for (let i = 0; i < 5000; i++) {
        const ep = lb.pick(`k${i}`)!;
        requestStarted(ep);
        open.push(ep);
        counts.set(ep.id, (counts.get(ep.id) ?? 0) + 1);
        // ~8 requests in flight; e0 answers slowly
        if (open.length > 8) {
          const done = open.shift()!;
          requestFinished(done, done.id === 'e0' ? 50 : 5, i);
        }
      }
      assert.equal(counts.size, 5, JSON.stringify([...counts]));
      assert.ok(eps.every((e) => e.inflight >= 0));
    });

    test('pick() does not allocate', () => {
      const lb = make({});
      const eps = endpoints(10, [1, 2, 3]);
      eps.forEach((e, i) => {
        e.inflight = i % 4;
        if (i % 3 !== 0) requestFinished(e, 3 + i, 1000 + i * 10);
      });
      lb.update(eps);
      const keys = eps.map((e) => `user-${e.id}`);
      const avoid = eps[3]!;
      let sink = 0;
      const loop = (n: number) => {
        for (let i = 0; i < n; i++) {
          const key = (i & 3) === 3 ? undefined : keys[i % 10];
          if (lb.pick(key, (i & 1) === 1 ? avoid : undefined) !== undefined) sink++;
        }
      };
      loop(200_000); // let the optimizing compiler finish
      const bytes = youngBytesAllocated(() => loop(20_000), 12);
      assert.equal(sink, 200_000 + 12 * 20_000);
      assert.notEqual(bytes, undefined, 'a GC ran during every round: pick allocates');
      // 20 000 picks at even 8 bytes each would be 160 kB; measuring itself costs ~2 kB
      assert.ok(bytes! < 32_000, `${bytes} bytes allocated by 20 000 picks`);
    });
  });
}
