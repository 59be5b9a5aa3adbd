import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { Agent, request } from 'undici';
import { startUpstream, writeConfig } from '../gateway/harness.js';
import { startCli } from '../helpers/process.js';

describe('switchyard gateway (process)', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const f of cleanup.reverse()) await f();
  });

  test('serves, reloads on SIGHUP, drains in-flight requests on SIGTERM and exits 0', async () => {
    let release: (() => void) | undefined;
    const up = await startUpstream('up', (req, res) => {
      if (req.url === '/api/slow') {
        release = () => res.end('slow done');
        return;
      }
      res.end('fast');
    });
    cleanup.push(() => up.close());
    const file = writeConfig(`
listen: 127.0.0.1:0
admin: { listen: 127.0.0.1:0 }
reload: { watch: false }
services: { web: { targets: [${up.url}] } }
routes:
  - match: { path: /api }
    service: web
`);
    const gw = startCli(['gateway', '--config', file]);
    cleanup.push(() => gw.stop());
    const [, url, adminUrl] = await gw.waitFor(
      /switchyard gateway: (http:\/\/\S+), admin (http:\/\/\S+),/,
    );
    assert.equal(await (await fetch(`${url}/api/x`)).text(), 'fast');

    writeFileSync(file, readFileSync(file, 'utf8').replace('/api', '/v2'));
    gw.child.kill('SIGHUP');
    await gw.waitFor(/config reloaded/);
    const status = (await fetch(`${url}/v2/x`)).status;
    assert.equal(status, 200, 'SIGHUP applied the new config');
    writeFileSync(file, readFileSync(file, 'utf8').replace('/v2', '/api'));
    assert.equal((await fetch(`${adminUrl}/reload`, { method: 'POST' })).status, 200);

    const agent = new Agent();
    cleanup.push(() => agent.close());
    const slow = request(`${url}/api/slow`, { dispatcher: agent });
    while (release === undefined) await new Promise((r) => setImmediate(r));
    const exit = gw.stop(15_000);
    // The gateway has the signal before the response is released: it must still finish it.
    await gw.waitFor(/draining/);
    release();
    const res = await slow;
    assert.equal(res.statusCode, 200);
    assert.equal(await res.body.text(), 'slow done');
    assert.equal(await exit, 0);
  });

  test('--workers 2 serves on one port from two processes and merges their metrics', async () => {
    const up = await startUpstream('up');
    cleanup.push(() => up.close());
    const file = writeConfig(`
listen: 127.0.0.1:0
admin: { listen: 127.0.0.1:0 }
services: { web: { targets: [${up.url}] } }
routes:
  - match: { path: / }
    service: web
`);
    const gw = startCli(['gateway', '--config', file, '--workers', '2']);
    cleanup.push(() => gw.stop());
    const [, url, adminUrl] = await gw.waitFor(
      /switchyard gateway: (http:\/\/\S+), admin (http:\/\/\S+),/,
      30_000,
    );
    const agent = new Agent({ connections: 20, pipelining: 0 });
    cleanup.push(() => agent.close());
    const pids = new Set<string>();
    await Promise.all(
      Array.from({ length: 40 }, async () => {
        const res = await request(`${url}/x`, { dispatcher: agent, reset: true });
        await res.body.text();
        assert.equal(res.statusCode, 200);
      }),
    );
    const status = (await (await fetch(`${adminUrl}/status`)).json()) as {
      workers: { pid: number }[];
    };
    for (const w of status.workers) pids.add(String(w.pid));
    assert.equal(pids.size, 2, 'two worker processes');
    const metrics = await (await fetch(`${adminUrl}/metrics`)).text();
    assert.match(
      metrics,
      /switchyard_gateway_requests_total\{route="routes\[0\]",service="web",status="200"\} 40/,
    );
    assert.equal(await gw.stop(15_000), 0);
  });

  test('a broken config file: exit 1 with every problem named', async () => {
    const file = writeConfig(
      'listen: 127.0.0.1:0\nroutes:\n  - match: { path: /x }\n    service: paymnt\nservices: { payment: { targets: [http://127.0.0.1:1] } }\n',
    );
    const gw = startCli(['gateway', '--config', file]);
    const code = await new Promise<number | null>((resolve) => gw.child.once('exit', resolve));
    assert.equal(code, 1);
  });
});
