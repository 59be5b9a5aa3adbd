import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeServiceRegistration } from './decode-service.js';

/** Asserts `fn` throws a 400 whose message matches `message`. */
function rejects400(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (error: Error & { status?: number; code?: string }) => {
    assert.equal(error.status, 400);
    assert.equal(error.code, 'SY_REG_BAD_REQUEST');
    assert.match(error.message, message);
    return true;
  });
}

test('a full Consul registration decodes to the model, with defaults filled', () => {
  const { spec, checks } = decodeServiceRegistration({
    Name: 'web',
    ID: 'web1',
    Tags: ['a', 'b'],
    Meta: { v: '1' },
    Address: '10.0.0.1',
    Port: 80,
    Check: {
      HTTP: 'http://10.0.0.1/health',
      Interval: '10s',
      Timeout: '1s',
      DeregisterCriticalServiceAfter: '1m',
    },
  });
  assert.deepEqual(spec, {
    id: 'web1',
    name: 'web',
    address: '10.0.0.1',
    port: 80,
    tags: ['a', 'b'],
    meta: { v: '1' },
    weights: { passing: 1, warning: 1 },
    enableTagOverride: false,
  });
  assert.equal(checks.length, 1);
  const d = checks[0]!.definition;
  assert.equal(d.id, 'service:web1');
  assert.equal(d.name, "Service 'web' check");
  assert.equal(d.serviceId, 'web1');
  assert.equal(d.type, 'http');
  assert.equal(d.http, 'http://10.0.0.1/health');
  assert.equal(d.intervalMs, 10_000);
  assert.equal(d.timeoutMs, 1000);
  assert.equal(d.deregisterCriticalAfterMs, 60_000);
  assert.equal(checks[0]!.status, undefined, 'no Status: the catalog starts it critical');
});

test('keys match case-insensitively and with or without underscores', () => {
  const { spec, checks } = decodeServiceRegistration({
    name: 'api',
    id: 'api-1',
    port: 9000,
    enable_tag_override: true,
    check: { ttl: '15s', deregister_critical_service_after: '90s', status: 'passing' },
  });
  assert.equal(spec.id, 'api-1');
  assert.equal(spec.port, 9000);
  assert.equal(spec.enableTagOverride, true);
  assert.equal(checks[0]!.definition.ttlMs, 15_000);
  assert.equal(checks[0]!.definition.deregisterCriticalAfterMs, 90_000);
  assert.equal(checks[0]!.status, 'passing');
});

test('ID defaults to Name; several checks get numbered IDs, explicit CheckIDs are kept', () => {
  const { spec, checks } = decodeServiceRegistration({
    Name: 'db',
    Check: { TTL: '5s' },
    Checks: [
      { TCP: '127.0.0.1:5432', Interval: '5s' },
      { CheckID: 'mine', Name: 'Mine', TTL: '1m' },
    ],
  });
  assert.equal(spec.id, 'db');
  assert.deepEqual(
    checks.map((c) => c.definition.id),
    ['service:db:1', 'service:db:2', 'mine'],
  );
  assert.equal(checks[2]!.definition.name, 'Mine');
  assert.equal(checks[1]!.definition.tcp, '127.0.0.1:5432');
});

test('wrong types and missing fields are 400s naming the field', () => {
  rejects400(() => decodeServiceRegistration({ Port: 80 }), /^Name: missing/);
  rejects400(() => decodeServiceRegistration({ Name: '' }), /^Name: missing/);
  rejects400(
    () => decodeServiceRegistration({ Name: 'x', Port: '80' }),
    /^Port: expected an integer from 0 to 65535, got string "80"/,
  );
  rejects400(() => decodeServiceRegistration({ Name: 'x', Port: -1 }), /^Port: .*number -1/);
  rejects400(() => decodeServiceRegistration({ Name: 'x', Port: 65536 }), /^Port:/);
  rejects400(() => decodeServiceRegistration({ Name: 'x', Port: 80.5 }), /^Port:/);
  rejects400(
    () => decodeServiceRegistration({ Name: 'x', Tags: 'a' }),
    /^Tags: expected an array of strings, got string "a"/,
  );
  rejects400(
    () => decodeServiceRegistration({ Name: 'x', Tags: ['a', 1] }),
    /^Tags\[1\]: expected a string/,
  );
  rejects400(
    () => decodeServiceRegistration({ Name: 5 }),
    /^Name: expected a string, got number 5/,
  );
  rejects400(
    () => decodeServiceRegistration({ Name: 'a\u0000b' }),
    /^Name: must not contain control/,
  );
  rejects400(() => decodeServiceRegistration({ Name: 'x'.repeat(300) }), /^Name: too long/);
  rejects400(
    () => decodeServiceRegistration([]),
    /^Request body: expected a JSON object, got an array/,
  );
  rejects400(() => decodeServiceRegistration('x'), /^Request body: expected a JSON object/);
  rejects400(() => decodeServiceRegistration({ Name: 'x', name: 'y' }), /given twice/);
  rejects400(
    () => decodeServiceRegistration({ Name: 'x', Weights: { Passing: 0 } }),
    /^Weights.Passing:/,
  );
});

test('Meta follows Consul limits', () => {
  rejects400(
    () => decodeServiceRegistration({ Name: 'x', Meta: { a: 1 } }),
    /^Meta.a: expected a string/,
  );
  rejects400(() => decodeServiceRegistration({ Name: 'x', Meta: { 'consul-x': 'y' } }), /reserved/);
  rejects400(() => decodeServiceRegistration({ Name: 'x', Meta: { 'a b': 'y' } }), /A-Z a-z 0-9/);
  rejects400(
    () => decodeServiceRegistration({ Name: 'x', Meta: { a: 'v'.repeat(513) } }),
    /value longer than 512/,
  );
  const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']));
  rejects400(() => decodeServiceRegistration({ Name: 'x', Meta: many }), /too many pairs/);
  // __proto__ is an ordinary key here, never a prototype change.
  const { spec } = decodeServiceRegistration(JSON.parse('{"Name":"x","Meta":{"__proto__":"v"}}'));
  assert.equal(Object.getPrototypeOf(spec.meta), Object.prototype);
  assert.deepEqual(Object.keys(spec.meta), ['__proto__']);
});

test('check problems are 400s naming the check path', () => {
  rejects400(() => decodeServiceRegistration({ Name: 'x', Check: {} }), /^Check: needs TTL/);
  rejects400(
    () => decodeServiceRegistration({ Name: 'x', Check: { HTTP: 'http://a/' } }),
    /^Check.Interval: required for HTTP/,
  );
  rejects400(
    () => decodeServiceRegistration({ Name: 'x', Check: { TTL: 'soon' } }),
    /^Check.TTL: expected a duration/,
  );
  rejects400(
    () => decodeServiceRegistration({ Name: 'x', Check: { TTL: '0s' } }),
    /^Check.TTL: must be a duration above 0/,
  );
  rejects400(
    () => decodeServiceRegistration({ Name: 'x', Check: { TTL: '5s', HTTP: 'http://a/' } }),
    /only one of TTL, HTTP/,
  );
  rejects400(
    () =>
      decodeServiceRegistration({
        Name: 'x',
        Checks: [{ TTL: '5s' }, { HTTP: 'ftp://a', Interval: '1s' }],
      }),
    /^Checks\[1\].HTTP: expected an http/,
  );
  rejects400(
    () => decodeServiceRegistration({ Name: 'x', Check: { TCP: 'nohost', Interval: '1s' } }),
    /^Check.TCP: expected host:port/,
  );
  rejects400(
    () => decodeServiceRegistration({ Name: 'x', Check: { Args: ['/bin/sh'], Interval: '1s' } }),
    /^Check.Args: not supported/,
  );
  rejects400(
    () => decodeServiceRegistration({ Name: 'x', Check: { TTL: '5s', Status: 'ok' } }),
    /^Check.Status: expected passing, warning or critical/,
  );
  rejects400(
    () =>
      decodeServiceRegistration({ Name: 'x', Check: { TTL: '5s', FailuresBeforeCritical: -1 } }),
    /^Check.FailuresBeforeCritical:/,
  );
  rejects400(
    () =>
      decodeServiceRegistration({
        Name: 'x',
        Checks: [
          { CheckID: 'a', TTL: '5s' },
          { CheckID: 'a', TTL: '5s' },
        ],
      }),
    /duplicate CheckID/,
  );
  rejects400(
    () => decodeServiceRegistration({ Name: 'x', Checks: { TTL: '5s' } }),
    /^Checks: expected an array of objects/,
  );
});

test('durations may be Go strings or, as in Consul, nanosecond numbers; tiny intervals are clamped', () => {
  const { checks } = decodeServiceRegistration({
    Name: 'x',
    Checks: [
      { TTL: 10_000_000_000 },
      {
        HTTP: 'https://[::1]:8443/h',
        Interval: '1ms',
        Header: { 'X-A': 'one', 'X-B': ['1', '2'] },
        Method: 'head',
      },
      { TCP: '[::1]:5432', Interval: '2s', SuccessBeforePassing: 2, FailuresBeforeCritical: 3 },
    ],
  });
  assert.equal(checks[0]!.definition.ttlMs, 10_000);
  assert.equal(checks[1]!.definition.intervalMs, 100);
  assert.deepEqual(checks[1]!.definition.header, { 'X-A': ['one'], 'X-B': ['1', '2'] });
  assert.equal(checks[1]!.definition.method, 'HEAD');
  assert.equal(checks[2]!.definition.successBeforePassing, 2);
  assert.equal(checks[2]!.definition.failuresBeforeCritical, 3);
});
