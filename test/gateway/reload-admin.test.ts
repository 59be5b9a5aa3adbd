import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { Agent, request } from 'undici';
import { call, gatewayFrom, startUpstream } from './harness.js';

const config = (port: number, target: string, extraRoute = '') => `
listen: 127.0.0.1:${port}
admin: { listen: 127.0.0.1:0, token: s3cret }
registry: { address: http://127.0.0.1:1, token: registry-secret }
reload: { watch: true }
services:
  web:
    targets: [${target}]
routes:
  - match: { path: /api }
    service: web
${extraRoute}`;

describe('gateway reload and admin API', () => {
  const cleanup: (() => Promise<void>)[] = [];
  after(async () => {
    for (const f of cleanup.reverse()) await f();
  });

  test('reload under traffic: zero failed requests; a broken config keeps the old one serving', async () => {
    const a = await startUpstream('a');
    cleanup.push(() => a.close());
    const gw = await gatewayFrom(config(0, a.url));
    cleanup.push(() => gw.close());
    const agent = new Agent({ connections: 8 });
    cleanup.push(() => agent.close());
    const auth = { authorization: 'Bearer s3cret' };

    let stop = false;
    let ok = 0;
    const failures: string[] = [];
    const loop = async () => {
      while (!stop) {
        try {
          const res = await request(`${gw.url}/api/x`, { dispatcher: agent });
          await res.body.text();
          if (res.statusCode === 200) ok++;
          else failures.push(String(res.statusCode));
        } catch (error) {
          failures.push(String(error));
        }
      }
    };
    const loops = Array.from({ length: 6 }, loop);
    for (let i = 0; i < 10; i++) {
      writeFileSync(
        gw.configPath,
        config(gw.port, a.url, `  - match: { path: /v${i} }\n    service: web\n`),
      );
      const r = await call(`${gw.adminUrl}/reload`, { method: 'POST', headers: auth });
      assert.equal(r.status, 200, r.text);
    }
    writeFileSync(
      gw.configPath,
      'routes: [ { match: { path: /x }, service: nope } ]\nlisten: 127.0.0.1:0\n',
    );
    const bad = await call(`${gw.adminUrl}/reload`, { method: 'POST', headers: auth });
    assert.equal(bad.status, 422);
    assert.equal(bad.json.ok, false);
    assert.match(bad.json.error, /unknown service "nope"/);
    stop = true;
    await Promise.all(loops);
    assert.deepEqual(failures, []);
    assert.ok(ok > 50, `requests flowed during reloads (${ok})`);
    assert.equal((await call(`${gw.url}/v9`)).status, 200, 'the last good config serves');
  });

  test('a file change reloads by itself', async () => {
    const a = await startUpstream('a');
    cleanup.push(() => a.close());
    const gw = await gatewayFrom(config(0, a.url));
    cleanup.push(() => gw.close());
    assert.equal((await call(`${gw.url}/watched`)).status, 404);
    const before = gw.snapshot();
    const reloaded = new Promise((resolve) => gw.onReload(resolve));
    writeFileSync(
      gw.configPath,
      config(gw.port, a.url, '  - match: { path: /watched }\n    service: web\n'),
    );
    assert.deepEqual(await reloaded, { ok: true });
    assert.notEqual(gw.snapshot(), before, 'the watcher swapped in a new snapshot');
    assert.equal((await call(`${gw.url}/watched`)).status, 200);
    // The unchanged service is carried over, keeping its pools and state.
    assert.equal(gw.snapshot().services.get('web'), before.services.get('web'));
  });

  test('admin API: token required, /status, /metrics, /config with secrets redacted', async () => {
    const a = await startUpstream('a');
    cleanup.push(() => a.close());
    const gw = await gatewayFrom(config(0, a.url));
    cleanup.push(() => gw.close());
    assert.match(gw.adminUrl!, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal((await call(`${gw.adminUrl}/status`)).status, 403);
    assert.equal(
      (await call(`${gw.adminUrl}/status`, { headers: { authorization: 'Bearer wrong' } })).status,
      403,
    );
    assert.equal((await call(`${gw.adminUrl}/health`)).status, 200);
    const auth = { authorization: 'Bearer s3cret' };
    await call(`${gw.url}/api/1`);
    await call(`${gw.url}/nothing-here`);

    const status = await call(`${gw.adminUrl}/status`, { headers: auth });
    assert.equal(status.status, 200);
    assert.equal(status.json.services[0].name, 'web');
    assert.equal(status.json.services[0].endpoints[0].url, a.url);
    assert.equal(status.json.services[0].endpoints[0].healthy, true);
    assert.equal(status.json.services[0].breaker, 'CLOSED');
    assert.equal(status.json.routes[0].requests, 1);

    const metrics = await call(`${gw.adminUrl}/metrics`, { headers: auth });
    assert.match(metrics.headers.get('content-type')!, /text\/plain/);
    assert.match(
      metrics.text,
      /switchyard_gateway_requests_total\{route="routes\[0\]",service="web",status="200"\} 1/,
    );
    assert.match(
      metrics.text,
      /switchyard_gateway_request_duration_seconds_count\{route="routes\[0\]",service="web"\} 1/,
    );
    assert.match(
      metrics.text,
      /switchyard_gateway_local_responses_total\{code="SY_GW_ROUTE_NOT_FOUND",status="404"\} 1/,
    );
    assert.match(
      metrics.text,
      /switchyard_gateway_circuit_breaker_state\{service="web",state="CLOSED"\} 1/,
    );

    const cfg = await call(`${gw.adminUrl}/config`, { headers: auth });
    assert.equal(cfg.status, 200);
    assert.doesNotMatch(cfg.text, /s3cret|registry-secret/);
    assert.equal(cfg.json.services.web.source.kind, 'static');

    assert.equal((await call(`${gw.adminUrl}/reload`, { headers: auth })).status, 405);
    assert.equal((await call(`${gw.adminUrl}/nope`, { headers: auth })).status, 404);
  });
});
