import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { after, describe, test } from 'node:test';
import dnsPacket, { type DecodedPacket } from 'dns-packet';
import type { HealthEntry, NodeInfo } from '../catalog/model.js';
import type { DnsSource } from './dns-options.js';
import { DnsServer, type DnsServerOptions } from './dns-server.js';

const NODE: NodeInfo = { id: 'n1', name: 'node1', address: '127.0.0.1', datacenter: 'dc1' };

function instances(name: string, count: number): HealthEntry[] {
  return Array.from({ length: count }, (_, i) => ({
    service: {
      id: `${name}${i}`,
      name,
      address: `10.0.${i >> 8}.${i & 255}`,
      port: 8000 + i,
      tags: [],
      meta: {},
      weights: { passing: 1, warning: 1 },
      enableTagOverride: false,
      createIndex: 1,
      modifyIndex: 1,
    },
    checks: [],
    status: 'passing' as const,
  }));
}

const SERVICES: Record<string, HealthEntry[]> = {
  web: instances('web', 3),
  big: instances('big', 50),
};
const source: DnsSource = { node: NODE, healthOf: (name) => SERVICES[name] ?? [] };

/** Rejects if `promise` has not settled within `ms`: every wait in these tests is bounded. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function query(name: string, id: number, type: 'A' | 'SRV' = 'A'): Buffer {
  return dnsPacket.encode({ type: 'query', id, flags: 0x100, questions: [{ name, type }] });
}

/** dns-packet decodes the rcode but its types do not declare it. */
const rcode = (packet: DecodedPacket | undefined): unknown => (packet as { rcode?: string })?.rcode;

function frame(message: Buffer): Buffer {
  const length = Buffer.alloc(2);
  length.writeUInt16BE(message.length);
  return Buffer.concat([length, message]);
}

/** Sends each packet from one UDP socket and resolves with the first reply. */
async function udpAsk(port: number, ...packets: Buffer[]): Promise<DecodedPacket> {
  const socket = createSocket('udp4');
  try {
    const reply = once(socket, 'message') as Promise<[Buffer]>;
    for (const packet of packets) socket.send(packet, port, '127.0.0.1');
    const [message] = await within(reply, 2000, 'a UDP reply');
    return dnsPacket.decode(message);
  } finally {
    socket.close();
  }
}

/** A TCP client that decodes length-framed replies as they arrive. */
class TcpClient {
  readonly socket: Socket;
  readonly replies: DecodedPacket[] = [];
  readonly closed: Promise<void>;
  #buffer = Buffer.alloc(0);
  #waiters: (() => void)[] = [];

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.on('error', () => {});
    this.closed = once(this.socket, 'close').then(() => undefined);
    this.socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      while (this.#buffer.length >= 2 && this.#buffer.length >= 2 + this.#buffer.readUInt16BE(0)) {
        const length = this.#buffer.readUInt16BE(0);
        this.replies.push(dnsPacket.decode(this.#buffer.subarray(2, 2 + length)));
        this.#buffer = this.#buffer.subarray(2 + length);
      }
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  async connected(): Promise<void> {
    await within(once(this.socket, 'connect'), 2000, 'TCP connect');
  }

  /** Resolves once `count` replies have arrived. */
  async replyCount(count: number): Promise<DecodedPacket[]> {
    const arrived = async (): Promise<void> => {
      while (this.replies.length < count) {
        await new Promise<void>((resolve) => this.#waiters.push(resolve));
      }
    };
    await within(arrived(), 2000, `${count} TCP replies`);
    return this.replies;
  }
}

const servers: DnsServer[] = [];
async function startServer(options: Partial<DnsServerOptions> = {}) {
  const server = new DnsServer({ source, port: 0, ...options });
  servers.push(server);
  return { server, ...(await server.start()) };
}
after(async () => {
  for (const server of servers) await server.stop();
});

describe('DnsServer over UDP', () => {
  test('port 0 binds UDP and TCP on the same free port and answers', async () => {
    const { udpPort, tcpPort, address } = await startServer();
    assert.equal(address, '127.0.0.1');
    assert.ok(udpPort > 0);
    assert.equal(tcpPort, udpPort);
    const reply = await udpAsk(udpPort, query('web.service.consul', 11));
    assert.equal(reply.id, 11);
    assert.equal(reply.answers?.length, 3);
  });

  test('an oversized answer is truncated with TC; the same query over TCP gets it all', async () => {
    const { udpPort, tcpPort } = await startServer();
    const udp = await udpAsk(udpPort, query('big.service.consul', 12));
    assert.ok(udp.flag_tc);
    assert.ok(udp.answers!.length < 50);
    const tcp = new TcpClient(tcpPort);
    tcp.socket.write(frame(query('big.service.consul', 13)));
    const [reply] = await tcp.replyCount(1);
    assert.ok(!reply!.flag_tc);
    assert.equal(reply!.answers?.length, 50);
    tcp.socket.destroy();
  });

  test('garbage packets never stop the server: dropped or FORMERR, then a good query answers', async () => {
    const { server, udpPort } = await startServer();
    const garbage = [Buffer.alloc(0), Buffer.alloc(11, 0xff), Buffer.from('hello world, not dns')];
    let seed = 42;
    for (let i = 0; i < 200; i++) {
      const junk = Buffer.alloc(12 + (i % 100));
      for (let j = 0; j < junk.length; j++)
        junk[j] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
      junk[2]! &= 0x7f; // a query, so it gets FORMERR/NOTIMP rather than being dropped
      garbage.push(junk);
    }
    // One socket for everything, so the server reads the packets in the order they were sent
    // and the good query's reply proves every garbage packet before it was handled.
    const socket = createSocket('udp4');
    const goodReply = new Promise<DecodedPacket>((resolve) => {
      socket.on('message', (m: Buffer) => {
        if (m.length >= 2 && m.readUInt16BE(0) === 14) resolve(dnsPacket.decode(m));
      });
    });
    for (const packet of garbage) socket.send(packet, udpPort, '127.0.0.1');
    socket.send(query('web.service.consul', 14), udpPort, '127.0.0.1');
    const good = await within(goodReply, 2000, 'the reply to the good query');
    socket.close();
    assert.equal(good.answers?.length, 3);
    assert.equal(server.stats.udpQueries, garbage.length + 1);
    assert.equal(server.stats.dropped, 2, 'the 0- and 11-byte packets are dropped');
    assert.ok(server.stats.malformed > 0);
  });
});

describe('DnsServer over TCP', () => {
  test('several queries per connection, pipelined and split across writes, answered in order', async () => {
    const { tcpPort, server } = await startServer();
    const client = new TcpClient(tcpPort);
    await client.connected();
    client.socket.write(
      Buffer.concat([
        frame(query('web.service.consul', 21)),
        frame(query('nope.service.consul', 22)),
      ]),
    );
    const third = frame(query('web.service.consul', 23, 'SRV'));
    for (const byte of third) client.socket.write(Buffer.from([byte]));
    const replies = await client.replyCount(3);
    assert.deepEqual(
      replies.map((r) => r.id),
      [21, 22, 23],
    );
    assert.equal(rcode(replies[1]), 'NXDOMAIN');
    assert.equal(replies[2]!.answers?.[0]?.type, 'SRV');
    assert.equal(server.stats.tcpQueries, 3);
    client.socket.destroy();
  });

  test('a garbage frame closes that connection only', async () => {
    const { tcpPort, server } = await startServer();
    const bystander = new TcpClient(tcpPort);
    const victim = new TcpClient(tcpPort);
    await Promise.all([bystander.connected(), victim.connected()]);
    victim.socket.write(frame(Buffer.from('junk!')));
    await within(victim.closed, 2000, 'the garbage connection to close');
    assert.equal(server.stats.tcpBadFrames, 1);
    bystander.socket.write(frame(query('web.service.consul', 31)));
    const [reply] = await bystander.replyCount(1);
    assert.equal(reply!.answers?.length, 3);
    bystander.socket.destroy();
  });

  test('a readable but malformed query gets FORMERR, then the connection closes', async () => {
    const { tcpPort } = await startServer();
    const client = new TcpClient(tcpPort);
    const noQuestion = Buffer.alloc(12);
    noQuestion.writeUInt16BE(0x4444, 0);
    client.socket.write(frame(noQuestion));
    const [reply] = await client.replyCount(1);
    assert.equal(reply!.id, 0x4444);
    assert.equal(rcode(reply), 'FORMERR');
    await within(client.closed, 2000, 'close after FORMERR');
  });

  test('a frame longer than maxTcpMessageBytes closes the connection', async () => {
    const { tcpPort } = await startServer({ maxTcpMessageBytes: 512 });
    const client = new TcpClient(tcpPort);
    client.socket.write(Buffer.from([0x02, 0x01])); // announces 513 bytes
    await within(client.closed, 2000, 'close after an oversized length');
    assert.equal(client.replies.length, 0);
  });

  test('an idle connection is closed after tcpIdleTimeoutMs', async () => {
    const { tcpPort } = await startServer({ tcpIdleTimeoutMs: 50 });
    const client = new TcpClient(tcpPort);
    await client.connected();
    await within(client.closed, 2000, 'the idle timeout');
  });

  test('connections beyond maxTcpConnections are closed at once', async () => {
    const { tcpPort, server } = await startServer({ maxTcpConnections: 2 });
    const kept = [new TcpClient(tcpPort), new TcpClient(tcpPort)];
    for (const [i, client] of kept.entries()) {
      client.socket.write(frame(query('web.service.consul', 40 + i)));
      await client.replyCount(1); // accepted and served
    }
    const extra = new TcpClient(tcpPort);
    await within(extra.closed, 2000, 'the connection over the cap to close');
    assert.equal(server.stats.tcpRejected, 1);
    for (const client of kept) client.socket.destroy();
  });
});

describe('DnsServer lifecycle and options', () => {
  test('stop() closes open connections and frees the port; a second stop() is harmless', async () => {
    const server = new DnsServer({ source, port: 0 });
    const { tcpPort } = await server.start();
    const client = new TcpClient(tcpPort);
    await client.connected();
    await server.stop();
    await within(client.closed, 2000, 'the connection to close on stop');
    await server.stop();
    const again = new DnsServer({ source, port: tcpPort });
    await again.start();
    await again.stop();
  });

  test('a taken port rejects start() with SY_REG_DNS_LISTEN_FAILED', async () => {
    const { udpPort } = await startServer();
    const clash = new DnsServer({ source, port: udpPort });
    await assert.rejects(clash.start(), { code: 'SY_REG_DNS_LISTEN_FAILED' });
  });

  test('bad options throw SY_REG_DNS_INVALID_OPTION at construction', () => {
    const bad: Record<string, unknown>[] = [
      { port: -1 },
      { port: 70_000 },
      { address: 'localhost' },
      { maxTcpConnections: 0 },
      { tcpIdleTimeoutMs: 0 },
      { maxTcpMessageBytes: 100 },
      { tcpIdleTimeout: 5 },
      { source: undefined },
    ];
    for (const options of bad) {
      assert.throws(
        () => new DnsServer({ source, ...options }),
        { code: 'SY_REG_DNS_INVALID_OPTION' },
        JSON.stringify(options),
      );
    }
  });
});
