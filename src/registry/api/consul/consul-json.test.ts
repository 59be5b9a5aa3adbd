import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CheckState, ServiceInstance } from '../../catalog/model.js';
import { encodeCheck, encodeService, kvEntryJson } from './consul-json.js';

const service: ServiceInstance = {
  id: 'web1',
  name: 'web',
  address: '10.0.0.1',
  port: 80,
  tags: ['a'],
  meta: {},
  weights: { passing: 1, warning: 1 },
  enableTagOverride: false,
  createIndex: 5,
  modifyIndex: 6,
};

test('KV entries keep uint64 flags exact and show an empty value as null', () => {
  const json = kvEntryJson({
    key: 'a/"b"',
    value: new Uint8Array(0),
    flags: '18446744073709551615',
    createIndex: 3,
    modifyIndex: 4,
    lockIndex: 0,
  });
  assert.match(json, /"Flags":18446744073709551615,/);
  const parsed = JSON.parse(json);
  assert.equal(parsed.Key, 'a/"b"');
  assert.equal(parsed.Value, null);
  const withValue = JSON.parse(
    kvEntryJson({
      key: 'k',
      value: Buffer.from('hi'),
      flags: '7',
      createIndex: 1,
      modifyIndex: 1,
      lockIndex: 0,
    }),
  );
  assert.equal(withValue.Value, Buffer.from('hi').toString('base64'));
  assert.equal(withValue.Flags, 7);
});

test('a service with an IP address gets lan/wan tagged addresses; a hostname does not', () => {
  assert.deepEqual(encodeService(service).TaggedAddresses, {
    lan_ipv4: { Address: '10.0.0.1', Port: 80 },
    wan_ipv4: { Address: '10.0.0.1', Port: 80 },
  });
  assert.equal(encodeService({ ...service, address: 'web.local' }).TaggedAddresses, undefined);
  assert.ok(encodeService({ ...service, address: '::1' }).TaggedAddresses);
});

test('checks show Go durations and their definition', () => {
  const check: CheckState = {
    definition: {
      id: 'service:web1',
      name: "Service 'web' check",
      serviceId: 'web1',
      notes: '',
      type: 'http',
      http: 'http://10.0.0.1/health',
      intervalMs: 90_000,
      timeoutMs: 1000,
      successBeforePassing: 0,
      failuresBeforeCritical: 0,
    },
    status: 'critical',
    output: '',
    createIndex: 5,
    modifyIndex: 5,
  };
  const json = encodeCheck(check, 'node-1', service);
  assert.equal(json.Interval, '1m30s');
  assert.equal(json.Timeout, '1s');
  assert.equal(json.ServiceName, 'web');
  assert.deepEqual(json.ServiceTags, ['a']);
  assert.deepEqual(json.Definition, {
    HTTP: 'http://10.0.0.1/health',
    Interval: '1m30s',
    Timeout: '1s',
  });
});
