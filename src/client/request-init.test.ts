import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { emptyRequest, prepareRequest, type ServiceFetchInit } from './request-init.js';

const prepare = (init?: ServiceFetchInit) => prepareRequest(init, emptyRequest());

test('headers from an object, a Headers or pairs; traceparent is taken out; the key is added', () => {
  const tp = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  for (const headers of [
    { 'X-A': '1', TraceParent: tp },
    new Headers({ 'x-a': '1', traceparent: tp }),
    [
      ['x-a', '1'],
      ['traceparent', tp],
    ] as [string, string][],
  ]) {
    const r = prepare({ method: 'post', headers, idempotencyKey: 'k' });
    assert.equal(r.method, 'POST');
    assert.deepEqual(
      r.headers.map((h) => h.toLowerCase()),
      ['x-a', '1', 'idempotency-key', 'k'],
    );
    assert.equal(r.traceparent, tp);
  }
  const none = prepare(undefined);
  assert.deepEqual(
    [none.method, none.headers, none.body, none.replayable, none.traceparent],
    ['GET', [], null, true, undefined],
  );
});

test('bodies: replayable ones are kept or converted; streams are sent once', () => {
  const form = prepare({ method: 'POST', body: new URLSearchParams({ a: '1' }) });
  assert.equal(form.body, 'a=1');
  assert.deepEqual(form.headers, [
    'content-type',
    'application/x-www-form-urlencoded;charset=UTF-8',
  ]);
  const buffer = prepare({ method: 'PUT', body: new Uint16Array([1]).buffer });
  assert.ok(buffer.body instanceof Uint8Array && buffer.replayable);
  const view = prepare({ method: 'PUT', body: new DataView(new ArrayBuffer(4), 1, 2) });
  assert.equal((view.body as Uint8Array).byteLength, 2);
  assert.equal(prepare({ method: 'PUT', body: Readable.from(['x']) }).replayable, false);
  assert.equal(prepare({ method: 'PUT', body: new Blob(['x']) }).replayable, true);
});

test('bad input is a TypeError', () => {
  assert.throws(() => prepare({ method: 'GE T' }), TypeError);
  assert.throws(() => prepare({ method: 'CONNECT' }), TypeError);
  assert.throws(() => prepare({ idempotencyKey: '' }), TypeError);
  assert.throws(() => prepare({ body: 42 as never }), TypeError);
});
