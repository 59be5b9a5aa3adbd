import { captureLogger } from '../helpers/capture-logger.js';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import type { Logger } from '../../src/core/logger.js';
import { ageSeconds } from '../../src/gateway/policies/cache/cached-response.js';
import {
  createResponseCache,
  type ResponseCacheOptions,
} from '../../src/gateway/policies/cache/response-cache.js';
import { startRedis, type StartedRedis } from '../helpers/redis.js';

// A real redis-server and real ioredis connections: the cache shared by several gateways.

let server: StartedRedis;
const clients: Redis[] = [];
let prefixSeq = 0;

async function connect(port: number): Promise<Redis> {
  const r = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1, lazyConnect: true });
  r.on('error', () => {}); // reconnect noise while a test has stopped the server
  clients.push(r);
  await r.connect();
  return r;
}

function options(redis: Redis, extra: Partial<ResponseCacheOptions> = {}): ResponseCacheOptions {
  return { ttlMs: 30_000, redis, prefix: `t${++prefixSeq}:`, logger: captureLogger(), ...extra };
}

before(async () => {
  server = await startRedis();
});

after(async () => {
  for (const r of clients) r.disconnect();
  await server.stop();
});

describe('response cache on a real Redis', { timeout: 30_000 }, () => {
  test('round trip: binary body, status, headers; SET with PX', async () => {
    const redis = await connect(server.port);
    const cache = createResponseCache(options(redis));
    const key = cache.key('GET', 'api', '/bin?x=1', {}) as string;
    assert.equal(await cache.lookup(key), undefined);
    const body = Buffer.alloc(70_000);
    for (let i = 0; i < body.length; i++) body[i] = (i * 31) % 256;
    await cache.store(key, {
      status: 203,
      headers: [
        ['Content-Type', 'application/octet-stream'],
        ['X-Multi', 'a'],
        ['X-Multi', 'b'],
      ],
      body,
      ttlMs: cache.shouldStore('GET', {}, 203, { 'cache-control': 'max-age=20' }),
    });
    const pttl = await redis.pttl(key);
    assert.ok(pttl > 15_000 && pttl <= 20_000, `pttl ${pttl}`);
    const hit = await cache.lookup(key);
    assert.ok(hit);
    assert.equal(hit.status, 203);
    assert.deepEqual(hit.headers, [
      ['content-type', 'application/octet-stream'],
      ['x-multi', 'a'],
      ['x-multi', 'b'],
    ]);
    assert.ok(hit.body.equals(body));
    assert.ok(hit.expiresAt - cache.clock.now() <= 20_000);
  });

  test('two gateways share one Redis: one stores, the other hits, with the Age', async () => {
    const [a, b] = [await connect(server.port), await connect(server.port)];
    const first = options(a);
    const gatewayA = createResponseCache(first);
    const gatewayB = createResponseCache({ ...options(b), prefix: first.prefix });
    const headers = { 'accept-encoding': 'gzip' };
    const keyA = gatewayA.key('GET', 'api', '/shared', headers) as string;
    const keyB = gatewayB.key('HEAD', 'api', '/shared', headers) as string;
    assert.equal(keyA, keyB);
    await gatewayA.store(keyA, {
      status: 200,
      headers: [['Age', '7']],
      body: Buffer.from('shared body'),
      ttlMs: 10_000,
    });
    const hit = await gatewayB.lookup(keyB);
    assert.equal(hit?.body.toString(), 'shared body');
    assert.ok(hit);
    assert.equal(ageSeconds(hit, gatewayB.clock.now()), 7);
    assert.deepEqual(hit.headers, []);
    // A purge on one gateway is seen by the other.
    await gatewayB.delete(keyB);
    assert.equal(await gatewayA.lookup(keyA), undefined);
  });

  test('clear() removes only its own prefix', async () => {
    const redis = await connect(server.port);
    const mine = createResponseCache(options(redis));
    const other = createResponseCache(options(redis));
    const k1 = mine.key('GET', 'h', '/1', {}) as string;
    const k2 = other.key('GET', 'h', '/1', {}) as string;
    const entry = { status: 200, headers: [], body: Buffer.from('v'), ttlMs: 10_000 };
    await Promise.all([mine.store(k1, entry), other.store(k2, entry)]);
    await mine.clear();
    assert.equal(await mine.lookup(k1), undefined);
    assert.equal((await other.lookup(k2))?.body.toString(), 'v');
  });

  test('Redis down: every lookup is a miss, stores are dropped, never throws, logged once', async () => {
    const own = await startRedis();
    try {
      const redis = await connect(own.port);
      const opts = options(redis, { redisTimeoutMs: 200 });
      const logger = opts.logger as Logger & { lines: string[] };
      const cache = createResponseCache(opts);
      const key = cache.key('GET', 'h', '/down', {}) as string;
      const entry = { status: 200, headers: [], body: Buffer.from('v'), ttlMs: 10_000 };
      await cache.store(key, entry);
      assert.ok(await cache.lookup(key));
      await own.stop();
      for (let i = 0; i < 10; i++) {
        assert.equal(await cache.lookup(key), undefined);
        await cache.store(key, entry);
      }
      await cache.delete(key);
      await cache.clear();
      assert.equal(cache.stats().degraded, true);
      assert.deepEqual(logger.lines, [
        'warn cache: Redis unavailable, serving without the shared cache',
      ]);
    } finally {
      await own.stop();
    }
  });
});
