import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { after, before, beforeEach, describe, test } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { ManualClock } from '../../src/core/index.js';
import { jwtAuth } from '../../src/gateway/policies/auth/jwt-auth.js';
import { fakeContext } from '../helpers/policy-context.js';
import type { RequestPolicy } from '../../src/gateway/policies/policy.js';

type Mode = 'ok' | 'error' | 'garbage' | 'hang' | 'huge' | 'private';

/** A real JWKS server on port 0 whose answer the test switches. */
async function startJwksServer() {
  const state = { keys: [] as JWK[], mode: 'ok' as Mode, hits: 0, privateJwk: {} as JWK };
  const hanging: ServerResponse[] = [];
  const server = createServer((req, res) => {
    state.hits++;
    if (state.mode === 'hang') return void hanging.push(res);
    if (state.mode === 'error') return void res.writeHead(500).end('boom');
    const body =
      state.mode === 'garbage'
        ? '{"keys": [ {'
        : state.mode === 'huge'
          ? JSON.stringify({ keys: state.keys, pad: 'x'.repeat(300_000) })
          : state.mode === 'private'
            ? JSON.stringify({ keys: [state.privateJwk] })
            : JSON.stringify({ keys: state.keys });
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  return {
    state,
    url,
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

const NOW = 1_800_000_000_000;
const ISS = 'https://auth.example';

async function keyPair(alg: string, kid: string) {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { jwk, privateKey, privateJwk: { ...(await exportJWK(privateKey)), kid, alg } };
}

function token(alg: string, kid: string, key: CryptoKey | Uint8Array, sub = 'u1'): Promise<string> {
  return new SignJWT({ sub })
    .setProtectedHeader({ alg, kid })
    .setIssuer(ISS)
    .setAudience('api')
    .setExpirationTime(NOW / 1000 + 3600)
    .sign(key);
}

async function check(policy: RequestPolicy, jwt: string) {
  const ctx = fakeContext({ authorization: `Bearer ${jwt}` });
  return { answer: await policy.apply(ctx), ctx };
}

describe('jwtAuth with a real JWKS server', { timeout: 30_000 }, () => {
  let jwks: Awaited<ReturnType<typeof startJwksServer>>;
  let clock: ManualClock;
  let policy: RequestPolicy;
  let a: Awaited<ReturnType<typeof keyPair>>;
  let b: Awaited<ReturnType<typeof keyPair>>;
  let e: Awaited<ReturnType<typeof keyPair>>;
  let o: Awaited<ReturnType<typeof keyPair>>;

  before(async () => {
    jwks = await startJwksServer();
    [a, b, e, o] = await Promise.all([
      keyPair('RS256', 'a'),
      keyPair('PS256', 'b'),
      keyPair('ES256', 'e'),
      keyPair('EdDSA', 'o'),
    ]);
  });
  after(() => jwks.close());
  beforeEach(() => {
    jwks.state.keys = [a.jwk, e.jwk, o.jwk];
    jwks.state.mode = 'ok';
    jwks.state.hits = 0;
    jwks.state.privateJwk = a.privateJwk;
    clock = new ManualClock();
    policy = jwtAuth({
      jwks: jwks.url,
      issuer: ISS,
      audience: 'api',
      clock,
      now: () => NOW,
      cacheSize: 0, // every check goes to the key set
      jwksOptions: { timeoutMs: 300 },
      claimsToHeaders: { sub: 'X-User-ID' },
    });
  });

  test('RS256, ES256 and EdDSA keys verify; one fetch serves concurrent first requests', async () => {
    const results = await Promise.all([
      check(policy, await token('RS256', 'a', a.privateKey)),
      check(policy, await token('ES256', 'e', e.privateKey)),
      check(policy, await token('EdDSA', 'o', o.privateKey)),
    ]);
    for (const r of results) assert.equal(r.answer, undefined);
    assert.deepEqual(results[0].ctx.upstreamHeaders, [['x-user-id', 'u1']]);
    assert.equal(jwks.state.hits, 1);
    await policy.close?.();
  });

  test('rotation: a new kid triggers a refresh and verifies', async () => {
    assert.equal((await check(policy, await token('RS256', 'a', a.privateKey))).answer, undefined);
    jwks.state.keys = [a.jwk, b.jwk];
    clock.advance(10_000);
    assert.equal((await check(policy, await token('PS256', 'b', b.privateKey))).answer, undefined);
    assert.equal(jwks.state.hits, 2);
    await policy.close?.();
  });

  test('unknown kids refresh at most once per 10 s', async () => {
    assert.equal((await check(policy, await token('RS256', 'a', a.privateKey))).answer, undefined);
    const unknown = await token('PS256', 'b', b.privateKey);
    clock.advance(10_000);
    const first = await check(policy, unknown);
    assert.equal(first.answer?.status, 401);
    assert.match(first.answer.headers!['www-authenticate']!, /no matching key/);
    assert.equal(jwks.state.hits, 2);
    for (let i = 0; i < 5; i++) assert.equal((await check(policy, unknown)).answer?.status, 401);
    clock.advance(9_999);
    assert.equal((await check(policy, unknown)).answer?.status, 401);
    assert.equal(jwks.state.hits, 2, 'no fetch inside the interval');
    jwks.state.keys = [a.jwk, b.jwk];
    clock.advance(1);
    assert.equal((await check(policy, unknown)).answer, undefined, 'fetched again after 10 s');
    assert.equal(jwks.state.hits, 3);
    await policy.close?.();
  });

  for (const mode of ['error', 'garbage', 'hang', 'huge', 'private', 'closed'] as const) {
    test(`JWKS ${mode}: cached keys keep verifying; an unknown kid is a 401`, async () => {
      assert.equal(
        (await check(policy, await token('RS256', 'a', a.privateKey))).answer,
        undefined,
      );
      const closedServer = mode === 'closed' ? await startJwksServer() : undefined;
      const local =
        mode === 'closed'
          ? jwtAuth({ jwks: closedServer!.url, clock, now: () => NOW, cacheSize: 0 })
          : policy;
      if (closedServer !== undefined) {
        closedServer.state.keys = [a.jwk, e.jwk];
        assert.equal(
          (await check(local, await token('RS256', 'a', a.privateKey))).answer,
          undefined,
        );
        await closedServer.close(); // connection refused from now on
      } else jwks.state.mode = mode as Mode;
      clock.advance(600_000); // old enough for a background refresh, which fails
      assert.equal(
        (await check(local, await token('RS256', 'a', a.privateKey, 'u2'))).answer,
        undefined,
      );
      clock.advance(10_000);
      const unknown = await check(local, await token('PS256', 'b', b.privateKey));
      assert.equal(unknown.answer?.status, 401);
      assert.equal(unknown.answer.body.code, 'SY_GW_AUTH_INVALID');
      if (mode !== 'closed') assert.ok(jwks.state.hits >= 2, 'the failing JWKS was asked again');
      assert.equal((await check(local, await token('ES256', 'e', e.privateKey))).answer, undefined);
      await local.close?.();
      if (local !== policy) await policy.close?.();
    });
  }

  test('JWKS unusable on first load: 401, and a later good fetch recovers', async () => {
    jwks.state.mode = 'garbage';
    const jwt = await token('RS256', 'a', a.privateKey);
    assert.equal((await check(policy, jwt)).answer?.status, 401);
    jwks.state.mode = 'ok';
    assert.equal((await check(policy, jwt)).answer?.status, 401, 'rate limit holds');
    clock.advance(10_000);
    assert.equal((await check(policy, jwt)).answer, undefined);
    await policy.close?.();
  });

  test('HS256 tokens are refused even when the JWKS holds an oct key, and alg none too', async () => {
    const secret = new TextEncoder().encode('k'.repeat(32));
    jwks.state.keys = [{ kty: 'oct', k: Buffer.from(secret).toString('base64url'), kid: 's' }];
    const hs = await token('HS256', 's', secret);
    const r = await check(policy, hs);
    assert.equal(r.answer?.status, 401);
    assert.match(r.answer.headers!['www-authenticate']!, /algorithm not allowed/);
    const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const none = `${b64({ alg: 'none', kid: 'a' })}.${b64({ sub: 'x', iss: ISS, aud: 'api', exp: NOW / 1000 + 60 })}.`;
    assert.equal((await check(policy, none)).answer?.status, 401);
    await policy.close?.();
  });
});
