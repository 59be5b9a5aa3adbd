import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { endpointsFromHealth } from './consul-health.js';

interface EntryOptions {
  node?: string;
  nodeAddress?: string;
  address?: string;
  port?: unknown;
  tags?: unknown;
  meta?: unknown;
  weights?: unknown;
  checks?: unknown;
}

function entry(id: string, o: EntryOptions = {}): Record<string, unknown> {
  return {
    Node: { Node: o.node ?? 'n1', Address: o.nodeAddress ?? '10.0.0.1' },
    Service: {
      ID: id,
      Service: 'web',
      Address: o.address ?? '',
      Port: o.port ?? 8080,
      Tags: o.tags ?? [],
      Meta: o.meta ?? {},
      Weights: o.weights ?? { Passing: 1, Warning: 1 },
    },
    Checks: o.checks ?? [{ CheckID: 'serfHealth', Status: 'passing' }],
  };
}

const passing = { passingOnly: true };

describe('endpointsFromHealth', () => {
  test('maps ID, address (service, else node), port, tags, meta and weight; sorted by id', () => {
    const { endpoints, skipped } = endpointsFromHealth(
      [
        entry('web-2', { address: '10.0.0.9', port: 9000, tags: ['v2'], meta: { zone: 'a' } }),
        entry('web-1', { weights: { Passing: 5, Warning: 1 } }),
      ],
      passing,
    );
    assert.deepEqual(skipped, []);
    assert.deepEqual(endpoints, [
      { id: 'web-1', url: 'http://10.0.0.1:8080', weight: 5, tags: [], meta: {} },
      { id: 'web-2', url: 'http://10.0.0.9:9000', weight: 1, tags: ['v2'], meta: { zone: 'a' } },
    ]);
  });

  test('https when tagged "https" or Meta.scheme is https; IPv6 gets brackets', () => {
    const { endpoints } = endpointsFromHealth(
      [
        entry('a', { tags: ['https'], port: 8443 }),
        entry('b', { meta: { scheme: 'https' }, port: 443 }),
        entry('c', { address: '::1', port: 80 }),
      ],
      passing,
    );
    assert.deepEqual(
      endpoints.map((e) => e.url),
      ['https://10.0.0.1:8443', 'https://10.0.0.1', 'http://[::1]'],
    );
  });

  test('critical always dropped; warning dropped when passingOnly, else weighted by Warning', () => {
    const body = [
      entry('ok'),
      entry('warn', {
        weights: { Passing: 10, Warning: 2 },
        checks: [{ Status: 'passing' }, { Status: 'warning' }],
      }),
      entry('down', { checks: [{ Status: 'passing' }, { Status: 'critical' }] }),
      entry('odd', { checks: [{ Status: 'maintenance?' }] }),
    ];
    assert.deepEqual(
      endpointsFromHealth(body, passing).endpoints.map((e) => e.id),
      ['ok'],
    );
    const all = endpointsFromHealth(body, { passingOnly: false }).endpoints;
    assert.deepEqual(
      all.map((e) => [e.id, e.weight]),
      [
        ['ok', 1],
        ['warn', 2],
      ],
    );
  });

  test('tag and meta filters need every tag and every pair', () => {
    const body = [
      entry('a', { tags: ['v2', 'eu'], meta: { tier: 'gold', zone: 'x' } }),
      entry('b', { tags: ['v2'], meta: { tier: 'gold' } }),
      entry('c', { tags: ['eu'], meta: { tier: 'silver' } }),
    ];
    const ids = (f: object) =>
      endpointsFromHealth(body, { passingOnly: true, ...f }).endpoints.map((e) => e.id);
    assert.deepEqual(ids({ tags: ['v2', 'eu'] }), ['a']);
    assert.deepEqual(ids({ tags: ['v2'] }), ['a', 'b']);
    assert.deepEqual(ids({ meta: { tier: 'gold' } }), ['a', 'b']);
    assert.deepEqual(ids({ meta: { tier: 'gold', zone: 'x' } }), ['a']);
  });

  test('an ID used on two nodes becomes <node>/<id>', () => {
    const { endpoints } = endpointsFromHealth(
      [entry('web', { node: 'n2', nodeAddress: '10.0.0.2' }), entry('web'), entry('api')],
      passing,
    );
    assert.deepEqual(
      endpoints.map((e) => [e.id, e.url]),
      [
        ['api', 'http://10.0.0.1:8080'],
        ['n1/web', 'http://10.0.0.1:8080'],
        ['n2/web', 'http://10.0.0.2:8080'],
      ],
    );
  });

  test('Go nulls (Tags, Meta, Checks) read as empty', () => {
    const e = entry('a');
    const service = e.Service as Record<string, unknown>;
    service.Tags = null;
    service.Meta = null;
    e.Checks = null;
    assert.deepEqual(endpointsFromHealth([e], passing).endpoints[0]?.tags, []);
  });

  test('unusable instances are skipped with a reason, the rest is kept', () => {
    const { endpoints, skipped } = endpointsFromHealth(
      [
        entry('ok'),
        entry('noport', { port: 0 }),
        entry('strport', { port: '80' }),
        entry('noaddr', { nodeAddress: '' }),
        entry('path', { address: 'host/x' }),
      ],
      passing,
    );
    assert.deepEqual(
      endpoints.map((e) => e.id),
      ['ok'],
    );
    assert.equal(skipped.length, 4);
    assert.match(skipped.join('\n'), /noport: Service.Port 0/);
    assert.match(skipped.join('\n'), /noaddr: neither Service.Address nor Node.Address/);
  });

  test('malformed answers throw SY_DISCOVERY_BAD_ANSWER naming the problem', () => {
    const cases: [unknown, RegExp][] = [
      [{ error: 'x' }, /expected a JSON array of health entries, got an object/],
      ['<html>', /got a string/],
      [null, /got null/],
      [[42], /entry \[0\] is a number/],
      [[{ Node: {} }], /entry \[0\] has no Service object/],
      [[{ Service: { Port: 1 } }], /entry \[0\] has no Service.ID/],
      [[entry('a', { tags: 'v2' })], /Service.Tags is not an array of strings/],
      [[entry('a', { meta: { n: 1 } })], /Service.Meta is not an object of strings/],
      [[entry('a', { checks: {} })], /Checks is an object/],
    ];
    for (const [body, message] of cases) {
      assert.throws(
        () => endpointsFromHealth(body, passing),
        (e: Error & { code?: string }) =>
          e.code === 'SY_DISCOVERY_BAD_ANSWER' && message.test(e.message),
        String(message),
      );
    }
  });
});
