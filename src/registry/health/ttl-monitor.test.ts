import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../resilience/clock.js';
import { Catalog, type CheckSpec, type ServiceSpec } from '../catalog/catalog.js';
import { MemoryStore } from '../store/memory-store.js';
import { TtlMonitor, ttlExpiredOutput } from './ttl-monitor.js';
import { serviceSpec } from '../../../test/helpers/registry-fixtures.js';

const TTL = 10_000;

const service = (id: string): ServiceSpec => serviceSpec(id);

const ttlCheck = (serviceId: string, ttlMs = TTL): CheckSpec => ({
  definition: {
    id: `service:${serviceId}`,
    name: 'ttl',
    serviceId,
    notes: '',
    type: 'ttl',
    ttlMs,
    successBeforePassing: 0,
    failuresBeforeCritical: 0,
  },
  status: 'passing',
});

async function setup(options: { store?: MemoryStore; ttlGraceMs?: number } = {}) {
  const clock = new ManualClock(1_000);
  const store = options.store ?? new MemoryStore();
  const catalog = await Catalog.open({ store, clock, ttlGraceMs: options.ttlGraceMs });
  const monitor = new TtlMonitor({ catalog });
  return { clock, store, catalog, monitor };
}

/** Catalog writes are serialized, so a no-op write resolves once every expiry queued before it has landed. */
const settled = (catalog: Catalog) => catalog.deregisterService('no-such-service');

const status = (catalog: Catalog, id = 'service:a') => catalog.getCheck(id)?.status;

describe('TtlMonitor', () => {
  test('a TTL check is passing 1 ms before its deadline and critical within 1 s after', async () => {
    const { clock, catalog, monitor } = await setup();
    await catalog.registerService(service('a'), [ttlCheck('a')]);
    monitor.start();
    await clock.advanceAsync(TTL - 1);
    assert.equal(status(catalog), 'passing');
    await clock.advanceAsync(1_001);
    assert.equal(status(catalog), 'critical');
    assert.equal(catalog.getCheck('service:a')?.output, 'TTL expired');
    assert.equal(catalog.healthOf('web', { passingOnly: true }).length, 0);
    assert.equal(monitor.expired, 1);
    monitor.stop();
  });

  test('a pass before the deadline postpones the expiry by a full TTL', async () => {
    const { clock, catalog, monitor } = await setup();
    await catalog.registerService(service('a'), [ttlCheck('a')]);
    monitor.start();
    await clock.advanceAsync(6_000);
    await catalog.updateCheck('service:a', 'passing', 'alive');
    await clock.advanceAsync(TTL - 1);
    assert.equal(status(catalog), 'passing');
    await clock.advanceAsync(1_001);
    assert.equal(status(catalog), 'critical');
    assert.equal(
      catalog.getCheck('service:a')?.output,
      'TTL expired (last output before timeout follows): alive',
    );
    monitor.stop();
  });

  test('a pass after expiry revives the check, which then expires again', async () => {
    const { clock, catalog, monitor } = await setup();
    await catalog.registerService(service('a'), [ttlCheck('a')]);
    monitor.start();
    await clock.advanceAsync(TTL + 1_000);
    assert.equal(status(catalog), 'critical');
    await catalog.updateCheck('service:a', 'passing');
    assert.equal(status(catalog), 'passing');
    await clock.advanceAsync(TTL - 1);
    assert.equal(status(catalog), 'passing');
    await clock.advanceAsync(1_001);
    assert.equal(status(catalog), 'critical');
    assert.equal(monitor.expired, 2);
    monitor.stop();
  });

  test('checks registered after start are followed; removed ones are forgotten', async () => {
    const { clock, catalog, monitor } = await setup();
    monitor.start();
    await catalog.registerService(service('a'), [ttlCheck('a')]);
    await catalog.registerService(service('b'), [ttlCheck('b', 2 * TTL)]);
    assert.equal(monitor.pending, 2);
    await catalog.deregisterService('b');
    assert.equal(monitor.pending, 1);
    await clock.advanceAsync(TTL + 1_000);
    assert.equal(status(catalog), 'critical');
    assert.equal(monitor.pending, 0);
    monitor.stop();
  });

  test('one timer serves every TTL check, and none runs when no deadline is pending', async () => {
    const { clock, catalog, monitor } = await setup();
    monitor.start();
    assert.equal(clock.pendingTimers, 0);
    for (let i = 0; i < 100; i++) {
      await catalog.registerService(service(`s${i}`), [ttlCheck(`s${i}`, TTL + i * 10)]);
      await clock.advanceAsync(1);
    }
    assert.equal(clock.pendingTimers, 1);
    await clock.advanceAsync(TTL + 2_000);
    await settled(catalog);
    for (let i = 0; i < 100; i++) assert.equal(status(catalog, `service:s${i}`), 'critical');
    assert.equal(monitor.pending, 0);
    assert.equal(clock.pendingTimers, 0);
    monitor.stop();
  });

  test('restart grace: restored TTL checks do not expire before ttl + grace', async () => {
    const first = await setup();
    await first.catalog.registerService(service('a'), [ttlCheck('a')]);
    await first.catalog.registerService(service('b'), [ttlCheck('b')]);
    const { clock, catalog, monitor } = await setup({ store: first.store, ttlGraceMs: 30_000 });
    monitor.start();
    await clock.advanceAsync(TTL + 30_000 - 1);
    assert.equal(status(catalog, 'service:a'), 'passing');
    assert.equal(status(catalog, 'service:b'), 'passing');
    await clock.advanceAsync(1_001);
    assert.equal(status(catalog, 'service:a'), 'critical');
    monitor.stop();
  });

  test('restart grace: a heartbeat during the grace period brings the deadline forward', async () => {
    const first = await setup();
    await first.catalog.registerService(service('a'), [ttlCheck('a')]);
    const { clock, catalog, monitor } = await setup({ store: first.store, ttlGraceMs: 30_000 });
    monitor.start();
    await clock.advanceAsync(1_000);
    await catalog.updateCheck('service:a', 'passing'); // deadline: now + TTL, inside the grace
    await clock.advanceAsync(TTL - 1);
    assert.equal(status(catalog), 'passing');
    await clock.advanceAsync(1_001);
    assert.equal(status(catalog), 'critical'); // not at restart + TTL + grace
    monitor.stop();
  });

  test('expireTtl loses to a heartbeat that moved the deadline', async () => {
    const { clock, catalog } = await setup();
    await catalog.registerService(service('a'), [ttlCheck('a')]);
    await clock.advanceAsync(TTL);
    await catalog.updateCheck('service:a', 'passing');
    assert.equal(await catalog.expireTtl('service:a', 'TTL expired'), false);
    assert.equal(status(catalog), 'passing');
  });

  test('stop() clears the timer and stops following the catalog', async () => {
    const { clock, catalog, monitor } = await setup();
    await catalog.registerService(service('a'), [ttlCheck('a')]);
    monitor.start();
    assert.equal(clock.pendingTimers, 1);
    monitor.stop();
    assert.equal(clock.pendingTimers, 0);
    await catalog.registerService(service('b'), [ttlCheck('b')]);
    await clock.advanceAsync(2 * TTL);
    assert.equal(status(catalog), 'passing');
  });

  test('ttlExpiredOutput keeps the last note once', () => {
    assert.equal(ttlExpiredOutput(''), 'TTL expired');
    assert.equal(ttlExpiredOutput('ok'), 'TTL expired (last output before timeout follows): ok');
    assert.equal(ttlExpiredOutput('TTL expired'), 'TTL expired');
  });
});
