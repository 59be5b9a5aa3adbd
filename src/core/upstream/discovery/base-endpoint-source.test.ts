import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../../resilience/clock.js';
import { createLogger } from '../../logger.js';
import type { EndpointSpec } from '../endpoint.js';
import { BaseEndpointSource } from './base-endpoint-source.js';
import { sameEndpoints } from './endpoint-source.js';
import { QueryPacer } from './query-pacer.js';
import { staticSource } from './static-source.js';

class TestSource extends BaseEndpointSource {
  stopped = 0;
  readonly lines: string[];
  constructor() {
    const lines: string[] = [];
    super(createLogger('test', 'debug', (line) => lines.push(line)));
    this.lines = lines;
  }
  push(list: EndpointSpec[], index?: string): void {
    this.accept(list, index);
  }
  fail(message: string): void {
    this.reject(message);
  }
  protected stop(): void {
    this.stopped++;
  }
}

const A: EndpointSpec = { id: 'a', url: 'http://10.0.0.1:80', weight: 1, tags: ['x'], meta: {} };
const B: EndpointSpec = { id: 'b', url: 'http://10.0.0.2:80' };

describe('BaseEndpointSource', () => {
  test('listeners hear changes only; identical lists are not re-announced', () => {
    const s = new TestSource();
    const seen: string[][] = [];
    s.onUpdate((list) => seen.push(list.map((e) => e.id)));
    s.push([A]);
    s.push([{ ...A, tags: ['x'] }]); // equal content, new objects
    s.push([A, B]);
    s.push([A, { ...B, weight: 2 }]);
    assert.deepEqual(seen, [['a'], ['a', 'b'], ['a', 'b']]);
    assert.equal(s.status().state, 'ok');
  });

  test('a failure keeps the list, marks stale with lastError; success clears it', () => {
    const s = new TestSource();
    s.push([A], '7');
    s.fail('registry down');
    assert.deepEqual(s.current(), [A]);
    assert.equal(s.status().state, 'stale');
    assert.equal(s.status().lastError, 'registry down');
    assert.equal(s.status().index, '7');
    s.fail('registry down'); // the same error again is not logged again
    assert.equal(s.lines.filter((l) => l.includes('read failed')).length, 1);
    s.push([A], '8');
    assert.deepEqual(s.status().state, 'ok');
    assert.equal(s.status().lastError, undefined);
    assert.ok(s.lines.some((l) => l.includes('recovered')));
  });

  test('ready: true at first read, false on timeout or close; close is idempotent', async () => {
    const s = new TestSource();
    const early = s.ready();
    assert.equal(await s.ready(1), false);
    s.push([]);
    assert.equal(await early, true);
    assert.equal(await s.ready(), true);
    const t = new TestSource();
    const pending = t.ready();
    t.close();
    t.close();
    assert.equal(await pending, false);
    assert.equal(t.stopped, 1);
    t.push([A]); // after close: ignored
    assert.equal(t.current(), undefined);
  });

  test('a throwing listener is logged and does not stop the others; disposers work', () => {
    const s = new TestSource();
    let calls = 0;
    s.onUpdate(() => {
      throw new Error('boom');
    });
    const dispose = s.onUpdate(() => calls++);
    s.push([A]);
    dispose();
    s.push([B]);
    assert.equal(calls, 1);
    assert.ok(s.lines.some((l) => l.includes('listener threw')));
  });
});

describe('staticSource', () => {
  test('ready at once, sorted, ok; rejects duplicate ids', async () => {
    const s = staticSource([B, A]);
    assert.equal(await s.ready(0), true);
    assert.deepEqual(
      s.current()?.map((e) => e.id),
      ['a', 'b'],
    );
    assert.equal(s.status().state, 'ok');
    s.close();
    assert.throws(() => staticSource([A, A]), { code: 'SY_DISCOVERY_INVALID_OPTION' });
  });
});

describe('sameEndpoints', () => {
  test('compares id, url, weight (default 1), tags and meta', () => {
    assert.ok(sameEndpoints([{ ...B, weight: 1 }], [B]));
    assert.ok(!sameEndpoints([A], [{ ...A, meta: { k: 'v' } }]));
    assert.ok(!sameEndpoints([A], [{ ...A, tags: [] }]));
    assert.ok(!sameEndpoints([A], [A, B]));
  });
});

describe('QueryPacer', () => {
  test('a burst of 2 passes at once, then one query per interval', () => {
    const clock = new ManualClock();
    const pacer = new QueryPacer(clock, 2, 200);
    assert.equal(pacer.take(), 0);
    assert.equal(pacer.take(), 0);
    assert.equal(pacer.take(), 200);
    clock.advance(200);
    assert.equal(pacer.take(), 200);
    clock.advance(1_000);
    assert.equal(pacer.take(), 0);
  });
});
