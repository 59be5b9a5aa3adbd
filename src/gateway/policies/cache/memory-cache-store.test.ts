import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CachedResponse } from './cached-response.js';
import { MemoryCacheStore } from './memory-cache-store.js';

function entry(bodyBytes: number, expiresAt = 1e12): CachedResponse {
  return { status: 200, headers: [], body: Buffer.alloc(bodyBytes), storedAt: 0, expiresAt };
}

test('evicts the least recently used past maxEntries; a hit refreshes recency', () => {
  const store = new MemoryCacheStore({ maxEntries: 3, maxTotalBytes: 1 << 30 });
  store.set('a', entry(1));
  store.set('b', entry(1));
  store.set('c', entry(1));
  assert.ok(store.get('a', 0)); // a is now most recent
  store.set('d', entry(1));
  assert.equal(store.get('b', 0), undefined);
  assert.ok(store.get('a', 0));
  assert.ok(store.get('c', 0));
  assert.ok(store.get('d', 0));
  assert.equal(store.size, 3);
});

test('many keys stay within the byte bound, accounting stays exact', () => {
  const max = 1 << 20;
  const store = new MemoryCacheStore({ maxEntries: 1_000_000, maxTotalBytes: max });
  for (let i = 0; i < 20_000; i++) {
    store.set(`key-${i}`, entry(i % 2000));
    assert.ok(store.bytes <= max);
  }
  assert.ok(store.size > 100 && store.size < 20_000);
  // The newest survived, the oldest went.
  assert.ok(store.get('key-19999', 0));
  assert.equal(store.get('key-0', 0), undefined);
  // Replacing and deleting keep the count exact.
  store.set('key-19999', entry(10));
  store.delete('key-19998');
  store.clear();
  assert.equal(store.bytes, 0);
  assert.equal(store.size, 0);
});

test('an entry larger than the whole budget is refused', () => {
  const store = new MemoryCacheStore({ maxEntries: 10, maxTotalBytes: 1000 });
  assert.equal(store.set('big', entry(5000)), false);
  assert.equal(store.size, 0);
  assert.equal(store.bytes, 0);
});

test('an expired entry is a miss and is dropped', () => {
  const store = new MemoryCacheStore({ maxEntries: 10, maxTotalBytes: 1 << 20 });
  store.set('k', entry(10, 1000));
  assert.ok(store.get('k', 999));
  assert.equal(store.get('k', 1000), undefined);
  assert.equal(store.size, 0);
  assert.equal(store.bytes, 0);
});
