import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createLogger } from '../../core/logger.js';
import { ManualClock } from '../../resilience/clock.js';
import { Catalog, type CheckSpec, type ServiceSpec } from '../catalog/catalog.js';
import type { HealthStatus } from '../catalog/model.js';
import { MemoryStore } from '../store/memory-store.js';
import { Reaper, type ReaperOptions } from './reaper.js';
import { serviceSpec } from '../../../test/helpers/registry-fixtures.js';

const AFTER = 60_000;

const service = (id: string): ServiceSpec => serviceSpec(id);

const check = (
  serviceId: string,
  status: HealthStatus,
  after: number | undefined = AFTER,
): CheckSpec => ({
  definition: {
    id: `check:${serviceId}`,
    name: 'ttl',
    serviceId,
    notes: '',
    type: 'ttl',
    ttlMs: 10_000,
    deregisterCriticalAfterMs: after,
    successBeforePassing: 0,
    failuresBeforeCritical: 0,
  },
  status,
});

async function setup(options: Partial<ReaperOptions> = {}) {
  const clock = new ManualClock();
  const catalog = await Catalog.open({ store: new MemoryStore(), clock });
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('reaper', 'debug', (line) => lines.push(JSON.parse(line)));
  const reaper = new Reaper({ catalog, logger, ...options });
  return { clock, catalog, reaper, lines };
}

const ids = (catalog: Catalog) => [...catalog.services()].map((s) => s.id).sort();

describe('Reaper', () => {
  test('deregisters an instance once a check has been critical longer than its limit', async () => {
    const { clock, catalog, reaper } = await setup();
    await catalog.registerService(service('dead'), [check('dead', 'critical')]);
    await catalog.registerService(service('alive'), [check('alive', 'passing')]);
    await catalog.registerService(service('no-limit'), [check('no-limit', 'critical', undefined)]);
    clock.advance(AFTER);
    assert.deepEqual((await reaper.sweep()).evicted, [], 'exactly at the limit is not past it');
    clock.advance(1);
    assert.deepEqual((await reaper.sweep()).evicted, ['dead']);
    assert.deepEqual(ids(catalog), ['alive', 'no-limit']);
    assert.equal(catalog.getCheck('check:dead'), undefined, 'its checks go with it');
    assert.equal(reaper.stats.evictions, 1);
  });

  test('a check that recovered in time is not reaped', async () => {
    const { clock, catalog, reaper } = await setup();
    await catalog.registerService(service('a'), [check('a', 'critical')]);
    clock.advance(AFTER - 1);
    await catalog.updateCheck('check:a', 'passing');
    clock.advance(10);
    await catalog.updateCheck('check:a', 'critical');
    clock.advance(AFTER - 1);
    assert.equal((await reaper.sweep()).due, 0, 'the critical clock restarted');
    assert.deepEqual(ids(catalog), ['a']);
  });

  test('sweeps run on the clock every 30 s by default', async () => {
    const { clock, catalog, reaper } = await setup();
    await catalog.registerService(service('a'), [check('a', 'critical')]);
    reaper.start();
    await clock.advanceAsync(AFTER);
    assert.deepEqual(ids(catalog), ['a']);
    assert.equal(reaper.stats.sweeps, 2);
    await clock.advanceAsync(30_000);
    assert.deepEqual(ids(catalog), []);
    await reaper.stop();
    assert.equal(clock.pendingTimers, 0);
  });

  test('self-preservation: 100 instances critical at once, one sweep evicts at most the cap', async () => {
    const { clock, catalog, reaper, lines } = await setup();
    for (let i = 0; i < 100; i++) {
      await catalog.registerService(service(`s${i}`), [check(`s${i}`, 'critical')]);
    }
    clock.advance(AFTER + 1);
    const first = await reaper.sweep();
    assert.deepEqual(
      { due: first.due, cap: first.cap, evicted: first.evicted.length, deferred: first.deferred },
      { due: 100, cap: 10, evicted: 10, deferred: 90 },
    );
    assert.equal(ids(catalog).length, 90);
    const warning = lines.find((l) => l.level === 'warn');
    assert.ok(warning, 'a warning line says why');
    assert.match(String(warning.msg), /self-preservation/);
    assert.match(
      String(warning.reason),
      /100 of 100 instances .* more than the 10 one sweep may evict/,
    );
    assert.deepEqual(reaper.stats, {
      sweeps: 1,
      evictions: 10,
      selfPreservationSweeps: 1,
      deferredEvictions: 90,
    });
    const second = await reaper.sweep();
    assert.equal(second.cap, 9, '10 % of the 90 left');
    assert.equal(ids(catalog).length, 81);
  });

  test('the longest-critical instances go first', async () => {
    const { clock, catalog, reaper } = await setup({ maxEvictionsPerSweep: 2 });
    for (const id of ['c', 'a', 'd', 'b']) {
      await catalog.registerService(service(id), [check(id, 'critical')]);
      clock.advance(1_000);
    }
    clock.advance(AFTER);
    assert.deepEqual((await reaper.sweep()).evicted, ['c', 'a']);
    assert.deepEqual((await reaper.sweep()).evicted, ['d', 'b']);
  });

  test('a fixed cap overrides the ratio; a small registry still drains one per sweep', async () => {
    const fixed = await setup({ maxEvictionsPerSweep: 3 });
    const small = await setup();
    for (let i = 0; i < 5; i++) {
      await fixed.catalog.registerService(service(`s${i}`), [check(`s${i}`, 'critical')]);
      await small.catalog.registerService(service(`s${i}`), [check(`s${i}`, 'critical')]);
    }
    fixed.clock.advance(AFTER + 1);
    small.clock.advance(AFTER + 1);
    assert.equal((await fixed.reaper.sweep()).evicted.length, 3);
    assert.equal((await small.reaper.sweep()).evicted.length, 1);
    assert.equal(small.reaper.stats.selfPreservationSweeps, 1);
  });

  test('concurrent sweep() calls share one sweep', async () => {
    const { clock, catalog, reaper } = await setup();
    await catalog.registerService(service('a'), [check('a', 'critical')]);
    clock.advance(AFTER + 1);
    const [x, y] = await Promise.all([reaper.sweep(), reaper.sweep()]);
    assert.equal(x, y);
    assert.equal(reaper.stats.sweeps, 1);
  });
});
