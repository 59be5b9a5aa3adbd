import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { apiKeyAuth, type ApiKeyAuthOptions } from './api-key-auth.js';
import { fakeContext } from '../../../../test/helpers/policy-context.js';

const consumers = [
  { name: 'partner-a', keys: ['key-a-1', 'key-a-2'] },
  { name: 'partner-b', keys: ['key-b'] },
];

describe('apiKeyAuth', () => {
  test('a known key in the header admits and names the consumer', async () => {
    const policy = apiKeyAuth({ consumers });
    assert.deepEqual(policy.ownedHeaders, ['x-consumer']);
    for (const [key, name] of [
      ['key-a-2', 'partner-a'],
      ['key-b', 'partner-b'],
    ] as const) {
      const ctx = fakeContext({ 'x-api-key': key });
      assert.equal(await policy.apply(ctx), undefined);
      assert.equal(ctx.consumer, name);
      assert.deepEqual(ctx.upstreamHeaders, [['x-consumer', name]]);
    }
  });

  test('missing, unknown, near-miss, huge and empty keys are 401 SY_GW_AUTH_INVALID', async () => {
    const policy = apiKeyAuth({ consumers, header: 'X-Key' });
    const cases: Record<string, string>[] = [
      {},
      { 'x-key': 'nope' },
      { 'x-key': 'key-a-' },
      { 'x-key': 'key-a-10' },
      { 'x-key': 'KEY-B' },
      { 'x-key': 'k'.repeat(100_000) },
      { 'x-key': '' },
      { 'x-api-key': 'key-b' }, // the default header is not read when another is configured
    ];
    for (const headers of cases) {
      const ctx = fakeContext(headers);
      const answer = await policy.apply(ctx);
      assert.equal(answer?.status, 401, JSON.stringify(headers).slice(0, 50));
      assert.equal(answer.body.code, 'SY_GW_AUTH_INVALID');
      assert.equal(answer.headers?.['www-authenticate'], 'Key realm="switchyard"');
      assert.equal(ctx.consumer, undefined);
      assert.deepEqual(ctx.upstreamHeaders, []);
    }
  });

  test('query parameter only when configured; the header wins', async () => {
    const off = apiKeyAuth({ consumers });
    assert.equal((await off.apply(fakeContext({}, '/x?apikey=key-b')))?.status, 401);
    const on = apiKeyAuth({ consumers, query: 'apikey' });
    const ctx = fakeContext({}, '/x?a=1&apikey=key-b');
    assert.equal(await on.apply(ctx), undefined);
    assert.equal(ctx.consumer, 'partner-b');
    const both = fakeContext({ 'x-api-key': 'key-a-1' }, '/x?apikey=key-b');
    assert.equal(await on.apply(both), undefined);
    assert.equal(both.consumer, 'partner-a');
    assert.equal((await on.apply(fakeContext({}, '/x?apikey=bad')))?.status, 401);
  });

  test('bad options throw SY_GW_AUTH_INVALID_OPTION', () => {
    const bad: ApiKeyAuthOptions[] = [
      { consumers: [] },
      {
        consumers: [
          { name: 'a', keys: ['k'] },
          { name: 'b', keys: ['k'] },
        ],
      },
      { consumers: [{ name: 'a', keys: [''] }] },
      { consumers: [{ name: 'bad name', keys: ['k'] }] },
      { consumers, header: 'bad header' },
      { consumers, query: '' },
    ];
    for (const options of bad)
      assert.throws(() => apiKeyAuth(options), { code: 'SY_GW_AUTH_INVALID_OPTION' });
  });
});
