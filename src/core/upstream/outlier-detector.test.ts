import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../resilience/clock.js';
import { endpoints } from './balancers/balancer.contract.js';
import { Endpoint } from './endpoint.js';
import { OutlierDetector, type OutlierDetectorOptions } from './outlier-detector.js';

function setup(n: number, options: OutlierDetectorOptions = {}) {
  const clock = new ManualClock(1_000);
  const detector = new OutlierDetector({ clock, ...options });
  const eps = endpoints(n);
  const changes: (readonly Endpoint[])[] = [];
  detector.onChange((available) => changes.push(available));
  detector.setEndpoints(eps);
  const ids = () => detector.available().map((e) => e.id);
  const fail = (ep: Endpoint, times: number, kind: '5xx' | 'connect' | 'reset' | 'timeout') => {
    for (let i = 0; i < times; i++) detector.failure(ep, kind);
  };
  return { clock, detector, eps, changes, ids, fail };
}

describe('OutlierDetector', () => {
  test('5 consecutive 5xx eject; 4 do not; a success in between restarts the count', () => {
    const { detector, eps, ids, fail } = setup(4);
    const [a] = eps;
    fail(a!, 4, '5xx');
    assert.equal(detector.isEjected(a!), false);
    detector.success(a!);
    fail(a!, 4, '5xx');
    assert.equal(detector.isEjected(a!), false);
    detector.failure(a!, '5xx');
    assert.equal(detector.isEjected(a!), true);
    assert.deepEqual(ids(), ['e1', 'e2', 'e3']);
    assert.equal(detector.ejectedCount, 1);
  });

  test('one connect, reset or timeout failure ejects (consecutiveConnectFailures: 1)', () => {
    for (const kind of ['connect', 'reset', 'timeout'] as const) {
      const { detector, eps } = setup(4);
      detector.failure(eps[2]!, kind);
      assert.equal(detector.isEjected(eps[2]!), true, kind);
    }
  });

  test('connect failures also count as 5xx; reset and timeout do not', () => {
    const opts = { consecutiveConnectFailures: 0 }; // only the 5xx rule is on
    const a = setup(4, opts);
    a.fail(a.eps[0]!, 3, '5xx');
    a.fail(a.eps[0]!, 2, 'connect');
    assert.equal(a.detector.isEjected(a.eps[0]!), true);
    const b = setup(4, opts);
    b.fail(b.eps[0]!, 3, '5xx');
    b.fail(b.eps[0]!, 1, 'reset');
    b.fail(b.eps[0]!, 1, 'timeout');
    assert.equal(b.detector.isEjected(b.eps[0]!), false);
    b.fail(b.eps[0]!, 1, '5xx');
    b.fail(b.eps[0]!, 1, '5xx');
    assert.equal(b.detector.isEjected(b.eps[0]!), true, 'reset/timeout did not clear the 5xx run');
  });

  test('a 5xx response breaks a run of connection failures', () => {
    const { detector, eps, fail } = setup(4, { consecutiveConnectFailures: 3, consecutive5xx: 0 });
    fail(eps[0]!, 2, 'timeout');
    detector.failure(eps[0]!, '5xx');
    fail(eps[0]!, 2, 'reset');
    assert.equal(detector.isEjected(eps[0]!), false);
    detector.failure(eps[0]!, 'connect');
    assert.equal(detector.isEjected(eps[0]!), true);
  });

  test('ejection time is base × times ejected, capped at max, with one timer', () => {
    const { clock, detector, eps, fail } = setup(4, {
      baseEjectionTime: 30_000,
      maxEjectionTime: 70_000,
    });
    const a = eps[0]!;
    const expected = [30_000, 60_000, 70_000, 70_000];
    for (const ms of expected) {
      fail(a, 5, '5xx');
      assert.equal(detector.isEjected(a), true);
      assert.equal(clock.pendingTimers, 1);
      clock.advance(ms - 1);
      assert.equal(detector.isEjected(a), true, `still ejected at ${ms - 1} ms`);
      clock.advance(1);
      assert.equal(detector.isEjected(a), false, `back after ${ms} ms`);
      assert.equal(clock.pendingTimers, 0);
    }
  });

  test('the multiplier decays by one per base period spent healthy', () => {
    const { clock, detector, eps, fail } = setup(4, { baseEjectionTime: 10_000 });
    const a = eps[0]!;
    const ejectFor = () => {
      fail(a, 5, '5xx');
      const ms = detector.ejections()[0]!.remainingMs;
      clock.advance(ms);
      return ms;
    };
    assert.deepEqual([ejectFor(), ejectFor(), ejectFor()], [10_000, 20_000, 30_000]);
    clock.advance(19_999); // one whole base period healthy: 3 → 2
    assert.equal(ejectFor(), 30_000);
    clock.advance(20_000); // two: 3 → 1
    assert.equal(ejectFor(), 20_000);
    clock.advance(1_000_000); // fully healed
    assert.equal(ejectFor(), 10_000);
  });

  test('ejections() reports id, until, remaining time and count', () => {
    const { clock, detector, eps, fail } = setup(5);
    fail(eps[3]!, 1, 'connect');
    clock.advance(5_000);
    fail(eps[1]!, 5, '5xx');
    assert.deepEqual(detector.ejections(), [
      { id: 'e3', until: 31_000, remainingMs: 25_000, count: 1 },
      { id: 'e1', until: 36_000, remainingMs: 30_000, count: 1 },
    ]);
  });

  test('never ejects past maxEjectionPercent; a capped endpoint is ejected once room frees', () => {
    const { clock, detector, eps, ids, fail } = setup(10, { maxEjectionPercent: 30 });
    for (const ep of eps) fail(ep, 1, 'connect');
    assert.equal(detector.ejectedCount, 3);
    assert.deepEqual(ids(), ['e3', 'e4', 'e5', 'e6', 'e7', 'e8', 'e9']);
    clock.advance(30_000);
    assert.equal(detector.ejectedCount, 0);
    detector.failure(eps[9]!, 'connect'); // e9's earlier failure was over the cap
    assert.equal(detector.isEjected(eps[9]!), true);
  });

  test('a pool of two at 50% can fail over; a pool of one never ejects', () => {
    const two = setup(2, { maxEjectionPercent: 50 });
    two.fail(two.eps[0]!, 1, 'connect');
    two.fail(two.eps[1]!, 1, 'connect');
    assert.deepEqual(two.ids(), ['e1']);
    const tiny = setup(3, { maxEjectionPercent: 10 }); // 10% of 3 rounds to 0, but one may go
    tiny.fail(tiny.eps[0]!, 1, 'connect');
    assert.equal(tiny.detector.ejectedCount, 1);
    const one = setup(1);
    one.fail(one.eps[0]!, 10, 'connect');
    assert.deepEqual(one.ids(), ['e0']);
  });

  test('available() is never empty, even at 100%; 0% disables ejection', () => {
    const all = setup(3, { maxEjectionPercent: 100 });
    for (const ep of all.eps) all.fail(ep, 1, 'connect');
    assert.deepEqual(all.ids(), ['e2']);
    const none = setup(3, { maxEjectionPercent: 0 });
    for (const ep of none.eps) none.fail(ep, 5, '5xx');
    assert.equal(none.detector.ejectedCount, 0);
    assert.equal(none.clock.pendingTimers, 0);
  });

  test('available() keeps its reference until the set changes; onChange fires on each change', () => {
    const { clock, detector, eps, changes } = setup(4);
    assert.equal(changes.length, 1); // setEndpoints
    const first = detector.available();
    detector.success(eps[0]!);
    detector.failure(eps[1]!, '5xx');
    assert.equal(detector.available(), first);
    assert.equal(changes.length, 1);
    detector.failure(eps[1]!, 'connect');
    assert.notEqual(detector.available(), first);
    assert.equal(changes.length, 2);
    assert.equal(changes[1], detector.available());
    clock.advance(30_000);
    assert.equal(changes.length, 3);
    assert.deepEqual(
      detector.available().map((e) => e.id),
      ['e0', 'e1', 'e2', 'e3'],
    );
    detector.setEndpoints(eps); // same endpoints: no change, same array
    assert.equal(changes.length, 3);
  });

  test('onChange returns a disposer', () => {
    const { detector, eps } = setup(4);
    let calls = 0;
    const off = detector.onChange(() => calls++);
    detector.failure(eps[0]!, 'connect');
    off();
    detector.failure(eps[1]!, 'connect');
    assert.equal(calls, 1);
  });

  test('setEndpoints keeps state by id, drops removed endpoints, and starts returning ones fresh', () => {
    const { detector, eps, ids, fail } = setup(4);
    fail(eps[0]!, 4, '5xx');
    detector.failure(eps[1]!, 'connect');
    const renewed = endpoints(4); // new objects, same ids
    detector.setEndpoints(renewed);
    assert.equal(detector.isEjected(renewed[1]!), true, 'ejection kept by id');
    assert.deepEqual(ids(), ['e0', 'e2', 'e3']);
    assert.equal(detector.available()[0], renewed[0], 'the new objects are served');
    detector.failure(renewed[0]!, '5xx');
    assert.equal(detector.isEjected(renewed[0]!), true, 'the 5xx run was kept');
    detector.setEndpoints([renewed[2]!, renewed[3]!]);
    assert.equal(detector.ejectedCount, 0);
    assert.deepEqual(detector.ejections(), []);
    detector.setEndpoints(renewed);
    assert.equal(detector.ejectedCount, 0, 'endpoints that left come back fresh');
  });

  test('a shrinking set ends the ejections closest to expiry to respect the cap', () => {
    const { clock, detector, eps, ids, fail } = setup(4, { maxEjectionPercent: 50 });
    fail(eps[0]!, 1, 'connect');
    clock.advance(1_000);
    fail(eps[1]!, 1, 'connect');
    assert.equal(detector.ejectedCount, 2);
    detector.setEndpoints([eps[0]!, eps[1]!]); // cap is now 1 of 2
    assert.deepEqual(ids(), ['e0']);
    assert.equal(detector.isEjected(eps[1]!), true);
    assert.equal(clock.pendingTimers, 1);
  });

  test('endpoints it was not given are ignored', () => {
    const { detector } = setup(2);
    const stranger = new Endpoint({ id: 'x', url: 'http://10.9.9.9' });
    detector.failure(stranger, 'connect');
    detector.success(stranger);
    assert.equal(detector.isEjected(stranger), false);
    assert.equal(detector.ejectedCount, 0);
  });

  test('stop() cancels the timer and ignores later failures', () => {
    const { clock, detector, eps } = setup(4);
    detector.failure(eps[0]!, 'connect');
    assert.equal(clock.pendingTimers, 1);
    detector.stop();
    assert.equal(clock.pendingTimers, 0);
    detector.failure(eps[1]!, 'connect');
    assert.equal(detector.isEjected(eps[1]!), false);
  });

  test('rejects bad options with SY_UPSTREAM_INVALID_OPTION', () => {
    const bad: OutlierDetectorOptions[] = [
      { consecutive5xx: -1 },
      { consecutiveConnectFailures: 1.5 },
      { baseEjectionTime: 'soon' },
      { maxEjectionTime: -5 },
      { maxEjectionPercent: 101 },
      { maxEjectionPercent: NaN },
      { clock: {} as never },
    ];
    for (const options of bad) {
      assert.throws(
        () => new OutlierDetector(options),
        (e: { code?: string }) => e.code === 'SY_UPSTREAM_INVALID_OPTION',
        JSON.stringify(options),
      );
    }
    const ok = new OutlierDetector({ baseEjectionTime: '10s', maxEjectionTime: '1m' });
    ok.stop();
  });
});
