import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { presentedToken, tokenCheck } from './token-auth.js';

const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

test('no token configured: no check at all', () => {
  assert.equal(tokenCheck(undefined), null);
});

test('accepts X-Consul-Token or a Bearer token, and nothing else', () => {
  const check = tokenCheck('s3cret')!;
  assert.equal(check(req({ 'x-consul-token': 's3cret' })), true);
  assert.equal(check(req({ authorization: 'Bearer s3cret' })), true);
  assert.equal(check(req({ authorization: 'bearer   s3cret' })), true);
  assert.equal(check(req({})), false);
  assert.equal(check(req({ 'x-consul-token': '' })), false);
  assert.equal(check(req({ 'x-consul-token': 's3cre' })), false);
  assert.equal(check(req({ 'x-consul-token': 's3cretX' })), false);
  assert.equal(check(req({ authorization: 'Basic czNjcmV0' })), false);
  assert.equal(check(req({ authorization: 's3cret' })), false);
});

test('an empty presented token never matches, even against the digest of ""', () => {
  const check = tokenCheck('x')!;
  assert.equal(check(req({ authorization: 'Bearer ' })), false);
  assert.equal(presentedToken(req({ authorization: 'Bearer ' })), undefined);
});
