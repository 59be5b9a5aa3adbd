import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { connect as http2Connect } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import type { Gateway } from '../../src/gateway/gateway-server.js';
import { gatewayFrom, startUpstream, type Upstream } from './harness.js';

/** A self-signed certificate for localhost / 127.0.0.1, made by the real openssl. */
function makeCert(): { cert: string; key: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sy-tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-days',
      '1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  return { cert, key, dir };
}

describe('gateway TLS termination, HTTP/2 and WebSocket', () => {
  let up: Upstream;
  let wss: WebSocketServer;
  let wsPort: number;
  let gw: Gateway;
  let ca: Buffer;

  before(async () => {
    const { cert, key } = makeCert();
    ca = readFileSync(cert);
    up = await startUpstream('tls-up');
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    wsPort = (wss.address() as { port: number }).port;
    wss.on('connection', (socket, req) => {
      socket.send(`hello ${req.url} ${String(req.headers['x-forwarded-proto'])}`);
      socket.on('message', (data) => socket.send(`echo:${(data as Buffer).toString()}`));
    });
    gw = await gatewayFrom(`
listen: { address: 127.0.0.1:0, tls: { cert: ${cert}, key: ${key} }, http2: true }
services:
  web: { targets: [${up.url}] }
  ws: { targets: [http://127.0.0.1:${wsPort}] }
routes:
  - match: { path: /ws }
    service: ws
  - match: { path: / }
    service: web
`);
  });
  after(async () => {
    await gw.close();
    await up.close();
    await new Promise<void>((r) => wss.close(() => r()));
  });

  test('HTTPS with HTTP/1.1: X-Forwarded-Proto is https', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      const socket = tlsConnect(
        {
          port: gw.port,
          host: '127.0.0.1',
          ca,
          servername: 'localhost',
          ALPNProtocols: ['http/1.1'],
        },
        () => {
          assert.equal(socket.alpnProtocol, 'http/1.1');
          socket.write('GET /hello HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
        },
      );
      let out = '';
      socket.setEncoding('utf8').on('data', (d: string) => (out += d));
      socket.on('end', () => resolve(out));
      socket.on('error', reject);
    });
    assert.match(body, /^HTTP\/1.1 200/);
    assert.match(body, /"x-forwarded-proto":"https"/);
  });

  test('TLS below 1.2 is refused', async () => {
    await assert.rejects(
      new Promise((resolve, reject) => {
        const socket = tlsConnect(
          {
            port: gw.port,
            host: '127.0.0.1',
            ca,
            servername: 'localhost',
            maxVersion: 'TLSv1.1',
            minVersion: 'TLSv1',
          },
          () => resolve(socket),
        );
        socket.on('error', reject);
      }),
    );
  });

  test('HTTP/2 via ALPN, proxied to an HTTP/1.1 upstream', async () => {
    const client = http2Connect(gw.url, { ca, servername: 'localhost' });
    try {
      const { status, body } = await new Promise<{ status: number; body: string }>(
        (resolve, reject) => {
          const stream = client.request({
            ':path': '/h2/path?q=1',
            ':method': 'GET',
            'x-test': 'yes',
          });
          let status = 0;
          let body = '';
          stream.on('response', (h) => (status = Number(h[':status'])));
          stream.setEncoding('utf8').on('data', (d: string) => (body += d));
          stream.on('end', () => resolve({ status, body }));
          stream.on('error', reject);
          stream.end();
        },
      );
      assert.equal(status, 200);
      const echo = JSON.parse(body) as { url: string; headers: Record<string, string> };
      assert.equal(echo.url, '/h2/path?q=1');
      assert.equal(echo.headers['x-test'], 'yes');
      assert.equal(echo.headers.host, `localhost:${gw.port}`, 'HTTP/2 :authority becomes Host');
      assert.equal(echo.headers['x-forwarded-proto'], 'https');
    } finally {
      client.close();
    }
  });

  test('WebSocket upgrade is tunnelled both ways and survives a reload', async () => {
    const ws = new WebSocket(`wss://127.0.0.1:${gw.port}/ws/chat`, { ca });
    const messages: string[] = [];
    let waiter: { n: number; resolve: () => void } | undefined;
    ws.on('message', (d) => {
      messages.push((d as Buffer).toString());
      if (waiter && messages.length >= waiter.n) waiter.resolve();
    });
    const got = (n: number) =>
      new Promise<void>((resolve) => {
        if (messages.length >= n) resolve();
        else waiter = { n, resolve };
      });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    await got(1);
    ws.send('ping');
    await got(2);
    // A reload swaps the config; the open tunnel is not part of it and keeps working.
    assert.deepEqual(await gw.reload(), { ok: true });
    ws.send('after-reload');
    await got(3);
    assert.deepEqual(messages, ['hello /ws/chat https', 'echo:ping', 'echo:after-reload']);
    ws.close();
  });
});
