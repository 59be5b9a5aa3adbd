import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Agent, request } from 'undici';
import type { Gateway } from '../../src/gateway/gateway-server.js';
import { call, gatewayFrom, startUpstream } from './harness.js';
import { spawnUpstream, type UpstreamProcess } from './upstream-process.js';

describe('gateway failover', () => {
  const cleanup: (() => Promise<void>)[] = [];
  after(async () => {
    for (const f of cleanup.reverse()) await f();
  });

  test('kill -9 one of three upstreams under traffic: zero failed idempotent requests, and it is ejected', async () => {
    const ups: UpstreamProcess[] = await Promise.all(['a', 'b', 'c'].map((n) => spawnUpstream(n)));
    cleanup.push(async () => {
      for (const u of ups) await u.kill();
    });
    const gw: Gateway = await gatewayFrom(`
listen: 127.0.0.1:0
services:
  web:
    targets: [${ups.map((u) => u.url).join(', ')}]
    balancer: round-robin
    outlierDetection: { consecutiveConnectFailures: 1, baseEjectionTime: 30s, maxEjectionPercent: 50 }
    circuitBreaker: false
routes:
  - match: { path: / }
    service: web
    retries: { attempts: 3, on: [connect-failure, reset, 5xx] }
`);
    cleanup.push(() => gw.close());
    const agent = new Agent({ connections: 16 });
    cleanup.push(() => agent.close());

    let ok = 0;
    const failures: string[] = [];
    let killed = false;
    const target = 3_000;
    const loop = async () => {
      while (ok + failures.length < target) {
        try {
          const res = await request(`${gw.url}/item`, { dispatcher: agent });
          await res.body.text();
          if (res.statusCode === 200) ok++;
          else failures.push(String(res.statusCode));
        } catch (error) {
          failures.push(String(error));
        }
        if (!killed && ok >= target / 3) {
          killed = true;
          await ups[1]!.kill();
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, loop));
    assert.deepEqual(failures, [], 'no request failed');
    assert.ok(killed);
    const web = gw.snapshot().services.get('web')!;
    const status = web.status() as { endpoints: { url: string; ejected: boolean }[] };
    const dead = status.endpoints.find((e) => e.url === ups[1]!.url)!;
    assert.equal(dead.ejected, true, 'the crashed endpoint is ejected');
    assert.equal(web.available.length, 2);
  });

  test('retries a 5xx on another endpoint for GET, never for POST', async () => {
    const bad = await startUpstream('bad', (req, res) => {
      req.resume();
      res.writeHead(503).end('bad');
    });
    const good = await startUpstream('good');
    cleanup.push(
      () => bad.close(),
      () => good.close(),
    );
    const gw = await gatewayFrom(`
listen: 127.0.0.1:0
services:
  web:
    targets: [${bad.url}, ${good.url}]
    balancer: round-robin
    outlierDetection: false
    circuitBreaker: false
routes:
  - match: { path: / }
    service: web
    retries: { attempts: 2, on: [5xx], backoff: { base: 1ms, max: 2ms } }
`);
    cleanup.push(() => gw.close());
    for (let i = 0; i < 6; i++) {
      const r = await call(`${gw.url}/x`);
      assert.equal(r.status, 200, 'the retry reaches the good endpoint');
      assert.equal(r.json.name, 'good');
    }
    const posts = await Promise.all(
      Array.from({ length: 6 }, () => call(`${gw.url}/x`, { method: 'POST', body: 'x' })),
    );
    assert.ok(
      posts.some((p) => p.status === 503),
      'POST is not retried',
    );
    const route = gw.snapshot().routes[0]!;
    assert.ok(route.stats.retries >= 3);
  });

  test('the service breaker opens after the threshold and answers 503 with Retry-After', async () => {
    const bad = await startUpstream('bad', (req, res) => {
      req.resume();
      res.writeHead(500).end('bad');
    });
    cleanup.push(() => bad.close());
    const gw = await gatewayFrom(`
listen: 127.0.0.1:0
services:
  web:
    targets: [${bad.url}]
    outlierDetection: false
    circuitBreaker: { failureThreshold: 3, cooldown: 30s }
routes:
  - match: { path: / }
    service: web
`);
    cleanup.push(() => gw.close());
    for (let i = 0; i < 3; i++) assert.equal((await call(`${gw.url}/`)).status, 500);
    const r = await call(`${gw.url}/`);
    assert.equal(r.status, 503);
    assert.equal(r.json.error.code, 'SY_GW_CIRCUIT_OPEN');
    assert.equal(r.headers.get('retry-after'), '30');
    assert.equal(bad.seen.length, 3, 'the open breaker sent nothing upstream');
  });

  test('active health checks take a failing endpoint out and put it back', async () => {
    let healthy = true;
    const flaky = await startUpstream('flaky', (req, res) => {
      if (req.url === '/health') return void res.writeHead(healthy ? 200 : 500).end();
      res.end(JSON.stringify({ name: 'flaky' }));
    });
    const steady = await startUpstream('steady');
    cleanup.push(
      () => flaky.close(),
      () => steady.close(),
    );
    const gw = await gatewayFrom(`
listen: 127.0.0.1:0
services:
  web:
    targets: [${flaky.url}, ${steady.url}]
    healthCheck: { path: /health, interval: 1h, timeout: 1s, healthyThreshold: 1, unhealthyThreshold: 2 }
routes:
  - match: { path: / }
    service: web
`);
    cleanup.push(() => gw.close());
    const web = gw.snapshot().services.get('web')!;
    const checker = () => web.runHealthChecks();
    healthy = false;
    await checker();
    assert.equal(web.available.length, 2, 'one failure is below the threshold');
    await checker();
    assert.deepEqual(
      web.available.map((e) => e.url),
      [steady.url],
    );
    healthy = true;
    await checker();
    assert.equal(web.available.length, 2);
  });
});
