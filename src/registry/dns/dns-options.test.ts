import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileDnsOptions } from './dns-options.js';

test('defaults are Consul-like', () => {
  const o = compileDnsOptions();
  assert.equal(o.domain, 'consul');
  assert.deepEqual(o.domainLabels, ['consul']);
  assert.equal(o.ttl, 0);
  assert.equal(o.soaMinTtl, 0);
  assert.equal(o.onlyPassing, false);
  assert.equal(o.maxUdpPayload, 4096);
});

test('the domain is canonicalized', () => {
  assert.deepEqual(compileDnsOptions({ domain: '.Reg.Example.' }).domainLabels, ['reg', 'example']);
});

test('bad or unknown options throw SY_REG_DNS_INVALID_OPTION naming the option', () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ domain: '' }, 'domain'],
    [{ domain: 'a..b' }, 'domain'],
    [{ domain: 'bad_label-.' }, 'domain'],
    [{ ttl: -1 }, 'ttl'],
    [{ ttl: 1.5 }, 'ttl'],
    [{ soaMinTtl: '5' }, 'soaMinTtl'],
    [{ onlyPassing: 'yes' }, 'onlyPassing'],
    [{ maxUdpPayload: 100 }, 'maxUdpPayload'],
    [{ random: 4 }, 'random'],
    [{ tll: 5 }, 'tll'],
  ];
  for (const [options, option] of cases) {
    assert.throws(
      () => compileDnsOptions(options),
      (error: { code?: string; details?: { option?: string } }) =>
        error.code === 'SY_REG_DNS_INVALID_OPTION' && error.details?.option === option,
      JSON.stringify(options),
    );
  }
});

test('extra keys are accepted only when the caller names them', () => {
  assert.doesNotThrow(() => compileDnsOptions({ port: 1 } as object, new Set(['port'])));
});
