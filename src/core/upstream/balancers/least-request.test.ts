import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { requestFinished, requestStarted } from '../balancer.js';
import type { Endpoint } from '../endpoint.js';
import { endpoints, tally } from './balancer.contract.js';
import { LeastRequestBalancer } from './least-request.js';

/** Sends `picks` requests with `concurrency` in flight, finishing them oldest first. */
function load(lb: LeastRequestBalancer, picks: number, concurrency: number): Map<string, number> {
  const open: Endpoint[] = [];
  const counts = new Map<string, number>();
  for (let i = 0; i < picks; i++) {
    const ep = lb.pick()!;
    requestStarted(ep);
    open.push(ep);
    counts.set(ep.id, (counts.get(ep.id) ?? 0) + 1);
    if (open.length >= concurrency) requestFinished(open.shift()!, 1, i);
  }
  return counts;
}

describe('LeastRequestBalancer', () => {
  test('of two endpoints, always the one with fewer requests in flight', () => {
    const lb = new LeastRequestBalancer({ seed: 1 });
    const [a, b] = endpoints(2);
    lb.update([a!, b!]);
    a!.inflight = 3;
    b!.inflight = 2;
    for (let i = 0; i < 100; i++) assert.equal(lb.pick(), b);
    b!.inflight = 4;
    for (let i = 0; i < 100; i++) assert.equal(lb.pick(), a);
  });

  test('an idle endpoint wins every comparison it is drawn into', () => {
    const lb = new LeastRequestBalancer({ seed: 2 });
    const eps = endpoints(3);
    eps[1]!.inflight = 5;
    eps[2]!.inflight = 5;
    lb.update(eps);
    // e0 is one of the two candidates with probability 2/3
    const s = (tally(lb, 30_000).get('e0') ?? 0) / 30_000;
    assert.ok(Math.abs(s - 2 / 3) < 0.02, `${s}`);
  });

  test('under load, in-flight counts stay level across equal endpoints', () => {
    const lb = new LeastRequestBalancer({ seed: 3 });
    const eps = endpoints(4);
    lb.update(eps);
    load(lb, 10_000, 40);
    const inflight = eps.map((e) => e.inflight);
    assert.ok(Math.max(...inflight) - Math.min(...inflight) <= 3, inflight.join());
  });

  test('weights: an idle pool splits by weight, a busy one keeps queues proportional', () => {
    const idle = new LeastRequestBalancer({ seed: 4 });
    idle.update(endpoints(2, [3, 1]));
    const s = (tally(idle, 40_000).get('e0') ?? 0) / 40_000;
    assert.ok(Math.abs(s - 0.75) < 0.015, `idle share ${s}`);

    const busy = new LeastRequestBalancer({ seed: 5 });
    const eps = endpoints(2, [3, 1]);
    busy.update(eps);
    const counts = load(busy, 20_000, 40);
    const b = (counts.get('e0') ?? 0) / 20_000;
    assert.ok(Math.abs(b - 0.75) < 0.05, `busy share ${b}`);
    assert.ok(
      eps[0]!.inflight > 2 * eps[1]!.inflight,
      `${eps[0]!.inflight} vs ${eps[1]!.inflight}`,
    );
  });
});
