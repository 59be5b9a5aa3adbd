import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../resilience/clock.js';
import { Catalog, type ServiceSpec } from '../catalog/catalog.js';
import type { CheckDefinition } from '../catalog/model.js';
import { MemoryStore } from '../store/memory-store.js';
import { startHealth } from './health-runner.js';
import { serviceSpec } from '../../../test/helpers/registry-fixtures.js';

const service = (id: string): ServiceSpec => serviceSpec(id);

const ttl = (serviceId: string): CheckDefinition => ({
  id: `ttl:${serviceId}`,
  name: 'ttl',
  serviceId,
  notes: '',
  type: 'ttl',
  ttlMs: 10_000,
  deregisterCriticalAfterMs: 60_000,
  successBeforePassing: 0,
  failuresBeforeCritical: 0,
});

describe('startHealth', () => {
  test('a silent instance expires, then is reaped; stop() leaves no timers', async () => {
    const clock = new ManualClock();
    const catalog = await Catalog.open({ store: new MemoryStore(), clock });
    await catalog.registerService(service('a'), [{ definition: ttl('a'), status: 'passing' }]);
    const health = startHealth({ catalog });
    await clock.advanceAsync(11_000);
    assert.equal(catalog.getCheck('ttl:a')?.status, 'critical');
    assert.equal(health.ttl.expired, 1);
    await clock.advanceAsync(60_000); // critical for 60 s: due at the next 30 s sweep
    assert.ok(catalog.getService('a'));
    await clock.advanceAsync(30_000);
    assert.equal(catalog.getService('a'), undefined);
    assert.equal(health.reaper?.stats.evictions, 1);
    await health.stop();
    assert.equal(clock.pendingTimers, 0);
  });

  test('reaper: false leaves critical instances registered', async () => {
    const clock = new ManualClock();
    const catalog = await Catalog.open({ store: new MemoryStore(), clock });
    await catalog.registerService(service('a'), [{ definition: ttl('a') }]);
    const health = startHealth({ catalog, reaper: false });
    assert.equal(health.reaper, undefined);
    await clock.advanceAsync(10 * 60_000);
    assert.ok(catalog.getService('a'));
    await health.stop();
  });
});
