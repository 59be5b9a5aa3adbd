import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, test } from 'node:test';
import { silentLogger } from '../../core/logger.js';
import { Catalog, type ServiceSpec } from '../catalog/catalog.js';
import { MemoryStore } from '../store/memory-store.js';
import {
  answerBlocking,
  blockingWakeChannel,
  MAX_WAIT_MS,
  readOptions,
  targetFilter,
} from './blocking-query.js';
import { HealthAnswers } from './consul/health-answers.js';
import { Exchange, type HttpContext } from './exchange.js';

let catalog: Catalog;
let ctx: HttpContext;

before(async () => {
  catalog = await Catalog.open({ store: new MemoryStore() });
  ctx = {
    catalog,
    health: new HealthAnswers(catalog),
    logger: silentLogger,
    maxBodyBytes: 1024,
    watchers: { active: 0, limit: 10 },
    streamHeartbeatMs: 15_000,
    random: () => 0,
    held: new Set(),
    closing: false,
  };
});
after(() => catalog.close());

function spec(id: string, name: string): ServiceSpec {
  return {
    id,
    name,
    address: '',
    port: 1,
    tags: [],
    meta: {},
    weights: { passing: 1, warning: 1 },
    enableTagOverride: false,
  };
}

/** A real Exchange over a stand-in response that can "hang up". */
function exchange(query: string): { x: Exchange; hangUp: () => void } {
  const res = Object.assign(new EventEmitter(), { writableFinished: false, shouldKeepAlive: true });
  const x = new Exchange(ctx, {} as IncomingMessage, res as unknown as ServerResponse, query);
  return { x, hangUp: () => res.emit('close') };
}

/** Records each answer; `next` resolves with the next one. */
function answers() {
  const seen: number[] = [];
  let wake: ((index: number) => void) | undefined;
  return {
    seen,
    answer: (index: number) => {
      seen.push(index);
      wake?.(index);
    },
    next: () => new Promise<number>((resolve) => (wake = resolve)),
  };
}

test('readOptions validates index and wait and caps wait at 10 minutes', () => {
  assert.deepEqual(readOptions(exchange('').x), { index: undefined, waitMs: 300_000 });
  assert.deepEqual(readOptions(exchange('index=12&wait=30s').x), { index: 12, waitMs: 30_000 });
  assert.equal(readOptions(exchange('index=1&wait=1h').x).waitMs, MAX_WAIT_MS);
  assert.equal(readOptions(exchange('index=1&wait=0s').x).waitMs, 300_000);
  assert.equal(readOptions(exchange('stale').x).index, undefined);
  for (const bad of [
    'index=abc',
    'index=-1',
    'index=1.5',
    'index=18446744073709551616',
    'wait=soon',
    'wait=30',
    'wait=-1s',
  ]) {
    assert.throws(() => readOptions(exchange(bad).x), { status: 400 }, bad);
  }
  assert.throws(
    () => readOptions(exchange('stale&consistent').x),
    /Cannot specify \?stale with \?consistent/,
  );
});

test('filters accept only the changes that can move their index', () => {
  const web = targetFilter({ kind: 'service', name: 'web' });
  assert.equal(web({ kind: 'service', name: 'web', index: 2 }), true);
  assert.equal(web({ kind: 'node', index: 2 }), true);
  assert.equal(web({ kind: 'service', name: 'api', index: 2 }), false);
  assert.equal(web({ kind: 'kv', key: 'web', index: 2 }), false);
  const key = targetFilter({ kind: 'kv', key: 'cfg/a', recurse: false });
  assert.equal(key({ kind: 'kv', key: 'cfg/a', index: 2 }), true);
  assert.equal(key({ kind: 'kv', key: 'cfg/ab', index: 2 }), false);
  const prefix = targetFilter({ kind: 'kv', key: 'cfg/', recurse: true });
  assert.equal(prefix({ kind: 'kv', key: 'cfg/ab', index: 2 }), true);
  assert.equal(prefix({ kind: 'kv', key: 'other', index: 2 }), false);
});

test('an index below the current one is answered at once, synchronously', async () => {
  await catalog.registerService(spec('s1', 'sync'));
  const a = answers();
  const pending = answerBlocking(
    exchange('index=1').x,
    { kind: 'service', name: 'sync' },
    a.answer,
  );
  assert.equal(pending, undefined);
  assert.deepEqual(a.seen, [catalog.serviceIndex('sync')]);
});

test('a held query wakes for its own service only, and answers the new index', async () => {
  await catalog.registerService(spec('w1', 'web'));
  const index = catalog.serviceIndex('web');
  const wakes: unknown[] = [];
  const onWake = (message: unknown) => wakes.push(message);
  blockingWakeChannel.subscribe(onWake);
  try {
    const a = answers();
    const next = a.next();
    const pending = answerBlocking(
      exchange(`index=${index}&wait=1m`).x,
      { kind: 'service', name: 'web' },
      a.answer,
    );
    assert.ok(pending instanceof Promise);
    assert.equal(ctx.watchers.active, 1);
    await catalog.registerService(spec('a1', 'api'));
    assert.equal(wakes.length, 0, 'a write to another service woke the watcher');
    assert.deepEqual(a.seen, []);
    await catalog.registerService(spec('w2', 'web'));
    assert.equal(await next, catalog.serviceIndex('web'));
    assert.ok(catalog.serviceIndex('web') > index);
    await pending;
    assert.equal(wakes.length, 1);
    assert.equal(ctx.watchers.active, 0);
  } finally {
    blockingWakeChannel.unsubscribe(onWake);
  }
});

test('when wait runs out the same index is answered', async () => {
  const index = catalog.serviceIndex('web');
  const a = answers();
  await answerBlocking(
    exchange(`index=${index}&wait=20ms`).x,
    { kind: 'service', name: 'web' },
    a.answer,
  );
  assert.deepEqual(a.seen, [index]);
});

test('a client that hangs up gets nothing and frees its slot', async () => {
  const index = catalog.serviceIndex('web');
  const { x, hangUp } = exchange(`index=${index}&wait=1m`);
  const a = answers();
  const pending = answerBlocking(x, { kind: 'service', name: 'web' }, a.answer);
  hangUp();
  await pending;
  assert.deepEqual(a.seen, []);
  assert.equal(ctx.watchers.active, 0);
  assert.equal(ctx.held.size, 0);
});

test('shutdown answers held queries at once; over the limit is a 429', async () => {
  const index = catalog.serviceIndex('web');
  const a = answers();
  const pending = answerBlocking(
    exchange(`index=${index}&wait=1m`).x,
    { kind: 'service', name: 'web' },
    a.answer,
  );
  assert.equal(ctx.held.size, 1);
  for (const release of ctx.held) release();
  await pending;
  assert.deepEqual(a.seen, [index]);

  const full = { ...ctx, watchers: { active: 10, limit: 10 } };
  const res = Object.assign(new EventEmitter(), { writableFinished: false });
  const x = new Exchange(
    full,
    {} as IncomingMessage,
    res as unknown as ServerResponse,
    `index=${index}`,
  );
  assert.throws(() => answerBlocking(x, { kind: 'service', name: 'web' }, () => {}), {
    status: 429,
  });
});
