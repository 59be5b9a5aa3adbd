/**
 * The DNS interface against the real `dig` (Debian package `dnsutils`), served from a real
 * Catalog: what an operator or a resolver sees.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { Catalog, type ServiceSpec } from '../../src/registry/catalog/catalog.js';
import type { CheckDefinition } from '../../src/registry/catalog/model.js';
import type { DnsSource } from '../../src/registry/dns/dns-options.js';
import { DnsServer } from '../../src/registry/dns/dns-server.js';
import { MemoryStore } from '../../src/registry/store/memory-store.js';

const run = promisify(execFile);

function spec(id: string, name: string, address: string, port: number, tags: string[] = []) {
  const service: ServiceSpec = {
    id,
    name,
    address,
    port,
    tags,
    meta: {},
    weights: { passing: 1, warning: 1 },
    enableTagOverride: false,
  };
  return service;
}

function ttlCheck(serviceId: string): CheckDefinition {
  return {
    id: `service:${serviceId}`,
    name: 'ttl',
    serviceId,
    notes: '',
    type: 'ttl',
    ttlMs: 60_000,
    successBeforePassing: 0,
    failuresBeforeCritical: 0,
  };
}

let catalog: Catalog;
let server: DnsServer;
let port: number;

/** Runs dig against the server; each attempt waits 2 s at most and the whole run 15 s. */
async function dig(...args: string[]): Promise<string> {
  const { stdout } = await run(
    'dig',
    [`@127.0.0.1`, '-p', String(port), '+time=2', '+tries=1', ...args],
    { timeout: 15_000 },
  );
  return stdout;
}

const lines = (text: string): string[] =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith(';'));

before(async () => {
  catalog = await Catalog.open({
    store: new MemoryStore(),
    node: { name: 'node1', address: '127.0.0.1', datacenter: 'dc1' },
  });
  await catalog.registerService(spec('web1', 'web', '10.0.0.1', 8080, ['primary']));
  await catalog.registerService(spec('web2', 'web', '10.0.0.2', 8081));
  await catalog.registerService(spec('web3', 'web', '10.0.0.3', 8082), [
    { definition: ttlCheck('web3') }, // starts critical, as in Consul: never in DNS answers
  ]);
  await catalog.registerService(spec('web6', 'web', 'fd00::6', 8086));
  for (let i = 0; i < 60; i++) {
    await catalog.registerService(spec(`big${i}`, 'big', `10.1.0.${i}`, 9000 + i));
  }
  const source: DnsSource = catalog; // the Catalog is the DNS source, unadapted
  server = new DnsServer({ source, port: 0 });
  ({ udpPort: port } = await server.start());
});

after(async () => {
  await server?.stop();
  await catalog?.close();
});

describe('dig against the DNS interface', () => {
  test('A +short lists the healthy IPv4 instances', async () => {
    const out = await dig('web.service.consul', 'A', '+short');
    assert.deepEqual(lines(out).sort(), ['10.0.0.1', '10.0.0.2']);
  });

  test('AAAA and a tag filter', async () => {
    assert.deepEqual(lines(await dig('web.service.consul', 'AAAA', '+short')), ['fd00::6']);
    assert.deepEqual(lines(await dig('primary.web.service.consul', '+short')), ['10.0.0.1']);
  });

  test('SRV answers with ports and targets, and the targets’ addresses as additionals', async () => {
    const out = await dig('web.service.consul', 'SRV', '+noall', '+answer', '+additional');
    const records = lines(out).map((l) => l.split(/\s+/));
    const srv = records.filter((r) => r[3] === 'SRV').map((r) => r.slice(4).join(' '));
    assert.deepEqual(srv.sort(), [
      '1 1 8080 0a000001.addr.dc1.consul.',
      '1 1 8081 0a000002.addr.dc1.consul.',
      '1 1 8086 fd000000000000000000000000000006.addr.dc1.consul.',
    ]);
    const extra = records.filter((r) => r[3] === 'A' || r[3] === 'AAAA').map((r) => r[4]);
    assert.deepEqual(extra.sort(), ['10.0.0.1', '10.0.0.2', 'fd00::6']);
  });

  test('+tcp gets the same answer over TCP', async () => {
    const out = await dig('+tcp', 'web.service.consul', 'A', '+short');
    assert.deepEqual(lines(out).sort(), ['10.0.0.1', '10.0.0.2']);
  });

  test('an unknown name is NXDOMAIN with an SOA; a foreign name is REFUSED', async () => {
    const out = await dig('nope.service.consul', 'A');
    assert.match(out, /status: NXDOMAIN/);
    assert.match(
      out,
      /AUTHORITY SECTION:\s*\nconsul\.\s+0\s+IN\s+SOA\s+ns\.consul\. hostmaster\.consul\./,
    );
    assert.match(await dig('example.com', 'A'), /status: REFUSED/);
  });

  test('a truncated UDP answer makes dig retry over TCP and get every record', async () => {
    const out = await dig('big.service.consul', 'A');
    assert.match(out, /Truncated, retrying in TCP mode/);
    assert.match(out, /flags: qr aa rd; QUERY: 1, ANSWER: 60,/);
    const addresses = lines(out).filter((l) => /\sIN\s+A\s/.test(l));
    assert.equal(new Set(addresses).size, 60);
    // +ignore keeps the truncated UDP answer: fewer records, TC set (the test above can fail).
    const udpOnly = await dig('big.service.consul', 'A', '+ignore');
    assert.match(udpOnly, /flags: qr aa tc rd;/);
  });

  test('after UDP and TCP garbage the server still answers', async () => {
    const udp = createSocket('udp4');
    for (const junk of [Buffer.alloc(0), Buffer.alloc(5, 1), Buffer.alloc(40, 0xff)]) {
      udp.send(junk, port, '127.0.0.1');
    }
    const tcp = connect(port, '127.0.0.1');
    tcp.on('error', () => {});
    tcp.write(Buffer.from([0, 4, 1, 2, 3, 4]));
    const closed = once(tcp, 'close');
    await Promise.race([
      closed,
      new Promise((_, reject) => setTimeout(() => reject(new Error('no close')), 2000).unref()),
    ]);
    udp.close();
    const out = await dig('web.service.consul', 'A', '+short');
    assert.deepEqual(lines(out).sort(), ['10.0.0.1', '10.0.0.2']);
    assert.ok(server.stats.tcpBadFrames >= 1);
  });
});
