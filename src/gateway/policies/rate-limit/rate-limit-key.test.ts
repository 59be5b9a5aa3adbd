import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import type { PolicyContext } from '../policy.js';
import { MAX_KEY_LENGTH, rateLimitKey } from './rate-limit-key.js';

function ctx(over: Partial<PolicyContext> & { headers?: IncomingMessage['headers'] } = {}) {
  const { headers = {}, ...rest } = over;
  return {
    req: { headers } as IncomingMessage,
    requestId: 'r',
    clientIp: '192.0.2.7',
    upstreamHeaders: [],
    ...rest,
  } satisfies PolicyContext;
}

test('each key kind reads its value; missing or empty is undefined (the anonymous bucket)', () => {
  assert.equal(rateLimitKey('ip')(ctx()), '192.0.2.7');
  assert.equal(rateLimitKey('consumer')(ctx({ consumer: 'partner-a' })), 'partner-a');
  assert.equal(rateLimitKey('consumer')(ctx()), undefined);
  const header = rateLimitKey('header:X-API-Key');
  assert.equal(header(ctx({ headers: { 'x-api-key': 'k1' } })), 'k1');
  assert.equal(header(ctx({ headers: { 'x-api-key': '' } })), undefined);
  assert.equal(header(ctx()), undefined);
  const claim = rateLimitKey('claim:sub');
  assert.equal(claim(ctx({ claims: { sub: 'user-1' } })), 'user-1');
  assert.equal(rateLimitKey('claim:tenant')(ctx({ claims: { tenant: 42 } })), '42');
  assert.equal(
    claim(ctx({ claims: { sub: { id: 1 } } })),
    undefined,
    'objects do not name a client',
  );
  assert.equal(claim(ctx()), undefined);
});

test('a repeated header counts by its first value', () => {
  const key = rateLimitKey('header:x-tenant');
  const headers = { 'x-tenant': ['a', 'b'] } as unknown as IncomingMessage['headers'];
  assert.equal(key(ctx({ headers })), 'a');
});

test('huge keys are hashed: bounded length, stable, distinct, never equal to a plain key', () => {
  const key = rateLimitKey('header:x-id');
  const long = 'x'.repeat(16_000);
  const a = key(ctx({ headers: { 'x-id': long } }))!;
  assert.ok(a.length < 64);
  assert.ok(a.startsWith('\0'));
  assert.equal(key(ctx({ headers: { 'x-id': long } })), a);
  assert.notEqual(key(ctx({ headers: { 'x-id': `${long}y` } })), a);
  const edge = 'y'.repeat(MAX_KEY_LENGTH);
  assert.equal(key(ctx({ headers: { 'x-id': edge } })), edge);
});
