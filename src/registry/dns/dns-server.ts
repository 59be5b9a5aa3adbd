import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIP, isIPv6, type Server, type Socket } from 'node:net';
import { SwitchyardError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { answerDnsQuery, RCODE } from './dns-answer.js';
import {
  compileDnsOptions,
  DnsOptionError,
  integer,
  type CompiledDnsOptions,
  type DnsAnswerOptions,
  type DnsSource,
} from './dns-options.js';
import { serveDnsTcpConnection, type DnsTcpContext } from './dns-tcp-connection.js';

/** Options of a `DnsServer`: where it listens, its TCP limits, and how it answers. */
export interface DnsServerOptions extends DnsAnswerOptions {
  /** Where answers come from (the `Catalog`). */
  readonly source: DnsSource;
  /** Listen address (default `127.0.0.1`: loopback unless asked otherwise). */
  readonly address?: string;
  /** UDP and TCP port (default 8600, as Consul). 0 picks a free port, the same for both. */
  readonly port?: number;
  /** A TCP connection with no traffic this long is closed (default 10 000 ms). */
  readonly tcpIdleTimeoutMs?: number;
  /** Concurrent TCP connections; more are closed at once (default 256). */
  readonly maxTcpConnections?: number;
  /** The largest query accepted over TCP; a longer frame closes the connection (default 4096). */
  readonly maxTcpMessageBytes?: number;
  /** Told about socket-level failures; never about single packets, so a flood cannot flood it. */
  readonly logger?: Pick<Logger, 'warn'>;
}

/** Where a started server listens. */
export interface DnsServerAddress {
  readonly address: string;
  readonly udpPort: number;
  readonly tcpPort: number;
}

/** Counters a metrics exporter can read; the only per-packet trace the server keeps. */
export interface DnsServerStats {
  udpQueries: number;
  tcpQueries: number;
  /** UDP packets dropped unanswered (shorter than a header, or not a query). */
  dropped: number;
  /** Answers with FORMERR (malformed queries). */
  malformed: number;
  /** UDP answers cut to size with the TC bit set. */
  truncated: number;
  /** TCP connections closed because of a garbage frame. */
  tcpBadFrames: number;
  /** TCP connections refused because `maxTcpConnections` were open. */
  tcpRejected: number;
}

const SERVER_KEYS = new Set([
  'source',
  'address',
  'port',
  'tcpIdleTimeoutMs',
  'maxTcpConnections',
  'maxTcpMessageBytes',
  'logger',
]);
const EPHEMERAL_ATTEMPTS = 20;

/**
 * The registry's DNS interface (Consul-compatible), over UDP and TCP on one port.
 *
 * @example
 * const dns = new DnsServer({ source: catalog, port: 0 });
 * const { udpPort } = await dns.start(); // dig @127.0.0.1 -p $udpPort web.service.consul
 * await dns.stop();
 */
export class DnsServer {
  readonly stats: DnsServerStats = {
    udpQueries: 0,
    tcpQueries: 0,
    dropped: 0,
    malformed: 0,
    truncated: 0,
    tcpBadFrames: 0,
    tcpRejected: 0,
  };
  readonly #source: DnsSource;
  readonly #options: CompiledDnsOptions;
  readonly #address: string;
  readonly #port: number;
  readonly #maxTcpConnections: number;
  readonly #tcpContext: DnsTcpContext;
  readonly #logger: DnsServerOptions['logger'];
  readonly #connections = new Set<Socket>();
  #udp: UdpSocket | undefined;
  #tcp: Server | undefined;

  constructor(options: DnsServerOptions) {
    const { source, ...rest } = options;
    this.#options = compileDnsOptions(rest, SERVER_KEYS);
    if (typeof source?.healthOf !== 'function') {
      throw new DnsOptionError('source', 'expected an object with healthOf() and node');
    }
    this.#source = source;
    this.#address = options.address ?? '127.0.0.1';
    if (typeof this.#address !== 'string' || isIP(this.#address) === 0) {
      throw new DnsOptionError('address', `expected an IP address, got "${String(this.#address)}"`);
    }
    this.#port = integer('port', options.port, 8600, 0, 65_535);
    this.#maxTcpConnections = integer('maxTcpConnections', options.maxTcpConnections, 256, 1, 1e6);
    this.#logger = options.logger;
    this.#tcpContext = {
      source,
      options: this.#options,
      idleTimeoutMs: integer('tcpIdleTimeoutMs', options.tcpIdleTimeoutMs, 10_000, 1, 2 ** 31 - 1),
      maxMessageBytes: integer('maxTcpMessageBytes', options.maxTcpMessageBytes, 4096, 512, 65_535),
      onAnswer: (response) => {
        this.stats.tcpQueries++;
        this.#count(response);
      },
      onBadFrame: () => this.stats.tcpBadFrames++,
    };
  }

  /** Binds UDP and TCP; resolves with the ports (equal, also when `port` is 0). */
  async start(): Promise<DnsServerAddress> {
    if (this.#udp !== undefined) throw new Error('DnsServer already started');
    const attempts = this.#port === 0 ? EPHEMERAL_ATTEMPTS : 1;
    for (let attempt = 1; ; attempt++) {
      const udp = await this.#bindUdp(this.#port);
      const port = udp.address().port;
      try {
        this.#tcp = await this.#listenTcp(port);
        this.#udp = udp;
        return { address: this.#address, udpPort: port, tcpPort: port };
      } catch (error) {
        udp.close();
        // With port 0 the kernel chose a UDP port whose TCP twin is taken: try another.
        const inUse = (error as { code?: string }).code === 'EADDRINUSE';
        if (!inUse || attempt >= attempts) throw listenError(this.#address, port, 'tcp', error);
      }
    }
  }

  /** Closes both sockets and every open TCP connection; resolves when all are closed. */
  async stop(): Promise<void> {
    const udp = this.#udp;
    const tcp = this.#tcp;
    this.#udp = undefined;
    this.#tcp = undefined;
    for (const socket of this.#connections) socket.destroy();
    this.#connections.clear();
    await Promise.all([
      udp && new Promise<void>((resolve) => udp.close(() => resolve())),
      tcp && new Promise<void>((resolve) => tcp.close(() => resolve())),
    ]);
  }

  #bindUdp(port: number): Promise<UdpSocket> {
    const udp = createSocket({ type: isIPv6(this.#address) ? 'udp6' : 'udp4' });
    return new Promise((resolve, reject) => {
      udp.once('error', (error) => reject(listenError(this.#address, port, 'udp', error)));
      udp.bind(port, this.#address, () => {
        udp.removeAllListeners('error');
        udp.on('error', (error) => this.#logger?.warn('dns udp socket error', { error }));
        udp.on('message', (message, remote) => this.#onUdp(udp, message, remote));
        resolve(udp);
      });
    });
  }

  #listenTcp(port: number): Promise<Server> {
    const server = createServer((socket) => {
      this.#connections.add(socket);
      socket.on('close', () => this.#connections.delete(socket));
      serveDnsTcpConnection(socket, this.#tcpContext);
    });
    server.maxConnections = this.#maxTcpConnections;
    server.on('drop', () => this.stats.tcpRejected++);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host: this.#address, exclusive: true }, () => {
        server.removeListener('error', reject);
        server.on('error', (error) => this.#logger?.warn('dns tcp server error', { error }));
        resolve(server);
      });
    });
  }

  // hot path: one call per UDP packet; no logging, no await.
  #onUdp(udp: UdpSocket, message: Buffer, remote: RemoteInfo): void {
    this.stats.udpQueries++;
    const response = answerDnsQuery(message, this.#source, this.#options, 'udp');
    if (response === undefined) {
      this.stats.dropped++;
      return;
    }
    this.#count(response);
    udp.send(response, remote.port, remote.address, ignoreSendError);
  }

  #count(response: Buffer): void {
    if ((response[3]! & 0xf) === RCODE.FORMERR) this.stats.malformed++;
    if ((response[2]! & 0x02) !== 0) this.stats.truncated++;
  }
}

function ignoreSendError(): void {
  // A send can fail (the client vanished, ICMP unreachable); UDP offers nothing to retry.
}

function listenError(address: string, port: number, protocol: string, cause: unknown): Error {
  return new SwitchyardError(
    'SY_REG_DNS_LISTEN_FAILED',
    `DNS could not listen on ${protocol} ${address}:${port}: ${(cause as Error).message}`,
    { cause, details: { address, port, protocol } },
  );
}
