import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../../core/index.js';
import { ageSeconds } from './cached-response.js';
import { createResponseCache, type StorableResponse } from './response-cache.js';

function response(body: string, ttlMs: number, headers: [string, string][] = []): StorableResponse {
  return { status: 200, headers, body: Buffer.from(body), ttlMs };
}

test('key: GET and HEAD share one key; other methods have none', () => {
  const cache = createResponseCache({ ttlMs: 1000 });
  const get = cache.key('GET', 'API.example', '/a?x=1', {});
  assert.equal(get, cache.key('HEAD', 'api.example', '/a?x=1', {}));
  assert.notEqual(get, cache.key('GET', 'api.example', '/a?x=2', {}));
  assert.notEqual(get, cache.key('GET', 'other.example', '/a?x=1', {}));
  assert.equal(cache.key('POST', 'api.example', '/a', {}), undefined);
  assert.ok(get?.startsWith('sy:cache:'));
});

test('key: the vary headers are part of it (accept-encoding by default)', () => {
  const plain = createResponseCache({ ttlMs: 1000 });
  const k = (h: Record<string, string>) => plain.key('GET', 'h', '/', h);
  assert.notEqual(k({ 'accept-encoding': 'gzip' }), k({}));
  assert.equal(k({ 'x-tenant': 'a' }), k({ 'x-tenant': 'b' }));
  const tenant = createResponseCache({ ttlMs: 1000, vary: ['X-Tenant'] });
  const t = (h: Record<string, string>) => tenant.key('GET', 'h', '/', h);
  assert.notEqual(t({ 'x-tenant': 'a' }), t({ 'x-tenant': 'b' }));
  assert.equal(t({ 'accept-encoding': 'gzip' }), t({}));
  // A header value cannot forge another path's key.
  assert.notEqual(t({ 'x-tenant': 'a' }), tenant.key('GET', 'h', '/\na', {}));
});

test('shouldStore: only a GET response, capped by the route TTL', () => {
  const cache = createResponseCache({ ttlMs: 30_000 });
  assert.equal(cache.shouldStore('GET', {}, 200, {}), 30_000);
  assert.equal(cache.shouldStore('HEAD', {}, 200, {}), 0);
  assert.equal(cache.shouldStore('GET', {}, 200, { 'cache-control': 'max-age=5' }), 5_000);
  assert.equal(cache.shouldStore('GET', {}, 500, {}), 0);
  assert.equal(cache.bypassLookup({ 'cache-control': 'no-cache' }), true);
});

test('lookup hits until the TTL passes (ManualClock), with a growing Age', () => {
  const clock = new ManualClock(5_000);
  const cache = createResponseCache({ ttlMs: 10_000, clock });
  const key = cache.key('GET', 'h', '/', {}) as string;
  assert.equal(cache.lookup(key), undefined);
  void cache.store(key, response('hello', 10_000, [['Content-Type', 'text/plain']]));
  clock.advance(2_500);
  const hit = cache.lookup(key);
  assert.ok(hit && !(hit instanceof Promise));
  assert.equal(hit.body.toString(), 'hello');
  assert.deepEqual(hit.headers, [['content-type', 'text/plain']]);
  assert.equal(ageSeconds(hit, clock.now()), 2);
  clock.advance(7_499);
  assert.ok(cache.lookup(key));
  clock.advance(1);
  assert.equal(cache.lookup(key), undefined);
});

test('store: the upstream Age counts, hop-by-hop headers are dropped, TTL is capped', () => {
  const clock = new ManualClock();
  const cache = createResponseCache({ ttlMs: 10_000, clock });
  const key = cache.key('GET', 'h', '/', {}) as string;
  const headers: [string, string][] = [
    ['Age', '3'],
    ['Connection', 'keep-alive'],
    ['Transfer-Encoding', 'chunked'],
    ['ETag', '"v1"'],
  ];
  void cache.store(key, response('x', 60_000, headers));
  const hit = cache.lookup(key);
  assert.ok(hit && !(hit instanceof Promise));
  assert.deepEqual(hit.headers, [['etag', '"v1"']]);
  assert.equal(ageSeconds(hit, clock.now()), 3);
  clock.advance(10_000);
  assert.equal(cache.lookup(key), undefined);
});

test('store: bodies over maxBodyBytes are not kept', () => {
  const cache = createResponseCache({ ttlMs: 10_000, maxBodyBytes: 4 });
  const key = cache.key('GET', 'h', '/', {}) as string;
  void cache.store(key, response('12345', 10_000));
  assert.equal(cache.lookup(key), undefined);
  void cache.store(key, response('1234', 10_000));
  assert.ok(cache.lookup(key));
});

test('many keys: entries and bytes stay within bounds', () => {
  const cache = createResponseCache({ ttlMs: 60_000, maxEntries: 500, maxTotalBytes: 256 * 1024 });
  const body = 'x'.repeat(1000);
  for (let i = 0; i < 5000; i++) {
    const key = cache.key('GET', 'h', `/item/${i}`, {}) as string;
    void cache.store(key, response(body, 60_000));
    const s = cache.stats();
    assert.ok(s.entries <= 500 && s.bytes <= 256 * 1024);
  }
  assert.ok(cache.lookup(cache.key('GET', 'h', '/item/4999', {}) as string));
  assert.equal(cache.lookup(cache.key('GET', 'h', '/item/0', {}) as string), undefined);
  void cache.delete(cache.key('GET', 'h', '/item/4999', {}) as string);
  assert.equal(cache.lookup(cache.key('GET', 'h', '/item/4999', {}) as string), undefined);
  void cache.clear();
  assert.deepEqual(cache.stats(), { entries: 0, bytes: 0, degraded: false });
});

test('bad or unknown options are SY_GW_CACHE_INVALID_OPTION', () => {
  const bad: unknown[] = [
    {},
    { ttlMs: 0 },
    { ttlMs: -1 },
    { ttlMs: Infinity },
    { ttlMs: 1000, maxEntries: 0 },
    { ttlMs: 1000, maxBodyBytes: '1mb' },
    { ttlMs: 1000, vary: ['bad header'] },
    { ttlMs: 1000, ttl: 5 },
  ];
  for (const options of bad) {
    assert.throws(
      () => createResponseCache(options as never),
      (e: Error & { code?: string }) => e.code === 'SY_GW_CACHE_INVALID_OPTION',
      JSON.stringify(options),
    );
  }
});
