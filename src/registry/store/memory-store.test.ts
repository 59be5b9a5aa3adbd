import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryStore } from './memory-store.js';
import { registryStoreContract } from './registry-store.contract.js';

registryStoreContract('MemoryStore', () => new MemoryStore());

test('MemoryStore: two stores share nothing', async () => {
  const a = new MemoryStore();
  const b = new MemoryStore();
  await a.apply([{ op: 'setIndex', index: 3 }]);
  assert.equal((await b.load()).index, 0);
});
