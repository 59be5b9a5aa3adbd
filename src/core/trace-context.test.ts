import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  childTraceparent,
  formatTraceparent,
  newSpanId,
  newTraceId,
  newRequestId,
  nextTraceparent,
  parseTraceparent,
  traceparentAfter,
} from './trace-context.js';

test('ids are lower-case hex of the right length, never all zero, and differ', () => {
  const spans = new Set<string>();
  for (let i = 0; i < 2_000; i++) {
    const span = newSpanId();
    assert.match(span, /^[0-9a-f]{16}$/);
    assert.notEqual(span, '0'.repeat(16));
    spans.add(span);
  }
  assert.equal(spans.size, 2_000, 'crossing the 4 KiB pool refill keeps ids unique');
  assert.match(newTraceId(), /^[0-9a-f]{32}$/);
});

test('parseTraceparent keeps the trace id and flags; rejects what the spec rejects', () => {
  const ok = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  assert.deepEqual(parseTraceparent(ok), {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    flags: '01',
  });
  assert.deepEqual(parseTraceparent(` ${ok.replace(/-01$/, '-00')} `)?.flags, '00');
  // a future version may append fields
  assert.ok(parseTraceparent('01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra'));
  for (const bad of [
    undefined,
    '',
    'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
    '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
    '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01',
    '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra',
    '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01',
  ]) {
    assert.equal(parseTraceparent(bad), undefined, String(bad));
  }
  assert.equal(
    formatTraceparent('a'.repeat(32), 'b'.repeat(16), '01'),
    `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`,
  );
});

test('childTraceparent keeps the trace and flags and draws a new span each time', () => {
  const trace = newTraceId();
  const seen = new Set<string>();
  for (let i = 0; i < 600; i++) {
    const value = childTraceparent(trace, '00');
    const parsed = /^00-([0-9a-f]{32})-([0-9a-f]{16})-00$/.exec(value);
    assert.ok(parsed, value);
    assert.equal(parsed[1], trace);
    seen.add(parsed[2]!);
  }
  assert.equal(seen.size, 600);
});

test('traceparentAfter continues a valid parent with a new span and starts a sampled trace otherwise', () => {
  const parent = parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00');
  const next = traceparentAfter(parent);
  assert.match(next, /^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-00$/);
  assert.notEqual(next.slice(36, 52), '00f067aa0ba902b7');
  assert.match(nextTraceparent('garbage'), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  assert.match(newRequestId(), /^[0-9a-f]{32}$/);
});
