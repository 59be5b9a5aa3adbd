import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WatchHub, type Change } from './watch-hub.js';

describe('WatchHub', () => {
  test("a topic watcher is never even offered another topic's change", () => {
    const hub = new WatchHub();
    let offered = 0;
    const seen: Change[] = [];
    hub.subscribe(
      (c) => (offered++, c.kind !== 'kv'),
      (c) => seen.push(c),
      'service:web',
    );
    hub.publish({ kind: 'service', name: 'db', index: 2 });
    hub.publish({ kind: 'kv', key: 'a', index: 3 });
    assert.equal(offered, 0);
    hub.publish({ kind: 'service', name: 'web', index: 4 });
    hub.publish({ kind: 'node', index: 5 }); // node checks concern every service
    assert.deepEqual(
      seen.map((c) => c.index),
      [4, 5],
    );
  });

  test('watchers without a topic see every change; unsubscribe is exact and idempotent', () => {
    const hub = new WatchHub();
    const seen: number[] = [];
    const stop = hub.subscribe(
      () => true,
      (c) => seen.push(c.index),
    );
    const stopTopic = hub.subscribe(
      () => true,
      () => {},
      'kv',
    );
    assert.equal(hub.size, 2);
    hub.publish({ kind: 'kv', key: 'a', index: 7 });
    stop();
    stop();
    stopTopic();
    assert.equal(hub.size, 0);
    hub.publish({ kind: 'kv', key: 'a', index: 8 });
    assert.deepEqual(seen, [7]);
  });

  test('a listener may unsubscribe others while a change is being delivered', () => {
    const hub = new WatchHub();
    const calls: string[] = [];
    let stopB = () => {};
    hub.subscribe(
      () => true,
      () => (calls.push('a'), stopB()),
      'kv',
    );
    stopB = hub.subscribe(
      () => true,
      () => calls.push('b'),
      'kv',
    );
    hub.publish({ kind: 'kv', key: 'x', index: 2 });
    hub.publish({ kind: 'kv', key: 'x', index: 3 });
    assert.deepEqual(calls, ['a', 'b', 'a']);
  });
});
