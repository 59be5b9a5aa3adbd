import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import type { Gateway } from '../../src/gateway/gateway-server.js';
import { call, gatewayFrom, startUpstream, type Upstream } from './harness.js';

/** Sends raw bytes and resolves with everything the server wrote before closing. */
function rawRequest(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let out = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (out += d));
    socket.on('end', () => resolve(out));
    socket.on('error', reject);
    socket.setTimeout(5_000, () => {
      socket.destroy();
      resolve(out);
    });
  });
}

describe('gateway proxying (HTTP/1.1, static targets)', () => {
  let a: Upstream;
  let b: Upstream;
  let gw: Gateway;

  before(async () => {
    a = await startUpstream('a');
    b = await startUpstream('b');
    gw = await gatewayFrom(`
listen: 127.0.0.1:0
services:
  orders:
    targets: [${a.url}, ${b.url}]
    balancer: round-robin
  only-a:
    targets: [${a.url}]
routes:
  - match: { path: /api/v1/orders }
    service: orders
  - name: stripped
    match: { path: /strip }
    service: only-a
    stripPrefix: true
    headers:
      request: { set: { X-Env: test, Host: internal.example, X-Request-ID: fixed }, remove: [X-Secret, X-Forwarded-Host] }
      response: { set: { X-Served-By: switchyard }, remove: [X-Upstream] }
  - name: rewritten
    match: { path: /users/:id, type: pattern }
    service: only-a
    rewrite: /v2/people/:id
  - name: exact
    match: { path: /exact, type: exact }
    service: only-a
`);
  });
  after(async () => {
    await gw.close();
    await a.close();
    await b.close();
  });

  test('round-robins across the targets and keeps path and query', async () => {
    const names = [];
    for (let i = 0; i < 4; i++) {
      const r = await call(`${gw.url}/api/v1/orders/42?x=1&y=%20`);
      assert.equal(r.status, 200);
      assert.equal(r.json.url, '/api/v1/orders/42?x=1&y=%20');
      names.push(r.json.name);
    }
    assert.deepEqual(names.sort(), ['a', 'a', 'b', 'b']);
  });

  test('prefix routes match on segment boundaries only', async () => {
    assert.equal((await call(`${gw.url}/api/v1/orders`)).status, 200);
    const r = await call(`${gw.url}/api/v1/ordersX`);
    assert.equal(r.status, 404);
    assert.equal(r.json.error.code, 'SY_GW_ROUTE_NOT_FOUND');
    assert.match(r.json.error.requestId, /^[0-9a-f]{32}$/);
    assert.equal(r.headers.get('x-request-id'), r.json.error.requestId);
  });

  test('sets X-Forwarded-*, X-Request-ID and a traceparent; drops hop-by-hop and spoofed ones', async () => {
    const r = await call(`${gw.url}/api/v1/orders`, {
      headers: {
        'x-forwarded-for': '10.0.0.9',
        'x-forwarded-proto': 'https',
        'proxy-authorization': 'Basic Zm9vOmJhcg==',
      },
    });
    const h = r.json.headers;
    assert.equal(h['x-forwarded-for'], '10.0.0.9, 127.0.0.1');
    assert.equal(h['x-forwarded-proto'], 'http');
    assert.equal(h['x-forwarded-host'], new URL(gw.url).host);
    assert.match(h['x-request-id'], /^[0-9a-f]{32}$/);
    assert.equal(r.headers.get('x-request-id'), h['x-request-id']);
    assert.match(h.traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    // fetch cannot send Connection; a raw request can.
    const raw = await rawRequest(
      gw.port,
      'GET /api/v1/orders HTTP/1.1\r\nHost: t\r\nConnection: close, X-Hop\r\nX-Hop: secret\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\n\r\n',
    );
    assert.match(raw, /^HTTP\/1.1 200/);
    assert.doesNotMatch(raw, /"x-hop"|"keep-alive":|"te":/i);
    assert.equal(h['proxy-authorization'], undefined);
  });

  test('keeps a sane client X-Request-ID and continues a valid trace; restarts an invalid one', async () => {
    const parent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const r = await call(`${gw.url}/api/v1/orders`, {
      headers: { 'x-request-id': 'abc-123', traceparent: parent },
    });
    assert.equal(r.json.headers['x-request-id'], 'abc-123');
    const tp = r.json.headers.traceparent as string;
    assert.equal(tp.slice(0, 36), parent.slice(0, 36), 'same trace id');
    assert.notEqual(tp.slice(36, 52), parent.slice(36, 52), 'new span id');

    const bad = await call(`${gw.url}/api/v1/orders`, {
      headers: { traceparent: '00-00000000000000000000000000000000-b7ad6b7169203331-01' },
    });
    assert.doesNotMatch(bad.json.headers.traceparent, /^00-0{32}/);
    const weird = await call(`${gw.url}/api/v1/orders`, { headers: { 'x-request-id': 'a b' } });
    assert.match(weird.json.headers['x-request-id'], /^[0-9a-f]{32}$/);
  });

  test('strip-prefix, request and response header operations', async () => {
    const r = await call(`${gw.url}/strip/inner/path?q=1`, {
      headers: { 'x-secret': 'nope', 'x-env': 'prod' },
    });
    assert.equal(r.status, 200);
    assert.equal(r.json.url, '/inner/path?q=1');
    assert.equal(r.json.headers['x-secret'], undefined);
    assert.equal(r.json.headers['x-env'], 'test');
    // A route's set/remove of a header the gateway owns replaces it (one copy, the route's).
    assert.equal(r.json.headers.host, 'internal.example');
    assert.equal(r.json.headers['x-request-id'], 'fixed');
    assert.equal(r.json.headers['x-forwarded-host'], undefined);
    assert.equal(r.headers.get('x-served-by'), 'switchyard');
    assert.equal(r.headers.get('x-upstream'), null);
    assert.equal((await call(`${gw.url}/strip`)).json.url, '/');
  });

  test('parameterized rewrite and exact routes', async () => {
    assert.equal((await call(`${gw.url}/users/42`)).json.url, '/v2/people/42');
    // Params are inserted as they arrived (already percent-encoded), not encoded twice.
    assert.equal((await call(`${gw.url}/users/j%20doe`)).json.url, '/v2/people/j%20doe');
    assert.equal((await call(`${gw.url}/exact`)).status, 200);
    assert.equal((await call(`${gw.url}/exact/more`)).status, 404);
  });

  test('dot segments are resolved before routing, so they cannot climb into another route', async () => {
    const r = await rawRequest(
      gw.port,
      'GET /api/v1/orders/../../../strip/x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n',
    );
    assert.match(r, /^HTTP\/1.1 200/);
    assert.match(r, /"url":"\/x"/, 'normalized to /strip/x, then stripped');
    const encoded = await rawRequest(
      gw.port,
      'GET /api/v1/orders/%2e%2e/%2e%2e/%2e%2e/exact HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n',
    );
    assert.match(encoded, /"url":"\/exact"/);
    const slash = await rawRequest(
      gw.port,
      'GET /api/v1/orders%2F..%2Fadmin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n',
    );
    assert.match(slash, /^HTTP\/1.1 400/);
    assert.match(slash, /SY_GW_BAD_PATH/);
  });

  test('streams a large request body and a large response body', async () => {
    const size = 8 * 1024 * 1024;
    const res = await request(`${gw.url}/api/v1/orders/upload`, {
      method: 'POST',
      body: Buffer.alloc(size, 7),
    });
    const body = (await res.body.json()) as { bodyLength: number };
    assert.equal(res.statusCode, 200);
    assert.equal(body.bodyLength, size);
  });

  test('request smuggling shapes are refused with 400', async () => {
    const both = await rawRequest(
      gw.port,
      'POST /api/v1/orders HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    );
    assert.match(both, /^HTTP\/1.1 400/);
    assert.match(both, /SY_GW_BAD_REQUEST/);
    const twoLengths = await rawRequest(
      gw.port,
      'POST /api/v1/orders HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde',
    );
    assert.match(twoLengths, /^HTTP\/1.1 400/);
    const garbage = await rawRequest(gw.port, 'NOT HTTP AT ALL\r\n\r\n');
    assert.match(garbage, /^HTTP\/1.1 400/);
  });

  test('huge headers get 431 and the gateway keeps serving', async () => {
    const r = await rawRequest(
      gw.port,
      `GET /api/v1/orders HTTP/1.1\r\nHost: t\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`,
    );
    assert.match(r, /^HTTP\/1.1 431/);
    assert.equal((await call(`${gw.url}/api/v1/orders`)).status, 200);
  });
});

describe('gateway limits and upstream failures', () => {
  let up: Upstream;
  let gw: Gateway;

  before(async () => {
    up = await startUpstream('slow', (req, res) => {
      if (req.url?.startsWith('/slow')) {
        setTimeout(() => res.end('late'), 2_000).unref();
        return;
      }
      if (req.url?.startsWith('/fail')) {
        res.writeHead(500).end('boom');
        return;
      }
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    gw = await gatewayFrom(`
listen: 127.0.0.1:0
limits: { maxBodySize: 1kb, headersTimeout: 300ms, requestTimeout: 600ms }
services:
  up:
    targets: [${up.url}]
    outlierDetection: false
    circuitBreaker: false
  down:
    targets: [http://127.0.0.1:1]
    outlierDetection: false
  empty:
    targets: []
routes:
  - match: { path: /slow }
    service: up
    timeouts: { read: 200ms }
  - match: { path: /fail }
    service: up
  - match: { path: /down }
    service: down
  - match: { path: /empty }
    service: empty
  - match: { path: /big }
    service: up
    maxBodySize: 100kb
  - match: { path: / }
    service: up
`);
  });
  after(async () => {
    await gw.close();
    await up.close();
  });

  test('an upstream slower than the read timeout gives 504 with a JSON body', async () => {
    const r = await call(`${gw.url}/slow`);
    assert.equal(r.status, 504);
    assert.equal(r.json.error.code, 'SY_GW_UPSTREAM_TIMEOUT');
  });

  test('a refused connection gives 502; an empty service 503', async () => {
    const r = await call(`${gw.url}/down`);
    assert.equal(r.status, 502);
    assert.equal(r.json.error.code, 'SY_GW_UPSTREAM_UNAVAILABLE');
    const e = await call(`${gw.url}/empty`);
    assert.equal(e.status, 503);
    assert.equal(e.json.error.code, 'SY_GW_NO_ENDPOINTS');
  });

  test("an upstream's own 5xx is passed through unchanged", async () => {
    const r = await call(`${gw.url}/fail`);
    assert.equal(r.status, 500);
    assert.equal(r.text, 'boom');
  });

  test('bodies over the limit get 413, by Content-Length or while streaming chunks', async () => {
    const r = await call(`${gw.url}/x`, { method: 'POST', body: 'a'.repeat(2048) });
    assert.equal(r.status, 413);
    assert.equal(r.json.error.code, 'SY_GW_BODY_TOO_LARGE');
    const chunked = await rawRequest(
      gw.port,
      `POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n${'a'.repeat(2048)}\r\n0\r\n\r\n`,
    );
    assert.match(chunked, /^HTTP\/1.1 413/);
    assert.equal(
      (await call(`${gw.url}/big`, { method: 'POST', body: 'a'.repeat(2048) })).status,
      200,
    );
  });

  test('a client that sends headers too slowly gets 408 and the connection is closed', async () => {
    const r = await rawRequest(gw.port, 'GET /x HTTP/1.1\r\nHost: t\r\n');
    assert.match(r, /^HTTP\/1.1 408/);
    assert.match(r, /SY_GW_REQUEST_TIMEOUT/);
  });
});
