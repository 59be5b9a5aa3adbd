import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import type { Gateway } from '../../src/gateway/gateway-server.js';
import { call, gatewayFrom } from './harness.js';

/** A TCP "upstream" that answers every request with `reply` (then maybe cuts the connection). */
async function rawUpstream(reply: string, destroyAfter: boolean): Promise<Server> {
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.once('data', () => {
      socket.write(reply);
      if (destroyAfter) socket.destroy();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

describe('gateway against misbehaving upstreams', () => {
  const servers: Server[] = [];
  let gw: Gateway;

  before(async () => {
    const garbage = await rawUpstream('NOT HTTP\r\n\r\n', true);
    const cut = await rawUpstream(
      'HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\npartial body',
      true,
    );
    const hang = await rawUpstream('', false);
    servers.push(garbage, cut, hang);
    const url = (s: Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
    gw = await gatewayFrom(`
listen: 127.0.0.1:0
services:
  garbage: { targets: [${url(garbage)}], outlierDetection: false, circuitBreaker: false }
  cut: { targets: [${url(cut)}], outlierDetection: false, circuitBreaker: false }
  hang: { targets: [${url(hang)}], outlierDetection: false, circuitBreaker: false }
routes:
  - { match: { path: /garbage }, service: garbage }
  - { match: { path: /cut }, service: cut }
  - { match: { path: /hang }, service: hang, timeouts: { read: 300ms } }
`);
  });
  after(async () => {
    await gw.close();
    for (const s of servers) await new Promise<void>((r) => s.close(() => r()));
  });

  test('a response that is not HTTP becomes a 502 with a JSON body', async () => {
    const r = await call(`${gw.url}/garbage`);
    assert.equal(r.status, 502);
    assert.match(r.json.error.code, /^SY_GW_UPSTREAM_(BAD_RESPONSE|RESET)$/);
    assert.match(r.json.error.requestId, /^[0-9a-f]{32}$/);
  });

  test('an upstream that dies mid-body cuts the client response instead of completing it', async () => {
    const res = await request(`${gw.url}/cut`);
    assert.equal(res.statusCode, 200, 'the status line was already forwarded');
    await assert.rejects(res.body.text(), 'the truncated body is an error, not a short success');
  });

  test('an upstream that accepts and never answers gives 504 after the read timeout', async () => {
    const r = await call(`${gw.url}/hang`);
    assert.equal(r.status, 504);
    assert.equal(r.json.error.code, 'SY_GW_UPSTREAM_TIMEOUT');
    assert.equal((await call(`${gw.url}/garbage`)).status, 502, 'and the gateway keeps serving');
  });
});
