import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../resilience/clock.js';
import type { RegistryStore, StoreWrite, StoredState } from '../store/registry-store.js';
import { Catalog, type CheckSpec, type ServiceSpec } from './catalog.js';
import { UnknownCheckError, UnknownServiceError } from './catalog-errors.js';
import type { Change } from './watch-hub.js';

/** A store that records batches and can be told to fail the next one. */
class RecordingStore implements RegistryStore {
  batches: StoreWrite[][] = [];
  failNext = false;
  constructor(
    private readonly initial: StoredState = { index: 0, services: [], checks: [], kv: [] },
  ) {}
  async load() {
    return this.initial;
  }
  async apply(writes: readonly StoreWrite[]) {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('disk full');
    }
    this.batches.push([...writes]);
  }
  async close() {}
}

const spec = (id: string, name = 'web', tags: string[] = []): ServiceSpec => ({
  id,
  name,
  address: '10.0.0.1',
  port: 8080,
  tags,
  meta: {},
  weights: { passing: 1, warning: 1 },
  enableTagOverride: false,
});
const ttlCheck = (serviceId: string, status?: 'passing'): CheckSpec => ({
  definition: {
    id: `service:${serviceId}`,
    name: 'ttl',
    serviceId,
    notes: '',
    type: 'ttl',
    ttlMs: 10_000,
    successBeforePassing: 0,
    failuresBeforeCritical: 0,
  },
  status,
});

async function open(store = new RecordingStore(), clock = new ManualClock()) {
  return { catalog: await Catalog.open({ store, clock, node: { name: 'n1' } }), store, clock };
}

describe('Catalog', () => {
  test('indexes start at 1, grow with every write and are persisted with it', async () => {
    const { catalog, store } = await open();
    assert.equal(catalog.index, 1);
    await catalog.registerService(spec('web-1'), [ttlCheck('web-1')]);
    assert.equal(catalog.index, 2);
    assert.deepEqual(
      store.batches[0]!.map((w) => w.op),
      ['putService', 'putCheck', 'setIndex'],
    );
    await catalog.kvPut('a', new Uint8Array([1]));
    assert.equal(catalog.index, 3);
  });

  test('a new check starts critical; health answers carry node and service checks', async () => {
    const { catalog } = await open();
    await catalog.registerService(spec('web-1'), [ttlCheck('web-1')]);
    const [entry] = catalog.healthOf('web');
    assert.equal(entry!.status, 'critical');
    assert.deepEqual(
      entry!.checks.map((c) => c.definition.id),
      ['serfHealth', 'service:web-1'],
    );
    assert.equal(catalog.healthOf('web', { passingOnly: true }).length, 0);
    await catalog.updateCheck('service:web-1', 'passing', 'ok');
    assert.equal(catalog.healthOf('web', { passingOnly: true }).length, 1);
  });

  test('tag filters need every tag', async () => {
    const { catalog } = await open();
    await catalog.registerService(spec('a', 'web', ['v1', 'blue']));
    await catalog.registerService(spec('b', 'web', ['v1']));
    assert.deepEqual(
      catalog.healthOf('web', { tags: ['v1', 'blue'] }).map((e) => e.service.id),
      ['a'],
    );
    assert.deepEqual(catalog.serviceTags().get('web')!.sort(), ['blue', 'v1']);
  });

  test('a heartbeat that changes nothing writes nothing and wakes nobody, but restarts the TTL', async () => {
    const { catalog, store, clock } = await open();
    await catalog.registerService(spec('web-1'), [ttlCheck('web-1', 'passing')]);
    const changes: Change[] = [];
    catalog.hub.subscribe(
      () => true,
      (c) => changes.push(c),
    );
    const writes = store.batches.length;
    clock.advance(4000);
    const after = await catalog.updateCheck('service:web-1', 'passing');
    assert.equal(store.batches.length, writes);
    assert.equal(changes.length, 0);
    assert.equal(after.ttlDeadline, 14_000);
  });

  test('a write to one service wakes only its watchers', async () => {
    const { catalog } = await open();
    const web: Change[] = [];
    catalog.hub.subscribe(
      (c) => c.kind === 'service' && c.name === 'web',
      (c) => web.push(c),
    );
    await catalog.registerService(spec('db-1', 'db'));
    assert.equal(web.length, 0);
    await catalog.registerService(spec('web-1'));
    assert.equal(web.length, 1);
    assert.ok(catalog.serviceIndex('web') > catalog.serviceIndex('db'));
  });

  test('waitFor resolves on the matching change and times out otherwise', async () => {
    const { catalog } = await open();
    const waiting = catalog.hub.waitFor((c) => c.kind === 'service' && c.name === 'web', 60_000);
    await catalog.registerService(spec('db-1', 'db'));
    await catalog.registerService(spec('web-1'));
    assert.equal(await waiting, true);
    assert.equal(await catalog.hub.waitFor(() => false, 1), false);
    assert.equal(catalog.hub.size, 0);
  });

  test('deregistering removes the instance and its checks; unknown ids are a no-op', async () => {
    const { catalog } = await open();
    await catalog.registerService(spec('web-1'), [ttlCheck('web-1')]);
    assert.equal(await catalog.deregisterService('web-1'), true);
    assert.equal(catalog.getCheck('service:web-1'), undefined);
    assert.equal(catalog.instancesOf('web').length, 0);
    assert.equal(await catalog.deregisterService('nope'), false);
  });

  test('checks on unknown services and updates of unknown checks are typed errors', async () => {
    const { catalog } = await open();
    await assert.rejects(catalog.registerCheck(ttlCheck('ghost')), UnknownServiceError);
    await assert.rejects(catalog.updateCheck('nope', 'passing'), UnknownCheckError);
    await assert.rejects(catalog.deregisterCheck('nope'), UnknownCheckError);
  });

  test('a failed store write changes nothing in memory and the catalog keeps working', async () => {
    const { catalog, store } = await open();
    store.failNext = true;
    await assert.rejects(catalog.registerService(spec('web-1')), /disk full/);
    assert.equal(catalog.getService('web-1'), undefined);
    assert.equal(catalog.index, 1);
    await catalog.registerService(spec('web-2'));
    assert.equal(catalog.instancesOf('web').length, 1);
  });

  test('KV cas: 0 creates only if absent, N writes only at that index', async () => {
    const { catalog } = await open();
    assert.equal(await catalog.kvPut('cfg/a', new Uint8Array([1]), { cas: 0 }), true);
    assert.equal(await catalog.kvPut('cfg/a', new Uint8Array([2]), { cas: 0 }), false);
    const index = catalog.kvGet('cfg/a')!.modifyIndex;
    assert.equal(await catalog.kvPut('cfg/a', new Uint8Array([3]), { cas: index + 1 }), false);
    assert.equal(await catalog.kvPut('cfg/a', new Uint8Array([3]), { cas: index }), true);
    assert.deepEqual([...catalog.kvGet('cfg/a')!.value], [3]);
    assert.equal(await catalog.kvDelete('cfg/a', { cas: 1 }), false);
    assert.equal(
      await catalog.kvDelete('cfg/a', { cas: catalog.kvGet('cfg/a')!.modifyIndex }),
      true,
    );
  });

  test('KV keys fold under a separator; a deleted prefix still moves its index', async () => {
    const { catalog } = await open();
    for (const k of ['app/a', 'app/b/c', 'app/b/d', 'other'])
      await catalog.kvPut(k, new Uint8Array());
    assert.deepEqual(catalog.kv.keys('app/', '/'), ['app/a', 'app/b/']);
    const before = catalog.kv.index('app/', false);
    await catalog.kvDelete('app/', { recurse: true });
    assert.ok(catalog.kv.index('app/', false) > before);
    assert.deepEqual(catalog.kv.keys(''), ['other']);
  });

  test('after a restart, TTL checks get a grace period before they can expire', async () => {
    const first = await open();
    await first.catalog.registerService(spec('web-1'), [ttlCheck('web-1', 'passing')]);
    const saved = first.store.batches.flat();
    const state: StoredState = {
      index: first.catalog.index,
      services: saved.flatMap((w) => (w.op === 'putService' ? [w.service] : [])),
      checks: saved.flatMap((w) => (w.op === 'putCheck' ? [w.check] : [])),
      kv: [],
    };
    const clock = new ManualClock(5_000_000);
    const second = await Catalog.open({
      store: new RecordingStore(state),
      clock,
      ttlGraceMs: 30_000,
    });
    assert.equal(second.index, first.catalog.index);
    assert.equal(second.getCheck('service:web-1')!.status, 'passing');
    assert.equal(second.getCheck('service:web-1')!.ttlDeadline, 5_000_000 + 10_000 + 30_000);
  });
});
