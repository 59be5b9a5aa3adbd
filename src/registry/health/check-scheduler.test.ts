import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { ManualClock } from '../../resilience/clock.js';
import { Catalog, type ServiceSpec } from '../catalog/catalog.js';
import type { CheckDefinition, HealthStatus } from '../catalog/model.js';
import { MemoryStore } from '../store/memory-store.js';
import { CheckScheduler, spreadOffset, type Probe, type ProbeResult } from './check-scheduler.js';
import { serviceSpec } from '../../../test/helpers/registry-fixtures.js';

const INTERVAL = 10_000;

const service = (id: string): ServiceSpec => serviceSpec(id);

const httpCheck = (serviceId: string, extra: Partial<CheckDefinition> = {}): CheckDefinition => ({
  id: `check:${serviceId}`,
  name: 'http',
  serviceId,
  notes: '',
  type: 'http',
  http: 'http://127.0.0.1:1/health',
  intervalMs: INTERVAL,
  successBeforePassing: 0,
  failuresBeforeCritical: 0,
  ...extra,
});

async function setup(probe: Probe, options: { concurrency?: number } = {}) {
  const clock = new ManualClock();
  const catalog = await Catalog.open({ store: new MemoryStore(), clock });
  const scheduler = new CheckScheduler({ catalog, probes: { http: probe }, ...options });
  return { clock, catalog, scheduler };
}

/** Catalog writes are serialized, so a no-op write resolves once every earlier write landed. */
const settled = (catalog: Catalog) => catalog.deregisterService('no-such-service');

/** Rejects if `promise` has not settled within `ms` of real time (a bound, not a sleep). */
function bounded<T>(promise: Promise<T>, what: string, ms = 5_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** A probe that answers from a script (then repeats the last answer) and counts its calls. */
function scripted(...statuses: HealthStatus[]) {
  const calls: number[] = [];
  let clock: ManualClock | undefined;
  const probe: Probe = () => {
    calls.push(clock?.now() ?? 0);
    const status = statuses[Math.min(calls.length, statuses.length) - 1]!;
    return Promise.resolve({ status, output: `probe says ${status}` });
  };
  return { probe, calls, useClock: (c: ManualClock) => (clock = c) };
}

describe('CheckScheduler', () => {
  test('100 checks with one interval are spread over it, not run on one tick', async () => {
    const { probe, calls, useClock } = scripted('passing');
    const { clock, catalog, scheduler } = await setup(probe, { concurrency: 1_000 });
    useClock(clock);
    for (let i = 0; i < 100; i++) {
      await catalog.registerService(service(`s${i}`), [{ definition: httpCheck(`s${i}`) }]);
    }
    scheduler.start();
    assert.equal(scheduler.size, 100);
    await clock.advanceAsync(INTERVAL);
    assert.equal(calls.length, 100); // every check ran once within its first interval
    const perMs = new Map<number, number>();
    for (const at of calls) perMs.set(at, (perMs.get(at) ?? 0) + 1);
    assert.ok(perMs.size >= 90, `only ${perMs.size} distinct start times`);
    assert.ok(Math.max(...perMs.values()) <= 3);
    const seconds = new Set(calls.map((at) => Math.floor(at / 1_000)));
    assert.equal(seconds.size, 10, 'every second of the interval gets some checks');
    await scheduler.stop();
  });

  test('concurrency never exceeds the limit; queued checks run as slots free up', async () => {
    let inFlight = 0;
    let peak = 0;
    let started = 0;
    const release: (() => void)[] = [];
    const probe: Probe = () => {
      started++;
      peak = Math.max(peak, ++inFlight);
      return new Promise<ProbeResult>((resolve) =>
        release.push(() => {
          inFlight--;
          resolve({ status: 'passing', output: 'ok' });
        }),
      );
    };
    const { clock, catalog, scheduler } = await setup(probe, { concurrency: 8 });
    for (let i = 0; i < 100; i++) {
      await catalog.registerService(service(`s${i}`), [
        { definition: httpCheck(`s${i}`, { intervalMs: 1_000, timeoutMs: 60_000 }) },
      ]);
    }
    scheduler.start();
    await clock.advanceAsync(1_000);
    assert.equal(scheduler.running, 8);
    assert.equal(scheduler.queued, 92);
    for (let round = 0; round < 100 && started < 100; round++) {
      assert.ok(inFlight <= 8);
      release.splice(0).forEach((finish) => finish());
      await clock.advanceAsync(0);
    }
    release.splice(0).forEach((finish) => finish());
    await clock.advanceAsync(0);
    assert.equal(started, 100);
    assert.equal(peak, 8);
    assert.equal(scheduler.queued, 0);
    await scheduler.stop();
  });

  test('failuresBeforeCritical: critical only after N consecutive failures', async () => {
    const { probe } = scripted(
      'critical',
      'critical',
      'passing',
      'critical',
      'critical',
      'critical',
    );
    const { clock, catalog, scheduler } = await setup(probe);
    await catalog.registerService(service('a'), [
      { definition: httpCheck('a', { failuresBeforeCritical: 3 }), status: 'passing' },
    ]);
    scheduler.start();
    const seen: HealthStatus[] = [];
    for (let i = 0; i < 6; i++) {
      await clock.advanceAsync(INTERVAL);
      await settled(catalog);
      seen.push(catalog.getCheck('check:a')!.status);
    }
    // two failures, a success resets the streak, then the third failure in a row turns it critical
    assert.deepEqual(seen, ['passing', 'passing', 'passing', 'passing', 'passing', 'critical']);
    await scheduler.stop();
  });

  test('successBeforePassing: passing only after M consecutive successes', async () => {
    const { probe } = scripted('passing', 'critical', 'passing', 'passing');
    const { clock, catalog, scheduler } = await setup(probe);
    await catalog.registerService(service('a'), [
      { definition: httpCheck('a', { successBeforePassing: 2 }) },
    ]);
    scheduler.start();
    const seen: HealthStatus[] = [];
    for (let i = 0; i < 4; i++) {
      await clock.advanceAsync(INTERVAL);
      await settled(catalog);
      seen.push(catalog.getCheck('check:a')!.status);
    }
    assert.deepEqual(seen, ['critical', 'critical', 'critical', 'passing']);
    await scheduler.stop();
  });

  test('an unchanged verdict writes nothing; changed output alone waits for the update interval', async () => {
    let output = 'v1';
    const probe: Probe = () => Promise.resolve({ status: 'passing', output });
    const { clock, catalog, scheduler } = await setup(probe);
    await catalog.registerService(service('a'), [{ definition: httpCheck('a') }]);
    scheduler.start();
    await clock.advanceAsync(INTERVAL);
    await settled(catalog);
    assert.equal(catalog.getCheck('check:a')?.status, 'passing');
    const index = catalog.index;
    await clock.advanceAsync(5 * INTERVAL);
    await settled(catalog);
    assert.equal(catalog.index, index, 'same status and output: no write');
    output = 'v2';
    await clock.advanceAsync(5 * INTERVAL);
    await settled(catalog);
    assert.equal(catalog.index, index, 'new output within 5 min of the last write: no write');
    await clock.advanceAsync(5 * 60_000);
    await settled(catalog);
    assert.equal(catalog.getCheck('check:a')?.output, 'v2');
    await scheduler.stop();
  });

  test('follows the catalog: new checks start, changed ones restart, removed ones stop', async () => {
    const { probe, calls } = scripted('passing');
    const { clock, catalog, scheduler } = await setup(probe);
    scheduler.start();
    await catalog.registerService(service('a'), [{ definition: httpCheck('a') }]);
    assert.equal(scheduler.size, 1);
    await clock.advanceAsync(INTERVAL);
    assert.equal(calls.length, 1);
    await catalog.registerService(service('a'), [
      { definition: httpCheck('a', { intervalMs: 1_000 }) },
    ]);
    await clock.advanceAsync(INTERVAL);
    assert.ok(calls.length >= 10, `the new interval applies (${calls.length} probes)`);
    await catalog.deregisterService('a');
    assert.equal(scheduler.size, 0);
    assert.equal(clock.pendingTimers, 0);
    const before = calls.length;
    await clock.advanceAsync(INTERVAL);
    assert.equal(calls.length, before);
    await scheduler.stop();
  });

  test('a probe that outlives its timeout is aborted and the check turns critical', async () => {
    const arrived: (() => void)[] = [];
    const server: Server = createServer(() => arrived.shift()?.()); // never answers
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
    const clock = new ManualClock();
    const catalog = await Catalog.open({ store: new MemoryStore(), clock });
    const scheduler = new CheckScheduler({ catalog });
    try {
      await catalog.registerService(service('a'), [
        { definition: httpCheck('a', { http: url, timeoutMs: 2_000 }), status: 'passing' },
      ]);
      const reached = new Promise<void>((resolve) => arrived.push(resolve));
      scheduler.start();
      await clock.advanceAsync(spreadOffset('check:a', INTERVAL));
      await bounded(reached, 'the probe reaching the server');
      assert.equal(scheduler.running, 1);
      const critical = new Promise<void>((resolve) => {
        const off = catalog.onCheckChange(() => {
          if (catalog.getCheck('check:a')?.status !== 'critical') return;
          off();
          resolve();
        });
      });
      await clock.advanceAsync(2_000);
      await bounded(critical, 'the check turning critical');
      assert.equal(catalog.getCheck('check:a')?.output, `HTTP GET ${url}: timed out after 2000 ms`);
    } finally {
      await scheduler.stop();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('stop() aborts probes in flight and leaves no timers', async () => {
    let aborted = 0;
    const probe: Probe = (_definition, signal) =>
      new Promise((resolve) =>
        signal.addEventListener('abort', () => {
          aborted++;
          resolve({ status: 'critical', output: 'aborted' });
        }),
      );
    const { clock, catalog, scheduler } = await setup(probe);
    await catalog.registerService(service('a'), [{ definition: httpCheck('a') }]);
    await catalog.registerService(service('b'), [{ definition: httpCheck('b') }]);
    scheduler.start();
    await clock.advanceAsync(INTERVAL);
    assert.equal(scheduler.running, 2);
    await scheduler.stop();
    assert.equal(aborted, 2);
    assert.equal(scheduler.running, 0);
    assert.equal(clock.pendingTimers, 0);
    assert.equal(catalog.getCheck('check:a')?.output, '', 'a stopped probe records nothing');
  });

  test('spreadOffset stays inside the interval', () => {
    for (const id of ['a', 'service:web-1', 'x'.repeat(500)]) {
      const offset = spreadOffset(id, INTERVAL);
      assert.ok(offset >= 0 && offset < INTERVAL && Number.isInteger(offset));
    }
  });
});
