import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CheckState, KvEntry, ServiceInstance } from '../catalog/model.js';
import type { RegistryStore, StoredState, StoreWrite } from './registry-store.js';

/** How the contract suite reaches an implementation's extra abilities. */
export interface RegistryStoreContractOptions<S extends RegistryStore> {
  /**
   * Closes `store` and opens the same data again. Give it for stores that persist (SQLite, etcd);
   * the reopen test is only defined when it is given.
   */
  readonly reopen?: (store: S) => S | Promise<S>;
}

/**
 * The behaviour every `RegistryStore` must have, as a node:test suite. Call it from each
 * implementation's test file; `makeStore` returns a new, empty store for every test.
 *
 * @example
 * registryStoreContract('MemoryStore', () => new MemoryStore());
 */
export function registryStoreContract<S extends RegistryStore>(
  name: string,
  makeStore: () => S | Promise<S>,
  options: RegistryStoreContractOptions<S> = {},
): void {
  /** Runs `fn` on a new store and closes every store it opened, even when `fn` fails. */
  async function withStore(fn: (store: S, reopen: (s: S) => Promise<S>) => Promise<void>) {
    const opened: S[] = [await makeStore()];
    const reopen = async (s: S) => {
      assert.ok(options.reopen, 'reopen called without options.reopen');
      opened.push(await options.reopen(s));
      return opened[opened.length - 1]!;
    };
    try {
      await fn(opened[0]!, reopen);
    } finally {
      for (const s of opened) await s.close();
    }
  }

  describe(`RegistryStore contract: ${name}`, () => {
    test('a new store loads empty with index 0', () =>
      withStore(async (store) => {
        assert.deepEqual(canon(await store.load()), canon(EMPTY));
      }));

    test('puts services, checks and kv and loads them back', () =>
      withStore(async (store) => {
        await store.apply(fullBatch());
        assert.deepEqual(canon(await store.load()), canon(stateOf(fullBatch())));
      }));

    test('an empty batch changes nothing', () =>
      withStore(async (store) => {
        await store.apply(fullBatch());
        await store.apply([]);
        assert.deepEqual(canon(await store.load()), canon(stateOf(fullBatch())));
      }));

    test('a put overwrites the record with the same id or key', () =>
      withStore(async (store) => {
        await store.apply([put(service('web-1')), put(check('c1', 'web-1')), put(kv('k', 'v1'))]);
        await store.apply([
          put(service('web-1', { port: 9090, tags: ['v2'], modifyIndex: 9 })),
          put(check('c1', 'web-1', { status: 'passing', output: 'ok', modifyIndex: 9 })),
          put(kv('k', 'v2', { flags: '42', modifyIndex: 9 })),
        ]);
        const loaded = await store.load();
        assert.equal(loaded.services.length, 1);
        assert.equal(loaded.services[0]!.port, 9090);
        assert.deepEqual(loaded.services[0]!.tags, ['v2']);
        assert.equal(loaded.checks.length, 1);
        assert.equal(loaded.checks[0]!.status, 'passing');
        assert.equal(loaded.kv.length, 1);
        assert.equal(text(loaded.kv[0]!.value), 'v2');
        assert.equal(loaded.kv[0]!.flags, '42');
      }));

    test('deletes remove services, checks and kv; deleting a missing one is a no-op', () =>
      withStore(async (store) => {
        await store.apply(fullBatch());
        await store.apply([
          { op: 'deleteService', id: 'web-2' },
          { op: 'deleteCheck', id: 'web-2:ttl' },
          { op: 'deleteKv', key: 'config/b' },
          { op: 'deleteService', id: 'never-there' },
          { op: 'deleteKv', key: 'never/there' },
        ]);
        const loaded = canon(await store.load());
        assert.deepEqual(ids(loaded.services), ['web-1']);
        assert.deepEqual(ids(loaded.checks), ['node-check', 'web-1:ttl']);
        assert.deepEqual(ids(loaded.kv), ['config/a']);
      }));

    test('setIndex is loaded back, last write wins', () =>
      withStore(async (store) => {
        await store.apply([{ op: 'setIndex', index: 41 }]);
        assert.equal((await store.load()).index, 41);
        await store.apply([{ op: 'setIndex', index: 2 ** 40 }]);
        assert.equal((await store.load()).index, 2 ** 40);
      }));

    test('writes within a batch apply in order', () =>
      withStore(async (store) => {
        await store.apply([
          put(service('s', { port: 1 })),
          put(service('s', { port: 2 })),
          put(kv('gone', 'x')),
          { op: 'deleteKv', key: 'gone' },
          { op: 'deleteKv', key: 'back' },
          put(kv('back', 'y')),
          { op: 'setIndex', index: 3 },
          { op: 'setIndex', index: 5 },
        ]);
        const loaded = canon(await store.load());
        assert.equal(loaded.services[0]!.port, 2);
        assert.deepEqual(ids(loaded.kv), ['back']);
        assert.equal(loaded.index, 5);
      }));

    test('concurrent applies commit in call order', () =>
      withStore(async (store) => {
        const calls = [1, 2, 3, 4, 5].map((port) =>
          store.apply([put(service('s', { port })), { op: 'setIndex', index: port }]),
        );
        await Promise.all(calls);
        const loaded = await store.load();
        assert.equal(loaded.services[0]!.port, 5);
        assert.equal(loaded.index, 5);
      }));

    for (const [label, bad] of INVALID_WRITES) {
      test(`a batch ending in an invalid write (${label}) applies nothing`, () =>
        withStore(async (store) => {
          await store.apply([put(service('before')), { op: 'setIndex', index: 1 }]);
          const before = canon(await store.load());
          const batch = [put(service('web-1')), put(kv('k', 'v')), setIndex(7), bad];
          await assert.rejects(store.apply(batch), { code: 'SY_REG_STORE_INVALID_WRITE' });
          assert.deepEqual(canon(await store.load()), before);
        }));
    }

    test('the store keeps its own copy of what it is given and hands out', () =>
      withStore(async (store) => {
        const bytes = new TextEncoder().encode('original');
        const tags = ['a'];
        await store.apply([put({ ...service('s'), tags }), put({ ...kv('k', ''), value: bytes })]);
        bytes.fill(0);
        tags.push('mutated');
        const first = await store.load();
        assert.equal(text(first.kv[0]!.value), 'original');
        assert.deepEqual(first.services[0]!.tags, ['a']);
        Array.prototype.push.call(first.services[0]!.tags, 'mutated-after-load'); // readonly only in the type
        first.kv[0]!.value.fill(0);
        const second = await store.load();
        assert.deepEqual(second.services[0]!.tags, ['a']);
        assert.equal(text(second.kv[0]!.value), 'original');
      }));

    test('a 512 KB value round-trips byte for byte', () =>
      withStore(async (store) => {
        const big = largeValue();
        await store.apply([put({ ...kv('big', ''), value: big })]);
        const loaded = await store.load();
        assert.equal(loaded.kv[0]!.value.byteLength, big.byteLength);
        assert.ok(Buffer.from(loaded.kv[0]!.value).equals(big), 'bytes differ');
      }));

    test('keys and ids with slashes, unicode and percent signs round-trip', () =>
      withStore(async (store) => {
        const batch = ODD_NAMES.flatMap((n) => [put(service(n)), put(check(n, n)), put(kv(n, n))]);
        await store.apply(batch);
        assert.deepEqual(canon(await store.load()), canon(stateOf(batch)));
      }));

    test('uint64 flags keep every digit', () =>
      withStore(async (store) => {
        await store.apply([put(kv('max', 'x', { flags: '18446744073709551615' }))]);
        assert.equal((await store.load()).kv[0]!.flags, '18446744073709551615');
      }));

    test('after close, apply and load reject with SY_REG_STORE_CLOSED; closing twice is fine', () =>
      withStore(async (store) => {
        await store.close();
        await store.close();
        await assert.rejects(store.apply([setIndex(1)]), { code: 'SY_REG_STORE_CLOSED' });
        await assert.rejects(store.load(), { code: 'SY_REG_STORE_CLOSED' });
      }));

    // Only stores that persist are given `reopen`; for the others the test is not defined at all.
    if (options.reopen)
      test('everything written, and every delete, survives a reopen', () =>
        withStore(async (store, reopen) => {
          const odd = ODD_NAMES.flatMap((n) => [put(service(n)), put(kv(n, n))]);
          const big = put({ ...kv('big', ''), value: largeValue() });
          const deletes: StoreWrite[] = [
            { op: 'deleteService', id: 'web-2' },
            { op: 'deleteCheck', id: 'web-2:ttl' },
            { op: 'deleteKv', key: 'config/b' },
          ];
          const all = [...fullBatch(), ...odd, big, ...deletes, setIndex(99)];
          await store.apply(all);
          const reopened = await reopen(store);
          assert.deepEqual(canon(await reopened.load()), canon(stateOf(all)));
          await reopened.apply([put(service('after-reopen')), setIndex(100)]);
          const again = await reopen(reopened);
          const loaded = await again.load();
          assert.equal(loaded.index, 100);
          assert.ok(loaded.services.some((s) => s.id === 'after-reopen'));
        }));
  });
}

const EMPTY: StoredState = { index: 0, services: [], checks: [], kv: [] };

const ODD_NAMES = ['a/b/c', 'trailing/', 'cfg%2Fa', '100%', 'ключ/日本語/🚀', 'spa ce', 'quote\'"'];

function service(id: string, patch: Partial<ServiceInstance> = {}): ServiceInstance {
  return {
    id,
    name: id.split('-')[0]!,
    address: '10.0.0.1',
    port: 8080,
    tags: ['primary', 'v1'],
    meta: { version: '1.2.3', zone: 'eu-1' },
    weights: { passing: 10, warning: 1 },
    enableTagOverride: false,
    createIndex: 3,
    modifyIndex: 4,
    ...patch,
  };
}

function check(id: string, serviceId: string | undefined, patch: Partial<CheckState> = {}) {
  const state: CheckState = {
    definition: {
      id,
      name: `check ${id}`,
      serviceId,
      notes: '',
      type: 'ttl',
      ttlMs: 15_000,
      deregisterCriticalAfterMs: 60_000,
      successBeforePassing: 0,
      failuresBeforeCritical: 2,
    },
    status: 'critical',
    output: '',
    createIndex: 3,
    modifyIndex: 4,
    criticalSince: 1_700_000_000_000,
    ttlDeadline: 1_700_000_015_000,
    ...patch,
  };
  return state;
}

function httpCheck(id: string, serviceId: string): CheckState {
  const base = check(id, serviceId, { status: 'warning', output: 'HTTP GET: 429' });
  return {
    ...base,
    definition: {
      ...base.definition,
      type: 'http',
      ttlMs: undefined,
      http: 'https://10.0.0.1:8080/health',
      method: 'POST',
      header: { 'x-probe': ['1', '2'] },
      body: '{"ping":true}',
      tlsSkipVerify: true,
      intervalMs: 10_000,
      timeoutMs: 1_000,
    },
  };
}

function kv(key: string, value: string, patch: Partial<KvEntry> = {}): KvEntry {
  const entry = { key, value: new TextEncoder().encode(value), flags: '0', lockIndex: 0 };
  return { ...entry, createIndex: 5, modifyIndex: 6, ...patch };
}

function put(record: ServiceInstance | CheckState | KvEntry): StoreWrite {
  if ('definition' in record) return { op: 'putCheck', check: record };
  if ('key' in record) return { op: 'putKv', entry: record };
  return { op: 'putService', service: record };
}

function setIndex(index: number): StoreWrite {
  return { op: 'setIndex', index };
}

function fullBatch(): StoreWrite[] {
  return [
    put(service('web-1')),
    put(service('web-2', { address: '', tags: [], meta: {}, enableTagOverride: true })),
    put(check('web-1:ttl', 'web-1', { status: 'passing', criticalSince: undefined })),
    put(httpCheck('web-2:ttl', 'web-2')),
    put(check('node-check', undefined)),
    put(kv('config/a', 'alpha', { flags: '7', lockIndex: 2 })),
    put(kv('config/b', '')),
    setIndex(12),
  ];
}

/** What a correct store holds after applying `writes` to an empty one. */
function stateOf(writes: readonly StoreWrite[]): StoredState {
  const services = new Map<string, ServiceInstance>();
  const checks = new Map<string, CheckState>();
  const entries = new Map<string, KvEntry>();
  let index = 0;
  for (const w of writes) {
    if (w.op === 'putService') services.set(w.service.id, w.service);
    else if (w.op === 'deleteService') services.delete(w.id);
    else if (w.op === 'putCheck') checks.set(w.check.definition.id, w.check);
    else if (w.op === 'deleteCheck') checks.delete(w.id);
    else if (w.op === 'putKv') entries.set(w.entry.key, w.entry);
    else if (w.op === 'deleteKv') entries.delete(w.key);
    else index = w.index;
  }
  return {
    index,
    services: [...services.values()],
    checks: [...checks.values()],
    kv: [...entries.values()],
  };
}

const INVALID_WRITES: readonly (readonly [string, StoreWrite])[] = [
  [
    'putService without a name',
    { op: 'putService', service: { ...service('x'), name: undefined } as never },
  ],
  ['putService with port -1', put(service('x', { port: -1 }))],
  ['putCheck with an unknown status', put(check('c', 's', { status: 'dead' as never }))],
  ['putKv with a string value', { op: 'putKv', entry: { ...kv('k', ''), value: 'v' as never } }],
  ['putKv with non-numeric flags', put(kv('k', 'v', { flags: '-1' }))],
  ['setIndex -1', setIndex(-1)],
  ['an unknown op', { op: 'dropTable' } as never],
];

function largeValue(): Buffer {
  const big = Buffer.alloc(512 * 1024);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >> 8)) & 0xff;
  return big;
}

function text(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

function ids(records: readonly (ServiceInstance | CheckState | KvEntry)[]): string[] {
  return records.map((r) => ('definition' in r ? r.definition.id : 'key' in r ? r.key : r.id));
}

/**
 * A comparable form of a state: lists sorted by id/key, optional fields that are `undefined`
 * dropped (a store may omit them), and bytes as base64 (a store may hand back a Buffer).
 */
function canon(state: StoredState): StoredState & Record<string, unknown> {
  const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  // Bytes first: JSON.stringify would call Buffer#toJSON before any replacer saw the value.
  const kvText = state.kv.map((e) => ({ ...e, value: Buffer.from(e.value).toString('base64') }));
  const plain = JSON.parse(JSON.stringify({ ...state, kv: kvText })) as StoredState;
  return {
    index: plain.index,
    services: [...plain.services].sort(byId),
    checks: [...plain.checks].sort((a, b) => byId(a.definition, b.definition)),
    kv: [...plain.kv].sort((a, b) => byId({ id: a.key }, { id: b.key })),
  };
}
