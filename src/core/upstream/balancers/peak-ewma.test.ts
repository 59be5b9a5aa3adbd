import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { requestFinished, requestStarted } from '../balancer.js';
import { endpoints, tally } from './balancer.contract.js';
import { PeakEwmaBalancer } from './peak-ewma.js';

describe('PeakEwmaBalancer', () => {
  test('prefers the fast endpoint', () => {
    const lb = new PeakEwmaBalancer({ seed: 1 });
    const eps = endpoints(5);
    lb.update(eps);
    eps.forEach((e, i) => requestFinished(e, i === 2 ? 5 : 80, 1000));
    const counts = tally(lb, 10_000);
    // e2 wins every comparison it is in: drawn with probability 2/5
    const s = (counts.get('e2') ?? 0) / 10_000;
    assert.ok(Math.abs(s - 0.4) < 0.03, `${s}`);
    const [a, b] = endpoints(2);
    const two = new PeakEwmaBalancer({ seed: 2 });
    two.update([a!, b!]);
    requestFinished(a!, 20, 1000);
    requestFinished(b!, 19, 1000);
    for (let i = 0; i < 100; i++) assert.equal(two.pick(), b);
  });

  test('load counts: a fast endpoint with a long queue loses to a slow idle one', () => {
    const lb = new PeakEwmaBalancer({ seed: 3 });
    const [fast, slow] = endpoints(2);
    lb.update([fast!, slow!]);
    requestFinished(fast!, 5, 1000);
    requestFinished(slow!, 50, 1000);
    fast!.inflight = 12; // 5 × 13 = 65 > 50 × 1
    assert.equal(lb.pick(), slow);
    fast!.inflight = 8; // 5 × 9 = 45 < 50
    assert.equal(lb.pick(), fast);
  });

  test('a new endpoint is tried at once, but not flooded before its first answer', () => {
    const lb = new PeakEwmaBalancer({ seed: 4 });
    const [old, fresh] = endpoints(2);
    lb.update([old!, fresh!]);
    requestFinished(old!, 1, 1000);
    assert.equal(lb.pick(), fresh, 'unsampled and idle: cost 0');
    requestStarted(fresh!);
    old!.inflight = 50;
    assert.equal(lb.pick(), old, 'unsampled with a request out: wait for its answer');
    requestFinished(fresh!, 2, 1010);
    assert.equal(lb.pick(), fresh, 'sampled now: 2 × 1 < 1 × 51');
  });

  test('a once-slow endpoint is tried again as newer samples age its estimate', () => {
    const lb = new PeakEwmaBalancer({ seed: 5, decayMs: 10_000 });
    const [slow, fast] = endpoints(2);
    lb.update([slow!, fast!]);
    requestFinished(slow!, 1000, 0);
    requestFinished(fast!, 5, 0);
    assert.equal(lb.pick(), fast);
    // only the fast endpoint gets traffic, so only its samples move time forward
    let now = 0;
    let tried = -1;
    for (let i = 0; i < 200 && tried < 0; i++) {
      const ep = lb.pick()!;
      if (ep === slow) tried = now;
      now += 500;
      requestFinished(fast!, 5, now);
    }
    // 1000 × e^(−t/10 s) < 5 once t > 10 s × ln 200 ≈ 53 s
    assert.ok(tried > 50_000 && tried < 56_000, `tried again at ${tried} ms`);
  });

  test('ties (an idle, unsampled pool) split by weight', () => {
    const lb = new PeakEwmaBalancer({ seed: 6 });
    lb.update(endpoints(3, [1, 1, 8]));
    const s = (tally(lb, 30_000).get('e2') ?? 0) / 30_000;
    assert.ok(Math.abs(s - 0.8) < 0.02, `${s}`);
  });
});
