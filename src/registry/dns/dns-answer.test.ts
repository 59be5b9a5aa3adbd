import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import dnsPacket, {
  type Answer,
  type DecodedPacket,
  type OptAnswer,
  type SrvAnswer,
} from 'dns-packet';
import type { HealthEntry, HealthStatus, NodeInfo } from '../catalog/model.js';
import { answerDnsQuery, RCODE, type DnsTransport } from './dns-answer.js';
import { compileDnsOptions, type DnsAnswerOptions, type DnsSource } from './dns-options.js';
import { prng } from '../../../test/helpers/prng.js';

const NODE: NodeInfo = { id: 'n1', name: 'node1', address: '192.0.2.1', datacenter: 'dc1' };

function entry(
  id: string,
  address: string,
  status: HealthStatus = 'passing',
  tags: string[] = [],
  port = 8080,
): HealthEntry {
  return {
    service: {
      id,
      name: 'web',
      address,
      port,
      tags,
      meta: {},
      weights: { passing: 10, warning: 3 },
      enableTagOverride: false,
      createIndex: 1,
      modifyIndex: 1,
    },
    checks: [],
    status,
  };
}

/** A source over a fixed table; records every healthOf call. */
function fakeSource(services: Record<string, HealthEntry[]>, node = NODE) {
  const calls: { name: string; passingOnly: boolean }[] = [];
  const source: DnsSource = {
    node,
    healthOf(name, options) {
      calls.push({ name, passingOnly: options.passingOnly });
      const all = services[name] ?? [];
      return options.passingOnly ? all.filter((e) => e.status === 'passing') : all;
    },
  };
  return Object.assign(source, { calls });
}

interface QueryOptions {
  edns?: number;
  ednsVersion?: number;
  id?: number;
  transport?: DnsTransport;
  klass?: 'IN' | 'CH';
}

function query(name: string, type: string, q: QueryOptions = {}): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id: q.id ?? 4242,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type: type as 'A', class: q.klass ?? 'IN' }],
    additionals:
      q.edns === undefined
        ? []
        : [
            {
              name: '.',
              type: 'OPT',
              udpPayloadSize: q.edns,
              extendedRcode: 0,
              ednsVersion: q.ednsVersion ?? 0,
              flags: 0,
              flag_do: false,
              options: [],
            },
          ],
  });
}

const WEB = [
  entry('web1', '10.0.0.1', 'passing', ['primary']),
  entry('web2', '10.0.0.2', 'warning', ['Backup'], 8081),
  entry('web3', '10.0.0.3', 'critical', ['primary']),
  entry('web4', '2001:db8::4', 'passing', ['primary'], 9090),
  entry('web5', '', 'passing', [], 7070), // no own address: the node's
  entry('web6', '', 'passing', [], 7071), // a second instance on the node
];

function ask(
  source: DnsSource,
  name: string,
  type: string,
  q: QueryOptions = {},
  options: DnsAnswerOptions = {},
): { raw: Buffer; packet: DecodedPacket } {
  const compiled = compileDnsOptions({ random: prng(1), now: () => 1_700_000_000_000, ...options });
  const raw = answerDnsQuery(query(name, type, q), source, compiled, q.transport ?? 'udp');
  assert.ok(raw, 'expected an answer');
  return { raw, packet: dnsPacket.decode(raw) };
}

const data = (answers: Answer[] | undefined): unknown[] =>
  (answers ?? []).map((a) => (a as { data: unknown }).data);
const rcodeOf = (raw: Buffer): number => raw[3]! & 0xf;
const ttlOf = (answer: Answer | undefined): unknown =>
  (answer as { ttl?: number } | undefined)?.ttl;

describe('answerDnsQuery: positive answers', () => {
  test('A returns the IPv4 address of every passing and warning instance, never critical', () => {
    const { raw, packet } = ask(fakeSource({ web: WEB }), 'web.service.consul', 'A');
    assert.equal(rcodeOf(raw), RCODE.NOERROR);
    assert.equal(packet.id, 4242);
    assert.ok(packet.flag_qr && packet.flag_aa && packet.flag_rd && !packet.flag_tc);
    assert.deepEqual(
      data(packet.answers).sort(),
      ['10.0.0.1', '10.0.0.2', '192.0.2.1', '192.0.2.1'].sort(),
    );
    assert.ok(packet.answers!.every((a) => a.name === 'web.service.consul' && ttlOf(a) === 0));
  });

  test('onlyPassing drops warning instances too, and asks the source for passing ones', () => {
    const source = fakeSource({ web: WEB });
    const { packet } = ask(source, 'web.service.consul', 'A', {}, { onlyPassing: true });
    assert.deepEqual(data(packet.answers).sort(), ['10.0.0.1', '192.0.2.1', '192.0.2.1']);
    assert.deepEqual(source.calls, [{ name: 'web', passingOnly: true }]);
  });

  test('AAAA returns only IPv6 instances; ANY returns both families; ttl is configurable', () => {
    const source = fakeSource({ web: WEB });
    const aaaa = ask(source, 'web.service.consul', 'AAAA', {}, { ttl: 30 }).packet;
    assert.deepEqual(data(aaaa.answers), ['2001:db8::4']);
    assert.equal(ttlOf(aaaa.answers![0]), 30);
    const any = ask(source, 'web.service.consul', 'ANY').packet;
    assert.deepEqual(any.answers!.map((a) => a.type).sort(), ['A', 'A', 'A', 'A', 'AAAA']);
  });

  test('SRV: priority 1, weight by status, port, Consul targets, A/AAAA in additionals', () => {
    const { packet } = ask(fakeSource({ web: WEB }), 'web.service.consul', 'SRV', { edns: 4096 });
    const srv = (packet.answers as SrvAnswer[]).map((a) => a.data);
    const byPort = new Map(srv.map((d) => [d.port, d]));
    assert.equal(srv.length, 5);
    assert.ok(srv.every((d) => d.priority === 1));
    assert.deepEqual(byPort.get(8080), {
      priority: 1,
      weight: 10,
      port: 8080,
      target: '0a000001.addr.dc1.consul',
    });
    // A warning instance gets its warning weight, as Consul's SRV answers do.
    assert.deepEqual(byPort.get(8081), {
      priority: 1,
      weight: 3,
      port: 8081,
      target: '0a000002.addr.dc1.consul',
    });
    assert.equal(byPort.get(9090)?.target, '20010db8000000000000000000000004.addr.dc1.consul');
    assert.equal(byPort.get(7070)?.target, 'node1.node.dc1.consul');
    assert.equal(byPort.get(7071)?.target, 'node1.node.dc1.consul');
    const extras = (packet.additionals ?? [])
      .filter((a) => a.type !== 'OPT')
      .map((a) => `${a.name} ${a.type} ${String(data([a])[0])}`);
    assert.deepEqual(extras.sort(), [
      '0a000001.addr.dc1.consul A 10.0.0.1',
      '0a000002.addr.dc1.consul A 10.0.0.2',
      '20010db8000000000000000000000004.addr.dc1.consul AAAA 2001:db8::4',
      'node1.node.dc1.consul A 192.0.2.1', // once, though two instances point at it
    ]);
  });

  test('an instance with a host name address has an SRV target but no A record', () => {
    const source = fakeSource({ db: [entry('db1', 'db.example.org', 'passing', [], 5432)] });
    const srv = ask(source, 'db.service.consul', 'SRV').packet;
    assert.deepEqual(data(srv.answers), [
      { priority: 1, weight: 10, port: 5432, target: 'db.example.org' },
    ]);
    assert.deepEqual(srv.additionals ?? [], []);
    const a = ask(source, 'db.service.consul', 'A');
    assert.equal(rcodeOf(a.raw), RCODE.NOERROR);
    assert.equal(a.packet.answers?.length, 0);
  });

  test('tag filter, in both Consul and RFC 2782 forms, case-insensitively', () => {
    const source = fakeSource({ web: WEB });
    const a = (name: string) => data(ask(source, name, 'A').packet.answers).sort();
    assert.deepEqual(a('primary.web.service.consul'), ['10.0.0.1']);
    assert.deepEqual(a('PRIMARY.web.service.consul'), ['10.0.0.1']);
    assert.deepEqual(a('backup.web.service.consul'), ['10.0.0.2']);
    assert.deepEqual(a('_web._primary.service.consul'), ['10.0.0.1']);
    assert.equal(a('_web._tcp.service.consul').length, 4); // _tcp means "any tag", as in Consul
  });

  test('names are case-insensitive and the question is echoed as asked', () => {
    const { packet } = ask(fakeSource({ web: WEB }), 'WEB.Service.CONSUL', 'A');
    assert.equal(packet.answers?.length, 4);
    assert.equal(packet.questions?.[0]?.name, 'WEB.Service.CONSUL');
    assert.equal(packet.answers?.[0]?.name, 'WEB.Service.CONSUL');
  });

  test('datacenter forms: .dc1.dc and legacy .dc1 answer; another datacenter is NXDOMAIN', () => {
    const source = fakeSource({ web: WEB });
    assert.equal(ask(source, 'web.service.dc1.dc.consul', 'A').packet.answers?.length, 4);
    assert.equal(ask(source, 'web.service.dc1.consul', 'A').packet.answers?.length, 4);
    assert.equal(rcodeOf(ask(source, 'web.service.dc2.consul', 'A').raw), RCODE.NXDOMAIN);
  });

  test('SRV targets resolve: <node>.node and <hex>.addr names answer A/AAAA', () => {
    const source = fakeSource({});
    assert.deepEqual(data(ask(source, 'node1.node.dc1.consul', 'A').packet.answers), ['192.0.2.1']);
    assert.deepEqual(data(ask(source, 'NODE1.node.consul', 'A').packet.answers), ['192.0.2.1']);
    assert.deepEqual(data(ask(source, '0a000002.addr.dc1.consul', 'A').packet.answers), [
      '10.0.0.2',
    ]);
    const v6 = ask(source, '20010db8000000000000000000000004.addr.dc1.consul', 'AAAA').packet;
    assert.deepEqual(data(v6.answers), ['2001:db8::4']);
    assert.equal(rcodeOf(ask(source, 'other.node.consul', 'A').raw), RCODE.NXDOMAIN);
  });

  test('a custom domain is served and consul. is then refused', () => {
    const source = fakeSource({ web: WEB });
    const options = { domain: 'Registry.Internal.' };
    const hit = ask(source, 'web.service.registry.internal', 'A', {}, options).packet;
    assert.equal(hit.answers?.length, 4);
    assert.equal(rcodeOf(ask(source, 'web.service.consul', 'A', {}, options).raw), RCODE.REFUSED);
  });

  test('answers are shuffled: reproducible for one seed, different across seeds', () => {
    const many = Array.from({ length: 12 }, (_, i) => entry(`w${i}`, `10.1.0.${i}`));
    const source = fakeSource({ web: many });
    const order = (seed: number) =>
      data(ask(source, 'web.service.consul', 'A', {}, { random: prng(seed) }).packet.answers);
    assert.deepEqual(order(7), order(7));
    const orders = new Set([1, 2, 3, 4, 5].map((s) => order(s).join()));
    assert.ok(orders.size > 1, 'different seeds should give different orders');
    assert.notEqual(order(7).join(), many.map((e) => e.service.address).join());
  });
});

describe('answerDnsQuery: negative answers', () => {
  const soaOf = (packet: DecodedPacket) => packet.authorities?.find((a) => a.type === 'SOA');

  test('unknown service: NXDOMAIN with the SOA in authority (negative TTL configurable)', () => {
    const { raw, packet } = ask(fakeSource({}), 'nope.service.consul', 'A', {}, { soaMinTtl: 5 });
    assert.equal(rcodeOf(raw), RCODE.NXDOMAIN);
    assert.ok(packet.flag_aa);
    const soa = soaOf(packet);
    assert.equal(soa?.name, 'consul');
    assert.equal(soa?.ttl, 5);
    assert.deepEqual(soa?.type === 'SOA' && soa.data, {
      mname: 'ns.consul',
      rname: 'hostmaster.consul',
      serial: 1_700_000_000,
      refresh: 3600,
      retry: 600,
      expire: 86_400,
      minimum: 5,
    });
  });

  test('every instance critical, or no instance with the tag: NXDOMAIN as Consul', () => {
    const source = fakeSource({ web: WEB, down: [entry('d1', '10.9.9.9', 'critical')] });
    assert.equal(rcodeOf(ask(source, 'down.service.consul', 'A').raw), RCODE.NXDOMAIN);
    assert.equal(rcodeOf(ask(source, 'canary.web.service.consul', 'A').raw), RCODE.NXDOMAIN);
  });

  test('known name, no record of that type: NODATA (NOERROR, no answers, SOA)', () => {
    const source = fakeSource({ v4: [entry('a', '10.0.0.1')] });
    for (const type of ['AAAA', 'TXT', 'MX']) {
      const { raw, packet } = ask(source, 'v4.service.consul', type);
      assert.equal(rcodeOf(raw), RCODE.NOERROR, type);
      assert.equal(packet.answers?.length, 0, type);
      assert.ok(soaOf(packet), type);
    }
  });

  test('names inside the zone that mean nothing are NXDOMAIN; the apex has an SOA', () => {
    const source = fakeSource({ web: WEB });
    for (const name of [
      'consul.consul',
      'a.b.c.web.service.consul',
      'web.query.consul',
      '_web.service.consul',
    ]) {
      assert.equal(rcodeOf(ask(source, name, 'A').raw), RCODE.NXDOMAIN, name);
    }
    const apex = ask(source, 'consul', 'SOA').packet;
    assert.equal(apex.answers?.[0]?.type, 'SOA');
  });

  test('names outside the zone are REFUSED: we are not a recursor', () => {
    const source = fakeSource({ web: WEB });
    for (const name of ['example.com', 'web.service.notconsul', 'consul.example.com', '.']) {
      const { raw, packet } = ask(source, name, 'A');
      assert.equal(rcodeOf(raw), RCODE.REFUSED, name);
      assert.equal(packet.answers?.length, 0);
    }
    assert.deepEqual(source.calls, [], 'the catalog is not consulted for foreign names');
  });

  test('a class other than IN is REFUSED; a zone transfer is REFUSED', () => {
    const source = fakeSource({ web: WEB });
    assert.equal(
      rcodeOf(ask(source, 'web.service.consul', 'A', { klass: 'CH' }).raw),
      RCODE.REFUSED,
    );
    assert.equal(rcodeOf(ask(source, 'consul', 'AXFR').raw), RCODE.REFUSED);
  });

  test('a source that throws costs one SERVFAIL, not an exception', () => {
    const source: DnsSource = {
      node: NODE,
      healthOf() {
        throw new Error('boom');
      },
    };
    const { raw, packet } = ask(source, 'web.service.consul', 'A');
    assert.equal(rcodeOf(raw), RCODE.SERVFAIL);
    assert.equal(packet.id, 4242);
  });
});

describe('answerDnsQuery: size limits and truncation', () => {
  const many = Array.from({ length: 40 }, (_, i) => entry(`w${i}`, `10.2.${i >> 8}.${i & 255}`));
  const source = fakeSource({ big: many });

  test('UDP without EDNS: at most 512 bytes, as many records as fit, TC set', () => {
    const { raw, packet } = ask(source, 'big.service.consul', 'A');
    assert.ok(raw.length <= 512, `${raw.length} bytes`);
    assert.ok(packet.flag_tc);
    // header 12 + question 24 + 34 per A record: 14 fit in 512.
    assert.equal(packet.answers?.length, 14);
    assert.equal(packet.additionals?.length ?? 0, 0, 'no OPT when the query had none');
  });

  test('UDP with EDNS 4096: everything fits, no TC, OPT echoed with our size', () => {
    const { raw, packet } = ask(source, 'big.service.consul', 'A', { edns: 4096 });
    assert.ok(!packet.flag_tc);
    assert.equal(packet.answers?.length, 40);
    assert.ok(raw.length > 512);
    const opt = packet.additionals?.find((a) => a.type === 'OPT');
    assert.equal(opt?.type === 'OPT' && opt.udpPayloadSize, 4096);
  });

  test('UDP with EDNS 1232 is cut at 1232; below 512 counts as 512; maxUdpPayload caps it', () => {
    const mid = ask(source, 'big.service.consul', 'A', { edns: 1232 });
    assert.ok(mid.raw.length <= 1232 && mid.packet.flag_tc);
    assert.ok(mid.packet.answers!.length > 14 && mid.packet.answers!.length < 40);
    const tiny = ask(source, 'big.service.consul', 'A', { edns: 100 });
    assert.ok(tiny.raw.length <= 512 && tiny.raw.length > 400 && tiny.packet.flag_tc);
    const capped = ask(source, 'big.service.consul', 'A', { edns: 65_000 }, { maxUdpPayload: 600 });
    assert.ok(capped.raw.length <= 600 && capped.packet.flag_tc);
  });

  test('TCP sends every record whatever the count', () => {
    const { packet } = ask(source, 'big.service.consul', 'A', { transport: 'tcp' });
    assert.ok(!packet.flag_tc);
    assert.equal(packet.answers?.length, 40);
  });

  test('a truncated SRV answer keeps additionals in step with the SRV records kept', () => {
    const spread = Array.from({ length: 30 }, (_, i) => entry(`s${i}`, `10.3.0.${i}`));
    const { raw, packet } = ask(fakeSource({ srv: spread }), 'srv.service.consul', 'SRV');
    assert.ok(raw.length <= 512 && packet.flag_tc);
    const targets = (packet.answers as SrvAnswer[]).map((a) => a.data.target).sort();
    const extras = (packet.additionals ?? []).map((a) => a.name).sort();
    assert.ok(targets.length > 0);
    assert.deepEqual(extras, targets);
  });
});

describe('answerDnsQuery: EDNS0', () => {
  const source = fakeSource({ web: WEB });

  test('EDNS version above 0 gets BADVERS (extended rcode 16) and no answers', () => {
    const { raw, packet } = ask(source, 'web.service.consul', 'A', { edns: 1232, ednsVersion: 1 });
    const opt = packet.additionals?.find((a) => a.type === 'OPT');
    assert.equal(rcodeOf(raw), 0);
    assert.equal(opt?.type === 'OPT' && opt.extendedRcode, 1); // 1 << 4 | 0 = 16
    assert.equal(packet.answers?.length, 0);
  });

  test('two OPT records are a FORMERR', () => {
    const opt: OptAnswer = {
      name: '.',
      type: 'OPT',
      udpPayloadSize: 1232,
      extendedRcode: 0,
      ednsVersion: 0,
      flags: 0,
      flag_do: false,
      options: [],
    };
    const packet = dnsPacket.encode({
      type: 'query',
      id: 9,
      questions: [{ name: 'web.service.consul', type: 'A' }],
      additionals: [opt, opt],
    });
    const raw = answerDnsQuery(packet, source, compileDnsOptions(), 'udp');
    assert.equal(raw && rcodeOf(raw), RCODE.FORMERR);
  });
});

/** A raw 12-byte header followed by `rest`. */
function rawPacket(
  fields: { id?: number; flags?: number; qd?: number; ar?: number },
  rest: number[] = [],
): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(fields.id ?? 0x1234, 0);
  header.writeUInt16BE(fields.flags ?? 0x0100, 2);
  header.writeUInt16BE(fields.qd ?? 1, 4);
  header.writeUInt16BE(fields.ar ?? 0, 10);
  return Buffer.concat([header, Buffer.from(rest)]);
}

const WEB_QUESTION = [
  3,
  ...Buffer.from('web'),
  7,
  ...Buffer.from('service'),
  6,
  ...Buffer.from('consul'),
  0,
  0,
  1,
  0,
  1,
];

describe('answerDnsQuery: malformed input', () => {
  const source = fakeSource({ web: WEB });
  const options = compileDnsOptions();
  const answer = (packet: Buffer, transport: DnsTransport = 'udp') =>
    answerDnsQuery(packet, source, options, transport);

  test('the raw fixture is itself a good query (so the cases below test what they claim)', () => {
    const raw = answer(rawPacket({}, WEB_QUESTION));
    assert.equal(raw && rcodeOf(raw), RCODE.NOERROR);
    assert.equal(raw && dnsPacket.decode(raw).answers?.length, 4);
  });

  test('fewer than 12 bytes is dropped: 0, 1, 2 and 11 bytes', () => {
    for (const length of [0, 1, 2, 11]) assert.equal(answer(Buffer.alloc(length, 0xab)), undefined);
  });

  test('a response (QR set) is dropped, so two servers cannot bounce packets forever', () => {
    assert.equal(answer(rawPacket({ flags: 0x8100 }, WEB_QUESTION)), undefined);
  });

  test('QDCOUNT 0, 2 or 65535 is FORMERR with the id kept', () => {
    for (const qd of [0, 2, 0xffff]) {
      const raw = answer(rawPacket({ id: 777, qd }, WEB_QUESTION));
      assert.ok(raw, `qd=${qd}`);
      assert.equal(raw.readUInt16BE(0), 777);
      assert.equal(rcodeOf(raw), RCODE.FORMERR, `qd=${qd}`);
      assert.equal(raw[2]! & 0x80, 0x80, 'QR set');
    }
  });

  test('ARCOUNT 65535 with nothing behind it is FORMERR, not a long loop', () => {
    const raw = answer(rawPacket({ ar: 0xffff }, WEB_QUESTION));
    assert.equal(raw && rcodeOf(raw), RCODE.FORMERR);
  });

  test('an opcode other than QUERY is NOTIMP, with the opcode echoed', () => {
    for (const opcode of [1, 2, 4, 5, 15]) {
      const raw = answer(rawPacket({ flags: (opcode << 11) | 0x0100 }, WEB_QUESTION));
      assert.ok(raw);
      assert.equal(rcodeOf(raw), RCODE.NOTIMP, `opcode ${opcode}`);
      assert.equal((raw[2]! >> 3) & 0xf, opcode);
    }
  });

  test('a truncated question is FORMERR', () => {
    for (let cut = 0; cut < WEB_QUESTION.length; cut++) {
      const raw = answer(rawPacket({}, WEB_QUESTION.slice(0, cut)));
      assert.equal(raw && rcodeOf(raw), RCODE.FORMERR, `cut at ${cut}`);
    }
  });

  test('compression-pointer loops end in FORMERR, not a hang', () => {
    const cases = [
      [0xc0, 12, 0, 1, 0, 1], // points at itself
      [1, 0x61, 0xc0, 12, 0, 1, 0, 1], // label, then back to its own start
      [0xc0, 14, 0xc0, 12, 0, 1, 0, 1], // forward pointer into a second pointer
      [0xc0, 2, 0, 1, 0, 1], // into the header
    ];
    for (const rest of cases) {
      const raw = answer(rawPacket({}, rest));
      assert.equal(raw && rcodeOf(raw), RCODE.FORMERR, JSON.stringify(rest));
    }
  });

  test('a name that cannot be echoed faithfully (space, NUL, non-ASCII) is FORMERR', () => {
    for (const label of [
      [0x61, 0x20, 0x62],
      [0x61, 0x00],
      [0xc3, 0xa9],
    ]) {
      const raw = answer(
        rawPacket({}, [label.length, ...label, 6, ...Buffer.from('consul'), 0, 0, 1, 0, 1]),
      );
      assert.equal(raw && rcodeOf(raw), RCODE.FORMERR, JSON.stringify(label));
    }
  });

  test('garbage corpus: seeded random buffers and mutated queries never throw', () => {
    const random = prng(0x5eed);
    const good = rawPacket({}, WEB_QUESTION);
    const outcomes = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      let packet: Buffer;
      if (i % 2 === 0) {
        packet = Buffer.alloc(Math.floor(random() * 600));
        for (let j = 0; j < packet.length; j++) packet[j] = Math.floor(random() * 256);
      } else {
        packet = Buffer.from(good.subarray(0, 1 + Math.floor(random() * good.length)));
        const flips = 1 + Math.floor(random() * 4);
        for (let f = 0; f < flips; f++) {
          const at = Math.floor(random() * packet.length);
          packet[at] = packet[at]! ^ (1 << Math.floor(random() * 8));
        }
      }
      const transport = i % 3 === 0 ? 'tcp' : 'udp';
      const raw = answer(packet, transport);
      if (raw === undefined) {
        outcomes.set('dropped', (outcomes.get('dropped') ?? 0) + 1);
        continue;
      }
      assert.equal(raw.readUInt16BE(0), packet.readUInt16BE(0), 'the id is echoed');
      assert.ok(transport === 'tcp' || raw.length <= 4096);
      const decoded = dnsPacket.decode(raw); // every answer we send is itself well-formed
      assert.equal(decoded.type, 'response');
      const rcode = String(rcodeOf(raw));
      outcomes.set(rcode, (outcomes.get(rcode) ?? 0) + 1);
    }
    // The corpus must reach the interesting branches, or it proves little.
    for (const kind of [
      'dropped',
      String(RCODE.FORMERR),
      String(RCODE.NOTIMP),
      String(RCODE.NOERROR),
    ]) {
      assert.ok(
        (outcomes.get(kind) ?? 0) > 0,
        `no ${kind} outcome in ${JSON.stringify([...outcomes])}`,
      );
    }
  });
});
