import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { register, report, startTestRegistry } from '../upstream/discovery-harness.js';
import { call, gatewayFrom, startUpstream } from './harness.js';

/** Resolves when `service` in the gateway has exactly `count` available endpoints. */
function whenAvailable(
  gw: Awaited<ReturnType<typeof gatewayFrom>>,
  service: string,
  count: number,
  timeoutMs = 5_000,
): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const svc = gw.snapshot().services.get(service)!;
    const check = () => {
      if (svc.available.length === count) {
        svc.source.status(); // keep the source referenced
        resolve(performance.now() - started);
        return true;
      }
      return false;
    };
    if (check()) return;
    const dispose = svc.source.onUpdate(() => {
      // The service applies the update in its own listener; read it on the next tick.
      queueMicrotask(() => {
        if (check()) {
          dispose();
          clearTimeout(timer);
        }
      });
    });
    const timer = setTimeout(() => {
      dispose();
      reject(new Error(`${service}: ${svc.available.length} available, wanted ${count}`));
    }, timeoutMs);
  });
}

describe('gateway with registry discovery', () => {
  const cleanup: (() => Promise<void>)[] = [];
  after(async () => {
    for (const f of cleanup.reverse()) await f();
  });

  test('routes to passing instances, applies changes within 1 s, keeps the last good list when the registry is down', async () => {
    const registry = await startTestRegistry();
    let registryUp = true;
    cleanup.push(async () => {
      if (registryUp) await registry.close();
    });
    const one = await startUpstream('one');
    const two = await startUpstream('two');
    cleanup.push(
      () => one.close(),
      () => two.close(),
    );
    await register(registry.httpUrl, { id: 'user-1', name: 'user-service', port: one.port });

    const gw = await gatewayFrom(`
listen: 127.0.0.1:0
registry: { address: ${registry.httpUrl} }
services:
  user-service: { balancer: least-request }
routes:
  - match: { path: /api/v1/users }
    service: user-service
`);
    cleanup.push(() => gw.close());
    await whenAvailable(gw, 'user-service', 1);
    assert.equal((await call(`${gw.url}/api/v1/users/7`)).json.name, 'one');

    // A new instance is picked up within a second.
    const added = whenAvailable(gw, 'user-service', 2);
    await register(registry.httpUrl, { id: 'user-2', name: 'user-service', port: two.port });
    assert.ok((await added) < 1_000, 'applied within 1 s');

    // A failing check takes it out again.
    const removed = whenAvailable(gw, 'user-service', 1);
    await report(registry.httpUrl, 'user-1', 'fail');
    assert.ok((await removed) < 1_000);
    for (let i = 0; i < 4; i++)
      assert.equal((await call(`${gw.url}/api/v1/users`)).json.name, 'two');

    // Registry down: traffic continues on the last known good list.
    await registry.close();
    registryUp = false;
    for (let i = 0; i < 4; i++) assert.equal((await call(`${gw.url}/api/v1/users`)).status, 200);
    const status = gw.snapshot().services.get('user-service')!.status() as {
      source: { state: string };
    };
    assert.ok(['ok', 'stale'].includes(status.source.state));
  });
});
