import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeCheckRegistration, decodeCheckUpdate } from './decode-check.js';

test('check register: Name required, ID defaults to Name, ServiceID optional', () => {
  const node = decodeCheckRegistration({ Name: 'disk', TTL: '30s', Notes: 'n' });
  assert.equal(node.definition.id, 'disk');
  assert.equal(node.definition.serviceId, undefined);
  assert.equal(node.definition.notes, 'n');
  const owned = decodeCheckRegistration({ ID: 'c1', Name: 'mem', ServiceID: 'web1', TTL: '5s' });
  assert.equal(owned.definition.id, 'c1');
  assert.equal(owned.definition.serviceId, 'web1');
  assert.throws(() => decodeCheckRegistration({ TTL: '5s' }), /^BadRequestError: Name: missing/);
});

test('check update: Status required and valid, Output optional', () => {
  assert.deepEqual(decodeCheckUpdate({ Status: 'warning', Output: 'slow' }), {
    status: 'warning',
    output: 'slow',
  });
  assert.deepEqual(decodeCheckUpdate({ status: 'passing' }), { status: 'passing', output: '' });
  assert.throws(() => decodeCheckUpdate({}), /Status: missing/);
  assert.throws(
    () => decodeCheckUpdate({ Status: 'ok' }),
    /Status: expected passing, warning or critical/,
  );
  assert.throws(
    () => decodeCheckUpdate({ Status: 'passing', Output: 3 }),
    /Output: expected a string/,
  );
});
