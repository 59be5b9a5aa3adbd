import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from './clock.js';
import { DeadlineQueue } from './deadline-queue.js';

class Item {
  settled = false;
  expired = false;
  constructor(readonly deadline: number) {}
  expire() {
    this.expired = true;
  }
}

describe('DeadlineQueue', () => {
  test('expires only unsettled items, each at its own deadline', () => {
    const clock = new ManualClock();
    const q = new DeadlineQueue<Item>(clock);
    const a = new Item(10);
    const b = new Item(20);
    const c = new Item(30);
    [a, b, c].forEach((i) => q.add(i));
    b.settled = true;
    clock.advance(10);
    assert.deepEqual([a.expired, b.expired, c.expired], [true, false, false]);
    clock.advance(20);
    assert.deepEqual([a.expired, b.expired, c.expired], [true, false, true]);
    assert.equal(q.size, 0);
    assert.equal(clock.pendingTimers, 0);
  });

  test('settled items behind one stuck item are compacted, keeping memory bounded', () => {
    const clock = new ManualClock();
    const q = new DeadlineQueue<Item>(clock);
    const stuck = new Item(1_000_000);
    q.add(stuck);
    for (let i = 0; i < 100_000; i++) {
      const item = new Item(1_000_000);
      q.add(item);
      item.settled = true;
    }
    assert.ok(q.size <= 130, `size ${q.size}`);
    clock.advance(1_000_000);
    assert.equal(stuck.expired, true);
    assert.equal(q.size, 0);
  });
});
