import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CheckDefinition } from '../catalog/model.js';
import { httpProbe, statusFor } from './http-check.js';

const definition = (http: string, extra: Partial<CheckDefinition> = {}): CheckDefinition => ({
  id: 'c1',
  name: 'http',
  notes: '',
  type: 'http',
  http,
  intervalMs: 10_000,
  successBeforePassing: 0,
  failuresBeforeCritical: 0,
  ...extra,
});

function route(req: IncomingMessage, res: ServerResponse, onHang: () => void): void {
  switch (req.url) {
    case '/ok':
      return void res.end('all good');
    case '/busy':
      res.statusCode = 429;
      return void res.end('slow down');
    case '/fail':
      res.statusCode = 500;
      return void res.end('boom');
    case '/moved':
      res.writeHead(302, { location: '/ok' });
      return void res.end();
    case '/loop':
      res.writeHead(302, { location: '/loop' });
      return void res.end();
    case '/big':
      return void res.end('x'.repeat(100_000));
    case '/hang':
      return onHang(); // never answers
    default: {
      let body = '';
      req.setEncoding('utf8').on('data', (d: string) => (body += d));
      req.on('end', () =>
        res.end(JSON.stringify({ method: req.method, headers: req.headers, body })),
      );
    }
  }
}

describe('httpProbe', () => {
  let server: Server;
  let base: string;
  let hung: (() => void) | undefined;

  before(async () => {
    server = createServer((req, res) => route(req, res, () => hung?.()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const probe = (path: string, extra?: Partial<CheckDefinition>) =>
    httpProbe(definition(`${base}${path}`, extra), new AbortController().signal);

  test('2xx is passing, with Consul-shaped output', async () => {
    const result = await probe('/ok');
    assert.equal(result.status, 'passing');
    assert.equal(result.output, `HTTP GET ${base}/ok: 200 OK Output: all good`);
  });

  test('429 is warning', async () => {
    const result = await probe('/busy');
    assert.equal(result.status, 'warning');
    assert.equal(result.output, `HTTP GET ${base}/busy: 429 Too Many Requests Output: slow down`);
  });

  test('500 is critical', async () => {
    const result = await probe('/fail');
    assert.equal(result.status, 'critical');
    assert.match(result.output, /: 500 Internal Server Error Output: boom$/);
  });

  test('a refused connection is critical and says why', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const result = await httpProbe(
      definition(`http://127.0.0.1:${port}/`),
      new AbortController().signal,
    );
    assert.equal(result.status, 'critical');
    assert.match(result.output, /ECONNREFUSED/);
  });

  test('an aborted probe (the timeout) is critical with the abort reason', async () => {
    const controller = new AbortController();
    const arrived = new Promise<void>((resolve) => (hung = resolve));
    const pending = httpProbe(definition(`${base}/hang`), controller.signal);
    await arrived;
    controller.abort(new Error('timed out after 10000 ms'));
    const result = await pending;
    assert.equal(result.status, 'critical');
    assert.equal(result.output, `HTTP GET ${base}/hang: timed out after 10000 ms`);
  });

  test('method, headers and body come from the definition', async () => {
    const result = await probe('/echo', {
      method: 'post',
      header: { 'X-Probe': ['yes'], Accept: ['application/json'] },
      body: '{"ping":1}',
    });
    const echoed = JSON.parse(result.output.slice(result.output.indexOf('Output: ') + 8));
    assert.equal(echoed.method, 'POST');
    assert.equal(echoed.headers['x-probe'], 'yes');
    assert.equal(echoed.headers.accept, 'application/json');
    assert.equal(echoed.headers['user-agent'], 'Consul Health Check');
    assert.equal(echoed.body, '{"ping":1}');
    assert.match(result.output, /^HTTP POST /);
  });

  test('redirects are followed; a redirect loop is critical', async () => {
    assert.equal((await probe('/moved')).status, 'passing');
    const loop = await probe('/loop');
    assert.equal(loop.status, 'critical');
    assert.match(loop.output, /stopped after 10 redirects/);
  });

  test('output is capped at 4 KB', async () => {
    const result = await probe('/big');
    assert.equal(result.status, 'passing');
    assert.equal(result.output.length, 4096);
  });

  test('a malformed URL is critical, not a throw', async () => {
    const result = await httpProbe(definition('not a url'), new AbortController().signal);
    assert.equal(result.status, 'critical');
  });

  test('statusFor follows Consul', () => {
    assert.deepEqual([200, 204, 299, 301, 404, 429, 503].map(statusFor), [
      'passing',
      'passing',
      'passing',
      'critical',
      'critical',
      'warning',
      'critical',
    ]);
  });
});

describe('httpProbe over HTTPS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-health-tls-'));
  const made = spawnSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-subj', '/CN=localhost', '-days', '1',
  ]); // prettier-ignore
  const skip = made.status !== 0 && 'openssl could not make a self-signed certificate';
  let url = '';
  let close = async () => {};

  before(async () => {
    if (skip) return;
    const server = createHttpsServer(
      { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
      (_req, res) => res.end('secure'),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    close = () => new Promise((resolve) => server.close(() => resolve()));
  });
  after(async () => {
    await close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a self-signed certificate is critical unless tlsSkipVerify', { skip }, async () => {
    const signal = new AbortController().signal;
    const strict = await httpProbe(definition(url), signal);
    assert.equal(strict.status, 'critical');
    assert.match(strict.output, /self[- ]signed/i);
    const relaxed = await httpProbe(definition(url, { tlsSkipVerify: true }), signal);
    assert.equal(relaxed.status, 'passing');
    assert.match(relaxed.output, /Output: secure$/);
  });
});
