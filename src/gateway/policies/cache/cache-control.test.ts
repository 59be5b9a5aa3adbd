import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bypassesCache, parseCacheControl, storeTtlMs } from './cache-control.js';

const policy = { ttlMs: 30_000, vary: new Set(['accept-encoding']) };

test('parseCacheControl: names lower-cased, quotes removed, first duplicate wins', () => {
  const d = parseCacheControl('Public, MAX-AGE="60", max-age=5, , no-transform');
  assert.equal(d.get('public'), '');
  assert.equal(d.get('max-age'), '60');
  assert.ok(d.has('no-transform'));
  assert.equal(parseCacheControl(undefined).size, 0);
});

test('bypassesCache: request no-cache / no-store, or Pragma without Cache-Control', () => {
  assert.equal(bypassesCache({}), false);
  assert.equal(bypassesCache({ 'cache-control': 'max-age=0' }), false);
  assert.equal(bypassesCache({ 'cache-control': 'no-cache' }), true);
  assert.equal(bypassesCache({ 'cache-control': 'No-Store' }), true);
  assert.equal(bypassesCache({ pragma: 'no-cache' }), true);
  assert.equal(bypassesCache({ pragma: 'no-cache', 'cache-control': 'max-age=5' }), false);
});

test('storeTtlMs: only heuristically cacheable statuses', () => {
  for (const status of [200, 203, 204, 300, 301, 404, 410]) {
    assert.equal(storeTtlMs(policy, {}, status, {}), 30_000, String(status));
  }
  for (const status of [201, 206, 302, 304, 400, 500, 502, 503]) {
    assert.equal(storeTtlMs(policy, {}, status, {}), 0, String(status));
  }
});

test('storeTtlMs: response no-store, private, no-cache, Set-Cookie, Vary: * are not stored', () => {
  for (const cc of ['no-store', 'private', 'private="x"', 'no-cache', 'public, no-store']) {
    assert.equal(storeTtlMs(policy, {}, 200, { 'cache-control': cc }), 0, cc);
  }
  assert.equal(storeTtlMs(policy, {}, 200, { 'set-cookie': ['a=b'] }), 0);
  assert.equal(storeTtlMs(policy, {}, 200, { vary: '*' }), 0);
  assert.equal(storeTtlMs(policy, {}, 200, { vary: 'Cookie' }), 0);
  assert.equal(storeTtlMs(policy, {}, 200, { vary: 'Accept-Encoding' }), 30_000);
});

test('storeTtlMs: request no-store is not stored', () => {
  assert.equal(storeTtlMs(policy, { 'cache-control': 'no-store' }, 200, {}), 0);
  assert.equal(storeTtlMs(policy, { 'cache-control': 'no-cache' }, 200, {}), 30_000);
});

test('storeTtlMs: Authorization only with response public or s-maxage', () => {
  const auth = { authorization: 'Bearer x' };
  assert.equal(storeTtlMs(policy, auth, 200, {}), 0);
  assert.equal(storeTtlMs(policy, auth, 200, { 'cache-control': 'max-age=60' }), 0);
  assert.equal(storeTtlMs(policy, auth, 200, { 'cache-control': 'public' }), 30_000);
  assert.equal(storeTtlMs(policy, auth, 200, { 'cache-control': 's-maxage=10' }), 10_000);
});

test('storeTtlMs: the route TTL is an upper bound on max-age / s-maxage / Expires', () => {
  const ttl = (cc: Record<string, string>) => storeTtlMs(policy, {}, 200, cc);
  assert.equal(ttl({ 'cache-control': 'max-age=10' }), 10_000);
  assert.equal(ttl({ 'cache-control': 'max-age=3600' }), 30_000);
  assert.equal(ttl({ 'cache-control': 'max-age=60, s-maxage=5' }), 5_000);
  assert.equal(ttl({ 'cache-control': 'max-age=0' }), 0);
  assert.equal(ttl({ 'cache-control': 'max-age=abc' }), 0);
  assert.equal(ttl({ 'cache-control': 'max-age=10', age: '4' }), 6_000);
  assert.equal(ttl({ 'cache-control': 'max-age=10', age: '20' }), 0);
  const date = 'Mon, 23 Nov 2026 10:00:00 GMT';
  assert.equal(ttl({ date, expires: 'Mon, 23 Nov 2026 10:00:20 GMT' }), 20_000);
  assert.equal(ttl({ date, expires: 'Mon, 23 Nov 2026 09:00:00 GMT' }), 0);
  assert.equal(ttl({ date, expires: '0' }), 0);
  // max-age wins over Expires.
  assert.equal(ttl({ date, expires: '0', 'cache-control': 'max-age=7' }), 7_000);
});
