import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addrLabel, parseDnsName } from './dns-name.js';

const ZONE = ['consul'];
const parse = (name: string) => parseDnsName(name, ZONE, 'dc1');

test('service names: plain, tagged, RFC 2782, with and without a datacenter', () => {
  assert.deepEqual(parse('web.service.consul'), { kind: 'service', name: 'web', tag: undefined });
  assert.deepEqual(parse('v1.web.service.consul'), { kind: 'service', name: 'web', tag: 'v1' });
  assert.deepEqual(parse('_web._v1.service.consul'), { kind: 'service', name: 'web', tag: 'v1' });
  assert.deepEqual(parse('_web._TCP.service.consul'), {
    kind: 'service',
    name: 'web',
    tag: undefined,
  });
  assert.deepEqual(parse('Web.SERVICE.dc1.DC.consul'), {
    kind: 'service',
    name: 'Web',
    tag: undefined,
  });
  assert.deepEqual(parse('web.service.DC1.consul'), {
    kind: 'service',
    name: 'web',
    tag: undefined,
  });
});

test('outside, apex and unknown names', () => {
  assert.equal(parse('example.com').kind, 'outside');
  assert.equal(parse('.').kind, 'outside');
  assert.equal(parse('web.service.xconsul').kind, 'outside');
  assert.equal(parse('CONSUL').kind, 'apex');
  for (const name of [
    'service.consul',
    'a.b.web.service.consul',
    'web.service.dc2.consul',
    'web.service.dc2.dc.consul',
    'web.services.consul',
    '_._tcp.service.consul',
    'x.y.node.consul',
    'zz.addr.consul',
  ]) {
    assert.equal(parse(name).kind, 'unknown', name);
  }
});

test('a multi-label domain is matched label by label', () => {
  const zone = ['registry', 'internal'];
  assert.equal(parseDnsName('web.service.registry.internal', zone, 'dc1').kind, 'service');
  assert.equal(parseDnsName('web.service.internal', zone, 'dc1').kind, 'outside');
});

test('node and addr names; addrLabel round-trips through them', () => {
  assert.deepEqual(parse('node1.node.dc1.consul'), { kind: 'node', name: 'node1' });
  for (const [address, family, canonical] of [
    ['10.0.0.255', 4, '10.0.0.255'],
    ['2001:db8::4', 6, '2001:0db8:0000:0000:0000:0000:0000:0004'],
    ['::1', 6, '0000:0000:0000:0000:0000:0000:0000:0001'],
    ['fe80::1%eth0', 6, 'fe80:0000:0000:0000:0000:0000:0000:0001'],
    ['::ffff:192.0.2.1', 6, '0000:0000:0000:0000:0000:ffff:c000:0201'],
    ['1:2:3:4:5:6:7:8', 6, '0001:0002:0003:0004:0005:0006:0007:0008'],
  ] as const) {
    const label = addrLabel(address, family);
    assert.deepEqual(parse(`${label}.addr.dc1.consul`), {
      kind: 'addr',
      family,
      address: canonical,
    });
  }
  assert.equal(addrLabel('10.0.0.1', 4), '0a000001');
});
