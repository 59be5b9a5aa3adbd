import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../../core/index.js';
import type { Logger } from '../../../core/logger.js';
import {
  decodeEntry,
  encodeEntry,
  RedisCacheStore,
  type RedisCacheClient,
} from './redis-cache-store.js';

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log = (level: string) => (msg: string) => void lines.push(`${level} ${msg}`);
  return { lines, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

/** A client whose every call does what `mode` says. */
function fakeRedis(): RedisCacheClient & { mode: 'ok' | 'fail' | 'hang'; status: string } {
  const data = new Map<string, Buffer>();
  const client = {
    status: 'ready',
    mode: 'ok' as 'ok' | 'fail' | 'hang',
    run<T>(value: () => T): Promise<T> {
      if (client.mode === 'fail') return Promise.reject(new Error('ECONNREFUSED'));
      if (client.mode === 'hang') return new Promise<T>(() => {});
      return Promise.resolve(value());
    },
    getBuffer: (key: string) => client.run(() => data.get(key) ?? null),
    pttl: (key: string) => client.run(() => (data.has(key) ? 1000 : -2)),
    set: (key: string, value: Buffer) => client.run(() => data.set(key, value)),
    del: (...keys: string[]) => client.run(() => keys.filter((k) => data.delete(k)).length),
    scan: () => client.run((): [string, string[]] => ['0', [...data.keys()]]),
  };
  return client;
}

test('codec: binary body and headers round-trip; ages come from the remaining TTL', () => {
  const body = Buffer.from([0, 255, 10, 13, 0x7b, 0x22]);
  const value = encodeEntry(
    203,
    [['content-type', 'application/octet-stream']],
    body,
    10_000,
    2_000,
  );
  const entry = decodeEntry(value, 4_000, 100_000);
  assert.ok(entry);
  assert.equal(entry.status, 203);
  assert.deepEqual(entry.headers, [['content-type', 'application/octet-stream']]);
  assert.deepEqual(entry.body, body);
  assert.equal(entry.expiresAt, 104_000);
  assert.equal(entry.storedAt, 100_000 - 6_000 - 2_000);
});

test('codec: malformed values are misses, not errors', () => {
  assert.equal(decodeEntry(Buffer.from(''), 1, 0), undefined);
  assert.equal(decodeEntry(Buffer.from('hello world'), 1, 0), undefined);
  const bad = Buffer.from([1, 0, 0, 0, 3, 0x7b, 0x7b, 0x7b]);
  assert.equal(decodeEntry(bad, 1, 0), undefined);
  const short = Buffer.from([1, 0, 0, 1, 0, 0x7b]);
  assert.equal(decodeEntry(short, 1, 0), undefined);
});

test('Redis failing: misses, stores dropped, logged once, and once more on recovery', async () => {
  const redis = fakeRedis();
  const logger = recordingLogger();
  const clock = new ManualClock();
  const store = new RedisCacheStore(redis, { prefix: 'p:', timeoutMs: 100, clock, logger });
  await store.set('p:k', encodeEntry(200, [], Buffer.from('v'), 5000, 0), 5000);
  assert.equal((await store.get('p:k'))?.body.toString(), 'v');
  redis.mode = 'fail';
  for (let i = 0; i < 5; i++) {
    assert.equal(await store.get('p:k'), undefined);
    await store.set('p:k', Buffer.from('x'), 1000);
  }
  await store.delete('p:k');
  await store.clear();
  assert.equal(store.degraded, true);
  redis.status = 'reconnecting';
  assert.equal(await store.get('p:k'), undefined);
  assert.deepEqual(logger.lines, [
    'warn cache: Redis unavailable, serving without the shared cache',
  ]);
  redis.status = 'ready';
  redis.mode = 'ok';
  assert.equal((await store.get('p:k'))?.body.toString(), 'v');
  assert.equal(store.degraded, false);
  assert.equal(logger.lines.length, 2);
  assert.match(logger.lines[1] ?? '', /^info cache: Redis is back/);
});

test('Redis hanging: a lookup is a miss after timeoutMs', async () => {
  const redis = fakeRedis();
  redis.mode = 'hang';
  const clock = new ManualClock();
  const logger = recordingLogger();
  const store = new RedisCacheStore(redis, { prefix: 'p:', timeoutMs: 100, clock, logger });
  let settled = false;
  const lookup = store.get('p:k').then((v) => {
    settled = true;
    return v;
  });
  await clock.advanceAsync(99);
  assert.equal(settled, false);
  await clock.advanceAsync(1);
  assert.equal(await lookup, undefined);
  assert.equal(logger.lines.length, 1);
});
