import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { jwtAuth, type JwtAuthOptions } from './jwt-auth.js';
import { fakeContext } from '../../../../test/helpers/policy-context.js';
import type { PolicyAnswer, RequestPolicy } from '../policy.js';

const SECRET = 'a-very-long-hmac-secret-of-at-least-32-bytes!';
const NOW = 1_800_000_000_000; // fixed wall clock (epoch ms)
const now = (): number => NOW;

function sign(
  alg: string,
  key: CryptoKey | Uint8Array,
  claims: Record<string, unknown> = {},
  exp: number | null = NOW / 1000 + 600,
): Promise<string> {
  const jwt = new SignJWT({ sub: 'user-1', ...claims })
    .setProtectedHeader({ alg, typ: 'JWT' })
    .setIssuedAt(NOW / 1000);
  if (exp !== null) jwt.setExpirationTime(exp);
  return jwt.sign(key);
}

async function run(policy: RequestPolicy, token: string | undefined, header = 'authorization') {
  const ctx = fakeContext(
    token === undefined ? {} : { [header]: header === 'authorization' ? `Bearer ${token}` : token },
  );
  const answer: PolicyAnswer = await policy.apply(ctx);
  return { answer, ctx };
}

const hs = (extra: Partial<JwtAuthOptions> = {}) => jwtAuth({ secret: SECRET, now, ...extra });
const secretKey = new TextEncoder().encode(SECRET);

describe('jwtAuth', () => {
  for (const alg of ['RS256', 'PS256', 'ES256', 'EdDSA'] as const) {
    test(`${alg}: a valid token passes with a PEM public key; a foreign key fails`, async () => {
      const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
      const other = await generateKeyPair(alg);
      const policy = jwtAuth({ publicKey: await exportSPKI(publicKey), now });
      const ok = await run(policy, await sign(alg, privateKey));
      assert.equal(ok.answer, undefined);
      assert.equal(ok.ctx.consumer, 'user-1');
      const bad = await run(policy, await sign(alg, other.privateKey));
      assert.equal(bad.answer?.status, 401);
      assert.match(bad.answer.headers!['www-authenticate']!, /invalid signature/);
    });
  }

  test('HS256 secret: passes, sets claims, consumer and mapped headers', async () => {
    const policy = hs({ claimsToHeaders: { sub: 'X-User-ID', tier: 'X-Tier', obj: 'X-Obj' } });
    assert.deepEqual(policy.ownedHeaders, ['x-user-id', 'x-tier', 'x-obj']);
    const { answer, ctx } = await run(
      policy,
      await sign('HS256', secretKey, { tier: 'gold', obj: { a: 1 } }),
    );
    assert.equal(answer, undefined);
    assert.equal(ctx.claims?.['tier'], 'gold');
    // The object claim is left out rather than mangled into a header.
    assert.deepEqual(ctx.upstreamHeaders, [
      ['x-user-id', 'user-1'],
      ['x-tier', 'gold'],
    ]);
  });

  test('missing token: 401 with a bare Bearer challenge (RFC 6750 §3.1)', async () => {
    const { answer } = await run(hs(), undefined);
    assert.equal(answer?.status, 401);
    assert.equal(answer.body.code, 'SY_GW_AUTH_INVALID');
    assert.equal(answer.headers?.['www-authenticate'], 'Bearer realm="switchyard"');
    const basic = await hs().apply(fakeContext({ authorization: 'Basic dXNlcjpwYXNz' }));
    assert.equal(basic?.status, 401);
  });

  const cases: [string, () => Promise<string>, RegExp, Partial<JwtAuthOptions>?][] = [
    ['expired beyond leeway', () => sign('HS256', secretKey, {}, NOW / 1000 - 31), /token expired/],
    [
      'not yet valid beyond leeway',
      () =>
        new SignJWT({})
          .setProtectedHeader({ alg: 'HS256' })
          .setNotBefore(NOW / 1000 + 31)
          .setExpirationTime(NOW / 1000 + 600)
          .sign(secretKey),
      /not yet valid/,
    ],
    [
      'wrong issuer',
      () => sign('HS256', secretKey, { iss: 'https://evil' }),
      /unexpected issuer/,
      { issuer: 'https://auth.example' },
    ],
    [
      'missing issuer',
      () => sign('HS256', secretKey),
      /unexpected issuer|claim/,
      { issuer: 'https://auth.example' },
    ],
    [
      'wrong audience',
      () => sign('HS256', secretKey, { aud: 'other' }),
      /unexpected audience/,
      { audience: ['api', 'web'] },
    ],
    ['no exp', () => sign('HS256', secretKey, {}, null), /no expiry/],
    [
      'alg none',
      async () => unsigned({ alg: 'none' }, { sub: 'x', exp: NOW / 1000 + 600 }),
      /algorithm not allowed/,
    ],
    [
      'HS384 when only HS256 allowed',
      () => sign('HS384', secretKey),
      /algorithm not allowed/,
      { algorithms: ['HS256'] },
    ],
    ['garbage', async () => 'not.a.jwt', /malformed/],
    ['two segments', async () => 'abc.def', /malformed/],
    ['bad base64 header', async () => '!!!.e30.sig', /malformed/],
    ['JSON array payload', async () => unsigned({ alg: 'HS256' }, [1, 2]), /malformed|signature/],
    ['huge token', async () => 'a'.repeat(100_000), /too large/],
  ];
  for (const [name, make, why, extra] of cases) {
    test(`rejects: ${name}`, async () => {
      const { answer, ctx } = await run(hs(extra), await make());
      assert.equal(answer?.status, 401, name);
      assert.equal(answer.body.code, 'SY_GW_AUTH_INVALID');
      assert.match(
        answer.headers!['www-authenticate']!,
        /^Bearer realm="switchyard", error="invalid_token", error_description="/,
      );
      assert.match(answer.headers!['www-authenticate']!, why);
      assert.equal(ctx.consumer, undefined);
      assert.deepEqual(ctx.upstreamHeaders, []);
    });
  }

  test('leeway: 29 s past exp and 29 s before nbf still pass', async () => {
    const policy = hs();
    assert.equal(
      (await run(policy, await sign('HS256', secretKey, {}, NOW / 1000 - 29))).answer,
      undefined,
    );
    const early = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setNotBefore(NOW / 1000 + 29)
      .setExpirationTime(NOW / 1000 + 600)
      .sign(secretKey);
    assert.equal((await run(policy, early)).answer, undefined);
  });

  test('HS/RS key confusion: HS256 signed with the RSA public key PEM as secret is refused', async () => {
    const { publicKey } = await generateKeyPair('RS256', { extractable: true });
    const pem = await exportSPKI(publicKey);
    const forged = await sign('HS256', new TextEncoder().encode(pem));
    const { answer } = await run(jwtAuth({ publicKey: pem, now }), forged);
    assert.equal(answer?.status, 401);
    assert.match(answer.headers!['www-authenticate']!, /algorithm not allowed/);
  });

  test('required scopes: 403 insufficient_scope when lacking, pass with string or array claim', async () => {
    const policy = hs({ requiredScopes: ['read', 'write'] });
    const lacking = (await run(policy, await sign('HS256', secretKey, { scope: 'read' }))).answer;
    assert.equal(lacking?.status, 403);
    assert.equal(lacking.body.code, 'SY_GW_AUTH_FORBIDDEN');
    assert.equal(
      lacking.headers?.['www-authenticate'],
      'Bearer realm="switchyard", error="insufficient_scope", error_description="token lacks required scopes", scope="read write"',
    );
    assert.equal(
      (await run(policy, await sign('HS256', secretKey, { scope: 'write read x' }))).answer,
      undefined,
    );
    const arr = hs({ requiredScopes: ['a'], scopeClaim: 'scp' });
    assert.equal(
      (await run(arr, await sign('HS256', secretKey, { scp: ['a'] }))).answer,
      undefined,
    );
    assert.equal(
      (await run(arr, await sign('HS256', secretKey, { scp: 'ab' }))).answer?.status,
      403,
    );
  });

  test('a custom header carries the bare token', async () => {
    const policy = hs({ header: 'X-Token' });
    assert.equal((await run(policy, await sign('HS256', secretKey), 'x-token')).answer, undefined);
  });

  test('verified tokens are cached (sync admit) until exp + leeway', async () => {
    let t = NOW;
    const policy = hs({ now: () => t, claimsToHeaders: { sub: 'x-user-id' } });
    const token = await sign('HS256', secretKey, {}, NOW / 1000 + 10);
    assert.equal(await policy.apply(fakeContext({ authorization: `Bearer ${token}` })), undefined);
    const ctx = fakeContext({ authorization: `Bearer ${token}` });
    const second = policy.apply(ctx);
    assert.equal(second, undefined, 'second check is synchronous (cache hit)');
    assert.deepEqual(ctx.upstreamHeaders, [['x-user-id', 'user-1']]);
    t = NOW + 10_000 + 30_000; // exp + leeway: the cached entry must not be used
    const late = await policy.apply(fakeContext({ authorization: `Bearer ${token}` }));
    assert.equal(late?.status, 401);
  });

  test('the verified-token cache is bounded (oldest evicted)', async () => {
    const policy = hs({ cacheSize: 1 });
    const [t1, t2] = await Promise.all([
      sign('HS256', secretKey, { n: 1 }),
      sign('HS256', secretKey, { n: 2 }),
    ]);
    const apply = (t: string) => policy.apply(fakeContext({ authorization: `Bearer ${t}` }));
    assert.equal(await apply(t1), undefined);
    assert.equal(apply(t1), undefined, 'cached: synchronous');
    assert.equal(await apply(t2), undefined);
    const again = apply(t1);
    assert.ok(again instanceof Promise, 't1 was evicted: verified again');
    assert.equal(await again, undefined);
  });

  test('bad options throw SY_GW_AUTH_INVALID_OPTION at construction', async () => {
    const { publicKey } = await generateKeyPair('ES256', { extractable: true });
    const pem = await exportSPKI(publicKey);
    const bad: JwtAuthOptions[] = [
      {},
      { secret: SECRET, publicKey: pem },
      { secret: 'short' },
      { secret: SECRET, algorithms: ['none'] },
      { secret: SECRET, algorithms: ['RS256'] },
      { publicKey: pem, algorithms: ['HS256'] },
      { publicKey: pem, algorithms: ['ES384'] },
      { publicKey: 'not a pem' },
      { jwks: 'ftp://x/jwks' },
      { jwks: 'http://127.0.0.1:1/jwks', algorithms: ['HS256'] },
      { secret: SECRET, claimsToHeaders: { sub: 'bad header\r\n' } },
      { secret: SECRET, leewayMs: -1 },
    ];
    for (const options of bad)
      assert.throws(
        () => jwtAuth(options),
        { code: 'SY_GW_AUTH_INVALID_OPTION' },
        JSON.stringify(options),
      );
  });
});

function unsigned(header: object, payload: unknown): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${b64(header)}.${b64(payload)}.`;
}
