import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { after, before, beforeEach, describe, test } from 'node:test';
import { forwardAuth } from '../../src/gateway/policies/auth/forward-auth.js';
import { fakeContext } from '../helpers/policy-context.js';
import type { RequestPolicy } from '../../src/gateway/policies/policy.js';

type Mode = 'ok' | '401' | '403' | '500' | '302' | 'hang' | 'reset';

/** A real auth service on port 0; `mode` picks its answer, `seen` records what it was sent. */
async function startAuthServer() {
  const state = {
    mode: 'ok' as Mode,
    seen: [] as { method?: string; url?: string; headers: IncomingHttpHeaders }[],
  };
  const hanging: ServerResponse[] = [];
  const server = createServer((req, res) => {
    state.seen.push({ method: req.method, url: req.url, headers: req.headers });
    switch (state.mode) {
      case 'ok':
        return void res
          .writeHead(204, { 'x-user-id': 'u-42', 'x-roles': 'admin', 'x-internal': 'secret' })
          .end();
      case '401':
        return void res
          .writeHead(401, { 'www-authenticate': 'Bearer realm="auth", error="invalid_token"' })
          .end('no');
      case '403':
        return void res.writeHead(403).end('no');
      case '500':
        return void res.writeHead(500).end('boom');
      case '302':
        return void res.writeHead(302, { location: '/login' }).end();
      case 'hang':
        return void hanging.push(res);
      case 'reset':
        return void req.socket.destroy();
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    state,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/validate`,
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

const clientHeaders = {
  authorization: 'Bearer abc',
  cookie: 'session=s1',
  host: 'api.example',
  'x-user-id': 'spoofed',
  'x-other': 'not forwarded',
};

describe('forwardAuth with a real auth service', { timeout: 20_000 }, () => {
  let auth: Awaited<ReturnType<typeof startAuthServer>>;
  let policy: RequestPolicy;
  before(async () => {
    auth = await startAuthServer();
    policy = forwardAuth({
      url: auth.url,
      copyHeaders: ['X-User-ID', 'X-Roles', 'X-Missing'],
      consumerHeader: 'x-user-id',
      timeoutMs: 250,
    });
  });
  after(async () => {
    await policy.close?.();
    await auth.close();
  });
  beforeEach(() => {
    auth.state.mode = 'ok';
    auth.state.seen.length = 0;
  });

  test('2xx admits, copies the named headers (owned) and sends method, URI and credentials', async () => {
    assert.deepEqual(policy.ownedHeaders, ['x-user-id', 'x-roles', 'x-missing']);
    const ctx = fakeContext(clientHeaders, '/api/v1/orders?id=7', 'POST');
    assert.equal(await policy.apply(ctx), undefined);
    assert.deepEqual(ctx.upstreamHeaders, [
      ['x-user-id', 'u-42'],
      ['x-roles', 'admin'],
    ]);
    assert.equal(ctx.consumer, 'u-42');
    const sent = auth.state.seen[0]!;
    assert.equal(sent.method, 'GET');
    assert.equal(sent.url, '/validate');
    assert.equal(sent.headers['x-forwarded-method'], 'POST');
    assert.equal(sent.headers['x-forwarded-uri'], '/api/v1/orders?id=7');
    assert.equal(sent.headers['x-forwarded-host'], 'api.example');
    assert.equal(sent.headers['x-forwarded-proto'], 'http');
    assert.equal(sent.headers['x-forwarded-for'], '203.0.113.9');
    assert.equal(sent.headers['x-request-id'], 'req-1');
    assert.equal(sent.headers.authorization, 'Bearer abc');
    assert.equal(sent.headers.cookie, 'session=s1');
    assert.equal(sent.headers['x-other'], undefined);
    assert.equal(sent.headers['x-user-id'], undefined, 'client identity headers are not sent');
  });

  test('401 goes back with the service challenge; 403 too', async () => {
    auth.state.mode = '401';
    const ctx = fakeContext(clientHeaders);
    const denied = await policy.apply(ctx);
    assert.equal(denied?.status, 401);
    assert.equal(denied.body.code, 'SY_GW_AUTH_INVALID');
    assert.equal(
      denied.headers?.['www-authenticate'],
      'Bearer realm="auth", error="invalid_token"',
    );
    assert.deepEqual(ctx.upstreamHeaders, []);
    auth.state.mode = '403';
    const forbidden = await policy.apply(fakeContext(clientHeaders));
    assert.equal(forbidden?.status, 403);
    assert.equal(forbidden.body.code, 'SY_GW_AUTH_FORBIDDEN');
  });

  for (const mode of ['500', '302', 'reset'] as const) {
    test(`auth service ${mode} → 503 SY_GW_AUTH_UNAVAILABLE`, async () => {
      auth.state.mode = mode;
      const ctx = fakeContext(clientHeaders);
      const answer = await policy.apply(ctx);
      assert.equal(answer?.status, 503);
      assert.equal(answer.body.code, 'SY_GW_AUTH_UNAVAILABLE');
      assert.deepEqual(ctx.upstreamHeaders, []);
      assert.equal(ctx.consumer, undefined);
    });
  }

  test('a hanging auth service → 503 after timeoutMs', async () => {
    auth.state.mode = 'hang';
    const started = performance.now();
    const answer = await policy.apply(fakeContext(clientHeaders));
    const took = performance.now() - started;
    assert.equal(answer?.status, 503);
    assert.match(answer.body.message, /timed out/);
    assert.ok(took >= 200 && took < 2000, `took ${took} ms`);
  });

  test('an auth service that is down → 503', async () => {
    const down = await startAuthServer();
    const url = down.url;
    await down.close();
    const p = forwardAuth({ url, timeoutMs: 1000 });
    const answer = await p.apply(fakeContext(clientHeaders));
    assert.equal(answer?.status, 503);
    assert.equal(answer.body.code, 'SY_GW_AUTH_UNAVAILABLE');
    await p.close?.();
  });

  test('bad options throw SY_GW_AUTH_INVALID_OPTION', () => {
    for (const options of [
      { url: 'nope' },
      { url: 'file:///etc/passwd' },
      { url: auth.url, timeoutMs: 0 },
      { url: auth.url, copyHeaders: ['bad header'] },
      { url: auth.url, consumerHeader: 'x-user-id' },
      { url: auth.url, forwardBody: true as unknown as false },
    ])
      assert.throws(() => forwardAuth(options), { code: 'SY_GW_AUTH_INVALID_OPTION' });
  });
});
