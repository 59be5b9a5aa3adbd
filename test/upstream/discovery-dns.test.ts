import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import { after, describe, test } from 'node:test';
import { silentLogger } from '../../src/core/logger.js';
import {
  dnsSource,
  type DnsResolver,
  type DnsSourceOptions,
} from '../../src/core/upstream/discovery/dns-source.js';
import type { EndpointSource } from '../../src/core/upstream/discovery/endpoint-source.js';
import { ManualClock } from '../../src/resilience/clock.js';
import type { RunningRegistry } from '../../src/registry/registry-server.js';
import {
  ids,
  listWhere,
  register,
  report,
  startTestRegistry,
  statusWhere,
} from './discovery-harness.js';

type Srv = { name: string; port: number; priority: number; weight: number };

/** A resolver the test scripts: each name answers a value, an error code, or never. */
class FakeResolver implements DnsResolver {
  /** A list, an error code (e.g. `ENOTFOUND`), or `hang`. */
  answers = new Map<string, string[] | Srv[] | string>();
  calls = 0;
  resolve4(name: string): Promise<string[]> {
    return this.#answer(name) as Promise<string[]>;
  }
  resolveSrv(name: string): Promise<Srv[]> {
    return this.#answer(name) as Promise<Srv[]>;
  }
  #answer(name: string): Promise<unknown> {
    this.calls++;
    const a = this.answers.get(name) ?? 'ENOTFOUND';
    if (a === 'hang') return new Promise(() => {});
    if (typeof a === 'string') {
      return Promise.reject(Object.assign(new Error(`query ${a} ${name}`), { code: a }));
    }
    return Promise.resolve(a);
  }
}

const sources: EndpointSource[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const s of sources) s.close();
  for (const c of cleanups) await c();
});

function watch(options: DnsSourceOptions): EndpointSource {
  const s = dnsSource({ logger: silentLogger, ...options });
  sources.push(s);
  return s;
}

function fixture() {
  const clock = new ManualClock();
  const resolver = new FakeResolver();
  return { clock, resolver };
}

describe('dnsSource with a scripted resolver', () => {
  test('A: every address on the port, sorted by host:port', async () => {
    const { clock, resolver } = fixture();
    resolver.answers.set('web.local', ['10.0.0.2', '10.0.0.1', '10.0.0.2']);
    const s = watch({ name: 'web.local', type: 'A', port: 8080, resolver, clock });
    assert.ok(await s.ready(1_000));
    assert.deepEqual(s.current(), [
      { id: '10.0.0.1:8080', url: 'http://10.0.0.1:8080', weight: 1 },
      { id: '10.0.0.2:8080', url: 'http://10.0.0.2:8080', weight: 1 },
    ]);
  });

  test('SRV: lowest priority only, weights honoured, targets resolved (A, then AAAA)', async () => {
    const { clock, resolver } = fixture();
    const r6 = Object.assign(resolver, {
      resolve6: (name: string) =>
        name === 'v6.host' ? Promise.resolve(['::1']) : Promise.reject(new Error('x')),
    });
    resolver.answers.set('_web._tcp.local', [
      { name: 'a.host', port: 9001, priority: 10, weight: 60 },
      { name: '10.0.0.9', port: 9002, priority: 10, weight: 30 },
      { name: 'v6.host', port: 9003, priority: 10, weight: 10 },
      { name: 'backup.host', port: 9004, priority: 20, weight: 100 },
    ]);
    resolver.answers.set('a.host', ['10.0.0.1']);
    resolver.answers.set('v6.host', 'ENODATA');
    const s = watch({ name: '_web._tcp.local', type: 'SRV', resolver: r6, clock, scheme: 'https' });
    assert.ok(await s.ready(1_000));
    assert.deepEqual(s.current(), [
      { id: '10.0.0.1:9001', url: 'https://10.0.0.1:9001', weight: 60 },
      { id: '10.0.0.9:9002', url: 'https://10.0.0.9:9002', weight: 30 },
      { id: '[::1]:9003', url: 'https://[::1]:9003', weight: 10 },
    ]);
  });

  test('SRV: all-zero weights count as 1; an unresolvable target fails the round', async () => {
    const { clock, resolver } = fixture();
    resolver.answers.set('srv', [
      { name: '10.0.0.1', port: 1, priority: 0, weight: 0 },
      { name: '10.0.0.2', port: 2, priority: 0, weight: 0 },
    ]);
    const s = watch({ name: 'srv', type: 'SRV', resolver, clock, interval: 1_000 });
    assert.ok(await s.ready(1_000));
    assert.deepEqual(
      s.current()?.map((e) => e.weight),
      [1, 1],
    );
    resolver.answers.set('srv', [{ name: 'gone.host', port: 1, priority: 0, weight: 1 }]);
    await clock.advanceAsync(1_000);
    const status = await statusWhere(s, (x) => x.state === 'stale', 1_000, 'stale');
    assert.match(status.lastError ?? '', /SRV target gone.host did not resolve/);
    assert.equal(s.current()?.length, 2);
  });

  test('failures keep the last good list; NXDOMAIN means none; polls every interval', async () => {
    const { clock, resolver } = fixture();
    resolver.answers.set('web', ['10.0.0.1']);
    const s = watch({ name: 'web', type: 'A', port: 80, resolver, clock, interval: 1_000 });
    assert.ok(await s.ready(1_000));
    const calls = resolver.calls;
    resolver.answers.set('web', 'ESERVFAIL');
    await clock.advanceAsync(999);
    assert.equal(resolver.calls, calls, 'not before the interval');
    await clock.advanceAsync(1);
    const status = await statusWhere(s, (x) => x.state === 'stale', 1_000, 'stale');
    assert.match(status.lastError ?? '', /DNS A lookup of web failed: query ESERVFAIL web/);
    assert.deepEqual(ids(s.current()), ['10.0.0.1:80']);

    resolver.answers.set('web', 'hang');
    await clock.advanceAsync(1_000); // next poll; it hangs
    await clock.advanceAsync(1_000); // its timeout (min(interval, 5 s))
    await statusWhere(s, (x) => /took over 1000 ms/.test(x.lastError ?? ''), 1_000, 'timeout');
    assert.deepEqual(ids(s.current()), ['10.0.0.1:80']);

    resolver.answers.set('web', 'ENOTFOUND');
    await clock.advanceAsync(1_000);
    await listWhere(s, (l) => l.length === 0, 1_000, 'empty on NXDOMAIN');
    assert.equal(s.status().state, 'ok');
    s.close();
    assert.equal(clock.pendingTimers, 0);
  });

  test('options are validated', () => {
    const resolver = new FakeResolver();
    assert.throws(() => dnsSource({ name: 'x', type: 'A', resolver }), /dnsSource\.port/);
    assert.throws(
      () => dnsSource({ name: 'x', type: 'MX' as 'A', port: 1, resolver }),
      /dnsSource\.type/,
    );
    assert.throws(() => dnsSource({ name: 'x', type: 'SRV', interval: 0, resolver }), {
      code: 'SY_DISCOVERY_INVALID_OPTION',
    });
  });
});

describe('dnsSource against the registry DNS server', { timeout: 20_000 }, () => {
  test('SRV and A answers follow registrations and health', async () => {
    const reg: RunningRegistry = await startTestRegistry({ dns: true });
    cleanups.push(() => reg.close());
    const resolver = new Resolver({ timeout: 500, tries: 1 });
    resolver.setServers([`127.0.0.1:${reg.dnsPort}`]);
    cleanups.push(() => resolver.cancel());
    await register(reg.httpUrl, { id: 'web-1', port: 9001, weight: 5 });
    await register(reg.httpUrl, { id: 'web-2', port: 9002, weight: 2 });

    const srv = watch({ name: 'web.service.consul', type: 'SRV', resolver, interval: 50 });
    const a = watch({ name: 'web.service.consul', type: 'A', port: 80, resolver, interval: 50 });
    assert.ok(await srv.ready(2_000));
    assert.ok(await a.ready(2_000));
    assert.deepEqual(srv.current(), [
      { id: '127.0.0.1:9001', url: 'http://127.0.0.1:9001', weight: 5 },
      { id: '127.0.0.1:9002', url: 'http://127.0.0.1:9002', weight: 2 },
    ]);
    assert.deepEqual(ids(a.current()), ['127.0.0.1:80']);

    await register(reg.httpUrl, { id: 'web-3', port: 9003 });
    await listWhere(srv, (l) => l.length === 3, 2_000, 'web-3 via DNS');
    await report(reg.httpUrl, 'web-1', 'fail');
    await listWhere(srv, (l) => !ids(l).includes('127.0.0.1:9001'), 2_000, 'web-1 dropped');

    await reg.close();
    const status = await statusWhere(srv, (x) => x.state === 'stale', 3_000, 'stale');
    assert.match(status.lastError ?? '', /DNS|took over/);
    assert.deepEqual(ids(srv.current()), ['127.0.0.1:9002', '127.0.0.1:9003']);
  });
});
