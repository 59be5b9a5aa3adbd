import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { Gateway } from '../../src/gateway/gateway-server.js';
import { startRedis, type StartedRedis } from '../helpers/redis.js';
import { call, gatewayFrom, startUpstream, type Upstream } from './harness.js';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('gateway edge policies from the issue-5 config shape', () => {
  let up: Upstream;
  let jwks: Server;
  let authService: Server;
  let gw: Gateway;
  let sign: (claims: Record<string, unknown>) => Promise<string>;

  before(async () => {
    up = await startUpstream('users');
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    jwks = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    const jwksUrl = await listen(jwks);
    sign = (claims) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuer('https://auth.example')
        .setAudience('api')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
    authService = createServer((req, res) => {
      if (req.headers.authorization === 'Bearer good') {
        res.writeHead(200, { 'x-user-id': 'forwarded-user' }).end();
      } else res.writeHead(401, { 'www-authenticate': 'Bearer' }).end();
    });
    const authUrl = await listen(authService);
    process.env.SY_TEST_PARTNER_A_KEY = 'partner-a-secret-key';
    gw = await gatewayFrom(`
listen: 127.0.0.1:0
consumers:
  - name: partner-a
    apiKeys: [\${SY_TEST_PARTNER_A_KEY}]
services:
  user-service: { targets: [${up.url}] }
routes:
  - match: { path: /api/v1/users }
    service: user-service
    auth:
      jwt: { jwks: ${jwksUrl}/.well-known/jwks.json, issuer: https://auth.example,
             audience: api, claimsToHeaders: { sub: X-User-ID } }
  - match: { path: /api/v1/orders }
    service: user-service
    auth: { forward: { url: ${authUrl}/validate, copyHeaders: [X-User-ID] } }
  - match: { path: /api/v1/search, method: GET }
    service: user-service
    auth: { apiKey: { header: X-API-Key } }
    rateLimit: { rate: 1/m, burst: 2, nodelay: true, key: consumer }
`);
  });
  after(async () => {
    await gw.close();
    await up.close();
    await new Promise<void>((r) => jwks.close(() => r()));
    await new Promise<void>((r) => authService.close(() => r()));
    delete process.env.SY_TEST_PARTNER_A_KEY;
  });

  test('JWT: 401 with a challenge without a token; a valid token maps sub to X-User-ID', async () => {
    const missing = await call(`${gw.url}/api/v1/users/1`);
    assert.equal(missing.status, 401);
    assert.match(missing.headers.get('www-authenticate')!, /^Bearer realm="switchyard"/);
    assert.equal(missing.json.error.code, 'SY_GW_AUTH_INVALID');
    assert.equal(up.seen.length, 0, 'nothing reached the upstream');

    const token = await sign({ sub: 'user-42' });
    const ok = await call(`${gw.url}/api/v1/users/1`, {
      headers: { authorization: `Bearer ${token}`, 'x-user-id': 'admin' },
    });
    assert.equal(ok.status, 200);
    assert.equal(ok.json.headers['x-user-id'], 'user-42', 'the spoofed header was replaced');

    const wrongAudience = await new SignJWT({ sub: 'x' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('x'.repeat(32)));
    assert.equal(
      (
        await call(`${gw.url}/api/v1/users/1`, {
          headers: { authorization: `Bearer ${wrongAudience}` },
        })
      ).status,
      401,
    );
  });

  test('forward auth: 2xx copies X-User-ID (client copy stripped); 401 is passed back', async () => {
    const ok = await call(`${gw.url}/api/v1/orders`, {
      headers: { authorization: 'Bearer good', 'x-user-id': 'spoofed' },
    });
    assert.equal(ok.status, 200);
    assert.equal(ok.json.headers['x-user-id'], 'forwarded-user');
    const denied = await call(`${gw.url}/api/v1/orders`, {
      headers: { authorization: 'Bearer bad' },
    });
    assert.equal(denied.status, 401);
  });

  test('API key from ${VAR} and a per-consumer rate limit: burst + 1, then 429 with Retry-After', async () => {
    assert.equal((await call(`${gw.url}/api/v1/search?q=x`)).status, 401);
    const headers = { 'x-api-key': 'partner-a-secret-key' };
    const statuses: number[] = [];
    const first = await call(`${gw.url}/api/v1/search?q=x`, { headers });
    statuses.push(first.status);
    assert.equal(first.headers.get('ratelimit-limit'), '3', 'admitted answers carry the limit');
    assert.ok(first.headers.get('ratelimit-remaining') !== null);
    for (let i = 0; i < 4; i++)
      statuses.push((await call(`${gw.url}/api/v1/search?q=x`, { headers })).status);
    assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
    const limited = await call(`${gw.url}/api/v1/search?q=x`, { headers });
    assert.equal(limited.json.error.code, 'SY_GW_RATE_LIMITED');
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    // POST does not match the GET-only route.
    assert.equal((await call(`${gw.url}/api/v1/search`, { method: 'POST', headers })).status, 404);
  });
});

describe('cluster-wide rate limit across two gateways on one Redis', () => {
  let redis: StartedRedis;
  let up: Upstream;
  const gws: Gateway[] = [];

  before(async () => {
    redis = await startRedis();
    up = await startUpstream('search');
    for (let i = 0; i < 2; i++) {
      gws.push(
        await gatewayFrom(`
listen: 127.0.0.1:0
redis: { address: ${redis.url} }
services: { search: { targets: [${up.url}] } }
routes:
  - name: search
    match: { path: /search }
    service: search
    rateLimit: { rate: 10/m, algorithm: sliding-window, scope: cluster }
`),
      );
    }
  });
  after(async () => {
    for (const gw of gws) await gw.close();
    await up.close();
    await redis.stop();
  });

  test('60 concurrent requests split over both gateways admit exactly the limit', async () => {
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => call(`${gws[i % 2]!.url}/search`).then((r) => r.status)),
    );
    assert.equal(results.filter((s) => s === 200).length, 10);
    assert.equal(results.filter((s) => s === 429).length, 50);
  });
});

describe('BFF aggregation route (/profile/:userId)', () => {
  let users: Upstream;
  let orders: Upstream;
  let recs: Upstream;
  let gw: Gateway;
  let recsSlow = false;

  before(async () => {
    const json = (res: ServerResponse, body: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    users = await startUpstream('users', (req, res) =>
      json(res, { url: req.url, user: req.headers['x-user-id'] ?? null }),
    );
    orders = await startUpstream('orders', (req, res) => json(res, { url: req.url }));
    recs = await startUpstream('recs', (req, res) => {
      if (recsSlow) return; // never answers: the optional part times out
      json(res, { url: req.url });
    });
    gw = await gatewayFrom(`
listen: 127.0.0.1:0
services:
  user-service: { targets: [${users.url}] }
  order-service: { targets: [${orders.url}] }
  recommendation-service: { targets: [${recs.url}] }
routes:
  - match: { path: /profile/:userId, method: GET }
    aggregate:
      user:   { service: user-service, path: /users/:userId }
      orders: { service: order-service, path: /orders?user=:userId&limit=5, timeout: 500ms }
      recommendations: { service: recommendation-service, path: /recommendations/:userId?limit=10,
                         optional: true, timeout: 300ms }
`);
  });
  after(async () => {
    await gw.close();
    for (const u of [users, orders, recs]) await u.close();
  });

  test('all parts: one JSON document, params substituted into paths and queries', async () => {
    const r = await call(`${gw.url}/profile/u%2042`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, {
      user: { url: '/users/u%2042', user: null },
      orders: { url: '/orders?user=u%2042&limit=5' },
      recommendations: { url: '/recommendations/u%2042?limit=10' },
    });
    assert.match(r.headers.get('x-request-id')!, /^[0-9a-f]{32}$/);
  });

  test('an optional part that times out is null, named in X-Aggregate-Partial', async () => {
    recsSlow = true;
    try {
      const r = await call(`${gw.url}/profile/7`);
      assert.equal(r.status, 200);
      assert.equal(r.json.recommendations, null);
      assert.match(r.json._errors.recommendations, /timed out/);
      assert.equal(r.headers.get('x-aggregate-partial'), 'recommendations');
    } finally {
      recsSlow = false;
    }
  });

  test('a required part that is down: 502 naming the part, with the request id', async () => {
    await orders.close();
    const r = await call(`${gw.url}/profile/7`);
    assert.equal(r.status, 502);
    assert.equal(r.json.error.code, 'SY_GW_AGGREGATE_PART_FAILED');
    assert.match(r.json.error.message, /orders/);
    assert.match(r.json.error.requestId, /^[0-9a-f]{32}$/);
  });
});

describe('response cache (routes[].cache)', () => {
  let search: Upstream;
  let gw: Gateway;

  before(async () => {
    search = await startUpstream('search', (req, res) => {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (req.url?.includes('private')) headers['cache-control'] = 'no-store';
      res.writeHead(200, headers);
      res.end(JSON.stringify({ url: req.url, n: search.seen.length }));
    });
    gw = await gatewayFrom(`
listen: 127.0.0.1:0
services: { search-service: { targets: [${search.url}] } }
routes:
  - match: { path: /api/v1/search, method: [GET, HEAD] }
    service: search-service
    cache: { ttl: 30s }
`);
  });
  after(async () => {
    await gw.close();
    await search.close();
  });

  test('a GET is stored on the first answer and served from the cache after', async () => {
    const first = await call(`${gw.url}/api/v1/search?q=a`);
    assert.equal(first.headers.get('x-cache'), 'MISS');
    const second = await call(`${gw.url}/api/v1/search?q=a`);
    assert.equal(second.status, 200);
    assert.equal(second.headers.get('x-cache'), 'HIT');
    assert.equal(second.headers.get('age'), '0');
    assert.deepEqual(second.json, first.json, 'the same body');
    assert.notEqual(second.headers.get('x-request-id'), first.headers.get('x-request-id'));
    assert.equal(search.seen.filter((s) => s.url === '/api/v1/search?q=a').length, 1);
    // another query is another key
    assert.equal((await call(`${gw.url}/api/v1/search?q=b`)).headers.get('x-cache'), 'MISS');
  });

  test('no-store answers are not kept; a no-cache request goes to the upstream', async () => {
    await call(`${gw.url}/api/v1/search?private=1`);
    assert.equal((await call(`${gw.url}/api/v1/search?private=1`)).headers.get('x-cache'), 'MISS');
    await call(`${gw.url}/api/v1/search?q=c`);
    const before = search.seen.length;
    const bypass = await call(`${gw.url}/api/v1/search?q=c`, {
      headers: { 'cache-control': 'no-cache' },
    });
    assert.equal(bypass.headers.get('x-cache'), 'MISS');
    assert.equal(search.seen.length, before + 1);
  });
});

describe('IP allow/deny with trusted proxies', () => {
  let up: Upstream;
  let gw: Gateway;

  before(async () => {
    up = await startUpstream('internal');
    gw = await gatewayFrom(`
listen: 127.0.0.1:0
trustedProxies: [127.0.0.1]
services: { internal: { targets: [${up.url}] } }
routes:
  - { match: { path: /office }, service: internal, ipAllow: [10.0.0.0/8], ipDeny: [10.6.6.6] }
  - { match: { path: /open }, service: internal, ipDeny: [192.168.0.0/16] }
`);
  });
  after(async () => {
    await gw.close();
    await up.close();
  });

  test('the client IP comes from X-Forwarded-For only through a trusted proxy; deny wins', async () => {
    const from = (ip: string | undefined, path = '/office') =>
      call(`${gw.url}${path}`, ip === undefined ? {} : { headers: { 'x-forwarded-for': ip } });
    assert.equal((await from('10.1.2.3')).status, 200);
    const denied = await from('10.6.6.6');
    assert.equal(denied.status, 403);
    assert.equal(denied.json.error.code, 'SY_GW_IP_FORBIDDEN');
    assert.equal((await from('8.8.8.8')).status, 403);
    assert.equal(
      (await from(undefined)).status,
      403,
      'the peer 127.0.0.1 is not in the allow list',
    );
    // A forged left-most entry does not help: the right-most untrusted address counts.
    assert.equal((await from('10.1.2.3, 8.8.8.8')).status, 403);
    assert.equal((await from('192.168.1.1', '/open')).status, 403);
    assert.equal((await from('8.8.8.8', '/open')).status, 200);
  });
});

describe('CORS at the gateway', () => {
  let up: Upstream;
  let gw: Gateway;

  before(async () => {
    up = await startUpstream('api');
    gw = await gatewayFrom(`
listen: 127.0.0.1:0
services: { api: { targets: [${up.url}] } }
routes:
  - match: { path: /api, method: GET }
    service: api
    cors: { origins: [https://app.example], credentials: true, exposeHeaders: [X-Request-ID] }
`);
  });
  after(async () => {
    await gw.close();
    await up.close();
  });

  test('a preflight is answered here (even for a GET-only route); allowed origins get the headers', async () => {
    const preflight = await call(`${gw.url}/api/items`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://app.example');
    assert.equal(preflight.headers.get('access-control-allow-headers'), 'authorization');
    assert.equal(preflight.headers.get('access-control-allow-credentials'), 'true');
    assert.equal(up.seen.length, 0, 'the preflight never reached the upstream');

    const actual = await call(`${gw.url}/api/items`, {
      headers: { origin: 'https://app.example' },
    });
    assert.equal(actual.status, 200);
    assert.equal(actual.headers.get('access-control-allow-origin'), 'https://app.example');
    assert.equal(actual.headers.get('access-control-expose-headers'), 'X-Request-ID');

    const stranger = await call(`${gw.url}/api/items`, {
      headers: { origin: 'https://evil.example' },
    });
    assert.equal(stranger.headers.get('access-control-allow-origin'), null);
  });
});

describe('WebSocket upgrades pass the route policies', () => {
  let up: Upstream;
  let gw: Gateway;

  before(async () => {
    up = await startUpstream('ws');
    process.env.SY_TEST_WS_KEY = 'ws-secret-key-1';
    gw = await gatewayFrom(`
listen: 127.0.0.1:0
consumers: [{ name: c, apiKeys: ['\${SY_TEST_WS_KEY}'] }]
services: { ws: { targets: [${up.url}] } }
routes:
  - { match: { path: /ws }, service: ws, auth: { apiKey: {} } }
`);
  });
  after(async () => {
    await gw.close();
    await up.close();
    delete process.env.SY_TEST_WS_KEY;
  });

  test('an upgrade without the API key gets 401 and never reaches the upstream', async () => {
    const { connect } = await import('node:net');
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(gw.port, '127.0.0.1', () =>
        socket.write(
          'GET /ws HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
            'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
        ),
      );
      let out = '';
      socket.setEncoding('latin1').on('data', (d: string) => (out += d));
      socket.on('end', () => resolve(out));
      socket.on('error', reject);
    });
    assert.match(answer, /^HTTP\/1.1 401 /);
    assert.match(answer, /SY_GW_AUTH_INVALID/);
    assert.equal(up.seen.length, 0);
  });
});
