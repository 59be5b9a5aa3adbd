import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { silentLogger } from '../../src/core/logger.js';
import type { EndpointSource } from '../../src/core/upstream/discovery/endpoint-source.js';
import { registrySource } from '../../src/core/upstream/discovery/registry-source.js';
import type { RegistrySourceOptions } from '../../src/core/upstream/discovery/registry-source-options.js';
import type { RunningRegistry } from '../../src/registry/registry-server.js';
import {
  ids,
  listWhere,
  register,
  report,
  startTestRegistry,
  statusWhere,
} from './discovery-harness.js';

const sources: EndpointSource[] = [];
const registries: RunningRegistry[] = [];
after(async () => {
  for (const s of sources) s.close();
  for (const r of registries) await r.close();
});

async function registry(options: Parameters<typeof startTestRegistry>[0] = {}) {
  const r = await startTestRegistry(options);
  registries.push(r);
  return r;
}

function watch(address: string, options: Partial<RegistrySourceOptions> = {}): EndpointSource {
  const s = registrySource({ address, service: 'web', logger: silentLogger, ...options });
  sources.push(s);
  return s;
}

/** Blocking queries the registry holds right now (its own gauge). */
async function heldWatchers(reg: RunningRegistry): Promise<number> {
  const text = await (await fetch(`${reg.httpUrl}/metrics`)).text();
  return Number(/^switchyard_registry_watchers (\d+)/m.exec(text)?.[1] ?? NaN);
}

/** Re-evaluates an async predicate until it holds, bounded by `ms`. */
async function untilAsync(predicate: () => Promise<boolean>, ms: number, what: string) {
  const deadline = performance.now() + ms;
  while (!(await predicate())) {
    if (performance.now() > deadline)
      throw new Error(`timed out after ${ms} ms waiting for ${what}`);
  }
}

/** Milliseconds from now until `promise` settles. */
async function timed<T>(promise: Promise<T>): Promise<number> {
  const start = performance.now();
  await promise;
  return performance.now() - start;
}

describe('registrySource against the real registry', { timeout: 30_000 }, () => {
  test('first read, then every change applied within 1 s of the write', async () => {
    const reg = await registry();
    await register(reg.httpUrl, { id: 'web-1', port: 9001, weight: 3, meta: { zone: 'a' } });
    const source = watch(reg.httpUrl);
    assert.equal(source.status().state, 'starting');
    assert.equal(await source.ready(5_000), true);
    assert.deepEqual(source.current(), [
      { id: 'web-1', url: 'http://127.0.0.1:9001', weight: 3, tags: [], meta: { zone: 'a' } },
    ]);
    const status = source.status();
    assert.equal(status.state, 'ok');
    assert.match(status.index ?? '', /^\d+$/);
    assert.ok((status.lastUpdateAt ?? 0) > Date.now() - 5_000);

    const added = listWhere(source, (l) => ids(l).includes('web-2'), 1_000, 'web-2 added');
    const addMs = await timed(
      Promise.all([register(reg.httpUrl, { id: 'web-2', port: 9002 }), added]),
    );
    const gone = listWhere(source, (l) => !ids(l).includes('web-1'), 1_000, 'web-1 removed');
    const removeMs = await timed(
      Promise.all([
        fetch(`${reg.httpUrl}/v1/agent/service/deregister/web-1`, { method: 'PUT' }),
        gone,
      ]),
    );
    assert.deepEqual(ids(source.current()), ['web-2']);
    console.log(`# change applied: add ${addMs.toFixed(1)} ms, remove ${removeMs.toFixed(1)} ms`);
  });

  test('passing only: a failing TTL check removes the instance, passing brings it back', async () => {
    const reg = await registry();
    await register(reg.httpUrl, { id: 'a', port: 9001 });
    await register(reg.httpUrl, { id: 'b', port: 9002 });
    const source = watch(reg.httpUrl);
    const all = watch(reg.httpUrl, { passingOnly: false });
    await listWhere(source, (l) => l.length === 2, 5_000, 'both');
    await listWhere(all, (l) => l.length === 2, 5_000, 'both (all)');

    const failMs = await timed(
      Promise.all([
        report(reg.httpUrl, 'b', 'fail'),
        listWhere(source, (l) => ids(l).join() === 'a', 1_000, 'b removed'),
      ]),
    );
    console.log(`# failing check applied in ${failMs.toFixed(1)} ms`);
    await listWhere(
      all,
      (l) => ids(l).join() === 'a',
      1_000,
      'critical dropped even when not passingOnly',
    );
    await report(reg.httpUrl, 'b', 'warn');
    await listWhere(
      all,
      (l) => ids(l).join() === 'a,b',
      1_000,
      'warning kept when not passingOnly',
    );
    assert.deepEqual(ids(source.current()), ['a']);
    await report(reg.httpUrl, 'b', 'pass');
    await listWhere(source, (l) => ids(l).join() === 'a,b', 1_000, 'b back');
  });

  test('tags and meta filter the instances', async () => {
    const reg = await registry();
    await register(reg.httpUrl, { id: 'v1', port: 9001, tags: ['v1'] });
    await register(reg.httpUrl, {
      id: 'v2',
      port: 9002,
      tags: ['v2', 'https'],
      meta: { tier: 'gold' },
    });
    const v2 = watch(reg.httpUrl, { tags: ['v2'] });
    const gold = watch(reg.httpUrl, { meta: { tier: 'gold' } });
    const both = watch(reg.httpUrl, { tags: ['v1', 'v2'] });
    assert.ok(await v2.ready(5_000));
    assert.ok(await gold.ready(5_000));
    assert.ok(await both.ready(5_000));
    assert.deepEqual(
      v2.current()?.map((e) => e.url),
      ['https://127.0.0.1:9002'],
    );
    assert.deepEqual(ids(gold.current()), ['v2']);
    assert.deepEqual(ids(both.current()), []);
    await register(reg.httpUrl, { id: 'v1b', port: 9003, tags: ['v1'] });
    await register(reg.httpUrl, { id: 'v2b', port: 9004, tags: ['v2'] });
    const next = await listWhere(v2, (l) => l.length > 1, 1_000, 'second v2');
    assert.deepEqual(ids(next), ['v2', 'v2b']);
  });

  test('token: sent as X-Consul-Token; a wrong one leaves the source stale with the 403', async () => {
    const reg = await registry({ token: 's3cret' });
    await register(reg.httpUrl, { id: 'a', port: 9001 }, { 'x-consul-token': 's3cret' });
    const good = watch(reg.httpUrl, { token: 's3cret' });
    assert.ok(await good.ready(5_000));
    assert.deepEqual(ids(good.current()), ['a']);
    const bad = watch(reg.httpUrl, { token: 'wrong' });
    const status = await statusWhere(bad, (s) => s.state === 'stale', 2_000, 'stale');
    assert.match(status.lastError ?? '', /registry answered 403/);
    assert.equal(bad.current(), undefined);
    assert.equal(await bad.ready(10), false);
  });

  test('registry down: last good list kept, stale; back on the same port: recovered within ~1 s', async () => {
    const first = await startTestRegistry();
    const port = Number(new URL(first.httpUrl).port);
    await register(first.httpUrl, { id: 'old', port: 9001 });
    const source = watch(first.httpUrl);
    assert.ok(await source.ready(5_000));
    await first.close();
    const stale = await statusWhere(source, (s) => s.state === 'stale', 2_000, 'stale');
    assert.match(stale.lastError ?? '', /registry request failed|ECONNREFUSED|other side closed/);
    assert.deepEqual(ids(source.current()), ['old']);
    // The retries continue while down; the list is never cleared.
    await statusWhere(source, (s) => /ECONNREFUSED/.test(s.lastError ?? ''), 2_000, 'refused');
    assert.deepEqual(ids(source.current()), ['old']);

    const start = performance.now();
    const second = await registry({ port });
    await register(second.httpUrl, { id: 'new', port: 9002 });
    await listWhere(source, (l) => ids(l).join() === 'new', 2_000, 'new registry picked up');
    const recoverMs = performance.now() - start;
    console.log(`# new registry picked up in ${recoverMs.toFixed(0)} ms`);
    assert.ok(recoverMs < 1_200, `recovered in ${recoverMs} ms`);
    assert.equal(source.status().state, 'ok');
    assert.equal(source.status().lastError, undefined);
    // Its index counts from 1 again; the source must keep blocking on the new one.
    const later = listWhere(source, (l) => l.length === 2, 1_000, 'change on new registry');
    await register(second.httpUrl, { id: 'new2', port: 9003 });
    await later;
  });

  test('close aborts the held blocking query and stops the loop', async () => {
    const reg = await registry();
    const source = watch(reg.httpUrl, { waitMs: 600_000 });
    let updates = 0;
    source.onUpdate(() => updates++);
    assert.ok(await source.ready(5_000));
    await untilAsync(async () => (await heldWatchers(reg)) === 1, 2_000, 'query held');
    source.close();
    await untilAsync(async () => (await heldWatchers(reg)) === 0, 2_000, 'query released');
    await register(reg.httpUrl, { id: 'after-close', port: 9001 });
    assert.equal(updates, 1); // the first read only
    assert.deepEqual(ids(source.current()), []);
    assert.equal(await source.ready(), true); // was ready before close
  });

  test('bad options are refused with SY_DISCOVERY_INVALID_OPTION naming the option', () => {
    const bad: [Partial<RegistrySourceOptions>, RegExp][] = [
      [{ address: 'ftp://x' }, /registrySource\.address/],
      [{ address: 'not a url' }, /registrySource\.address/],
      [{ service: '' }, /registrySource\.service/],
      [{ waitMs: 0 }, /registrySource\.waitMs/],
      [{ waitMs: 11 * 60_000 }, /registrySource\.waitMs/],
      [{ retryInitialMs: 500, retryMaxMs: 100 }, /registrySource\.retryMaxMs/],
      [{ token: '' }, /registrySource\.token/],
    ];
    for (const [options, message] of bad) {
      assert.throws(
        () => registrySource({ address: 'http://127.0.0.1:1', service: 'web', ...options }),
        (e: Error & { code?: string }) =>
          e.code === 'SY_DISCOVERY_INVALID_OPTION' && message.test(e.message),
      );
    }
  });
});
