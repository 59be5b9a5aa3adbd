// A whole registry (startRegistry: in-memory store, HTTP and DNS on port 0) scraped over HTTP
// after real registrations, a real DNS query and a held blocking query. Waits are on events.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import dnsPacket from 'dns-packet';
import { silentLogger } from '../../src/core/logger.js';
import { startRegistry, type RunningRegistry } from '../../src/registry/registry-server.js';
import { put, register, until, within } from './http-harness.js';

const WAIT_MS = 5_000;

/** Scrapes `/metrics` and parses the text into `series → value`. */
async function scrape(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/metrics`, { headers });
  const text = await res.text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    values.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return { res, text, values };
}

/** One DNS question over UDP; resolves with the raw answer. */
async function udpAsk(port: number, name: string): Promise<Buffer> {
  const socket = createSocket('udp4');
  try {
    const reply = once(socket, 'message') as Promise<[Buffer]>;
    const query = dnsPacket.encode({ type: 'query', id: 7, questions: [{ name, type: 'A' }] });
    socket.send(query, port, '127.0.0.1');
    return (await within(reply, WAIT_MS, `DNS answer for ${name}`))[0];
  } finally {
    socket.close();
  }
}

const start = (extra: { token?: string; requireTokenForReads?: boolean } = {}) =>
  startRegistry({
    http: { host: '127.0.0.1', port: 0 },
    dns: { host: '127.0.0.1', port: 0 },
    dataDir: ':memory:',
    node: { name: 'node-1', address: '127.0.0.1' },
    logger: silentLogger,
    ...extra,
  });

describe('GET /metrics on a running registry', () => {
  let registry: RunningRegistry;
  before(async () => {
    registry = await start();
  });
  after(() => registry.close());

  test('Prometheus text with the registry content type; instances, services and checks', async () => {
    await register(registry.httpUrl, 'web', 'web1', 'passing');
    await register(registry.httpUrl, 'web', 'web2', 'warning');
    await register(registry.httpUrl, 'db', 'db1', 'critical');
    const { res, text, values } = await scrape(registry.httpUrl);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), registry.metrics.registry.contentType);
    assert.match(text, /^# HELP switchyard_registry_instances /m);
    assert.match(text, /^# TYPE switchyard_registry_instances gauge$/m);
    assert.equal(values.get('switchyard_registry_instances{status="passing"}'), 1);
    assert.equal(values.get('switchyard_registry_instances{status="warning"}'), 1);
    assert.equal(values.get('switchyard_registry_instances{status="critical"}'), 1);
    assert.equal(values.get('switchyard_registry_services'), 2);
    assert.equal(values.get('switchyard_registry_checks{type="ttl",status="passing"}'), 1);
    assert.equal(values.get('switchyard_registry_checks{type="ttl",status="critical"}'), 1);
    assert.equal(values.get('switchyard_registry_index'), registry.catalog.index);
    assert.ok((values.get('switchyard_process_cpu_user_seconds_total') ?? -1) >= 0);
    assert.ok(values.has('switchyard_nodejs_heap_size_used_bytes'));
  });

  test('a TTL pass moves an instance from critical to passing in the next scrape', async () => {
    const pass = await put(`${registry.httpUrl}/v1/agent/check/pass/service:db1`);
    assert.equal(pass.status, 200);
    const { values } = await scrape(registry.httpUrl);
    assert.equal(values.get('switchyard_registry_instances{status="passing"}'), 2);
    assert.equal(values.get('switchyard_registry_instances{status="critical"}'), 0);
  });

  test('DNS queries are counted by transport', async () => {
    const before = (await scrape(registry.httpUrl)).values;
    assert.ok(registry.dnsPort !== undefined);
    await udpAsk(registry.dnsPort, 'web.service.consul');
    const { values } = await scrape(registry.httpUrl);
    const udp = 'switchyard_registry_dns_queries_total{transport="udp"}';
    assert.equal(values.get(udp), (before.get(udp) ?? NaN) + 1);
    assert.equal(values.get('switchyard_registry_dns_queries_total{transport="tcp"}'), 0);
    assert.equal(values.get('switchyard_registry_dns_dropped_total'), 0);
  });

  test('a held blocking query shows in the watchers gauge until it is answered', async () => {
    const hub = registry.catalog.hub;
    const watching = hub.size;
    const index = registry.catalog.serviceIndex('web');
    const held = fetch(`${registry.httpUrl}/v1/health/service/web?index=${index}&wait=30s`);
    await until(() => hub.size > watching, WAIT_MS, 'the blocking query to be held');
    let { values } = await scrape(registry.httpUrl);
    assert.equal(values.get('switchyard_registry_watchers'), 1);
    assert.equal(values.get('switchyard_registry_watchers_limit'), 16_384);
    await register(registry.httpUrl, 'web', 'web3', 'passing'); // wakes the held query
    const answer = await within(held, WAIT_MS, 'the held query to be answered');
    assert.equal(answer.status, 200);
    await answer.arrayBuffer();
    ({ values } = await scrape(registry.httpUrl));
    assert.equal(values.get('switchyard_registry_watchers'), 0);
  });

  test('HEAD /metrics answers 200 with no body; other methods get 405', async () => {
    const head = await fetch(`${registry.httpUrl}/metrics`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
    const post = await fetch(`${registry.httpUrl}/metrics`, { method: 'POST' });
    assert.equal(post.status, 405);
    await post.arrayBuffer();
  });
});

describe('GET /metrics with a token', () => {
  test('is a read: open without requireTokenForReads', async () => {
    const registry = await start({ token: 's3cret' });
    try {
      const { res } = await scrape(registry.httpUrl);
      assert.equal(res.status, 200);
    } finally {
      await registry.close();
    }
  });

  test('with requireTokenForReads it needs the token (Bearer or X-Consul-Token)', async () => {
    const registry = await start({ token: 's3cret', requireTokenForReads: true });
    try {
      const denied = await scrape(registry.httpUrl);
      assert.equal(denied.res.status, 403);
      assert.doesNotMatch(denied.text, /switchyard_registry/);
      const bearer = await scrape(registry.httpUrl, { Authorization: 'Bearer s3cret' });
      assert.equal(bearer.res.status, 200);
      assert.equal(bearer.values.get('switchyard_registry_services'), 0);
      const consul = await scrape(registry.httpUrl, { 'X-Consul-Token': 's3cret' });
      assert.equal(consul.res.status, 200);
    } finally {
      await registry.close();
    }
  });
});
