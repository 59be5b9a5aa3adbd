import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { systemClock, type Clock, type TimerHandle } from '../../../resilience/clock.js';
import { createLogger, type Logger } from '../../logger.js';
import type { EndpointSpec } from '../endpoint.js';
import { BaseEndpointSource } from './base-endpoint-source.js';
import { DiscoveryError, describeError, InvalidSourceOptionError } from './discovery-errors.js';
import { sortById, type EndpointSource } from './endpoint-source.js';

/** The part of `dns.promises.Resolver` a DNS source uses (inject one in tests). */
export interface DnsResolver {
  resolve4(hostname: string): Promise<string[]>;
  resolve6?(hostname: string): Promise<string[]>;
  resolveSrv(
    hostname: string,
  ): Promise<{ name: string; port: number; priority: number; weight: number }[]>;
}

/** Options for `dnsSource()`. */
export interface DnsSourceOptions {
  /** The name to resolve, e.g. `web.service.consul` or `_http._tcp.web.example`. */
  readonly name: string;
  /** `A`: every address on `port`; `SRV`: targets, ports and weights from the records. */
  readonly type: 'A' | 'SRV';
  /** Port for `A` lookups (required there; ignored for SRV). */
  readonly port?: number;
  /** URL scheme of the endpoints (default `http`). */
  readonly scheme?: 'http' | 'https';
  /** Milliseconds between lookups (default 5 000). */
  readonly interval?: number;
  /** A lookup round (SRV plus its targets) taking longer fails (default min(interval, 5 000)). */
  readonly timeoutMs?: number;
  /** Default: a private `dns.promises.Resolver` using the system's servers. */
  readonly resolver?: DnsResolver;
  readonly logger?: Logger;
  readonly clock?: Clock;
}

/** Answers that mean "no such records": an empty list, not a failure (Consul: no healthy instance). */
const NONE = new Set(['ENOTFOUND', 'ENODATA']);

/**
 * Polls DNS for a service's endpoints: A records (each address on `port`) or SRV records (only
 * the lowest priority, as RFC 2782 requires; SRV weights become endpoint weights, all-zero
 * weights become 1). SRV targets are resolved with the same resolver (A, then AAAA). The id of
 * each endpoint is `host:port`. NXDOMAIN/NODATA yield an empty list; any other failure (timeout,
 * SERVFAIL, refused) keeps the last good list and marks the source stale.
 *
 * @example
 * const resolver = new dns.promises.Resolver();
 * resolver.setServers(['127.0.0.1:8600']);
 * const web = dnsSource({ name: 'web.service.consul', type: 'SRV', resolver });
 */
export function dnsSource(options: DnsSourceOptions): EndpointSource {
  return new DnsSource(options);
}

class DnsSource extends BaseEndpointSource {
  readonly #o: DnsSourceOptions;
  readonly #resolver: DnsResolver;
  readonly #own: Resolver | undefined;
  readonly #clock: Clock;
  readonly #interval: number;
  readonly #timeoutMs: number;
  #timer: TimerHandle = undefined;

  constructor(o: DnsSourceOptions) {
    super(o.logger ?? createLogger('discovery'));
    if (typeof o.name !== 'string' || o.name === '') invalid('name', 'must be a DNS name');
    if (o.type !== 'A' && o.type !== 'SRV') invalid('type', `must be A or SRV`);
    if (o.type === 'A' && !isPort(o.port)) invalid('port', 'A lookups need a port (1-65535)');
    this.#interval = positive('interval', o.interval, 5_000);
    this.#timeoutMs = positive('timeoutMs', o.timeoutMs, Math.min(this.#interval, 5_000));
    this.#o = o;
    this.#clock = o.clock ?? systemClock;
    this.#own = o.resolver ? undefined : new Resolver({ timeout: 2_000, tries: 2 });
    this.#resolver = o.resolver ?? this.#own!;
    void this.#poll();
  }

  protected stop(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#own?.cancel();
  }

  async #poll(): Promise<void> {
    let timer: TimerHandle = undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = this.#clock.setTimeout(() => {
        const message = `DNS lookup of ${this.#o.name} took over ${this.#timeoutMs} ms`;
        reject(new DiscoveryError('SY_DISCOVERY_TIMEOUT', message, { name: this.#o.name }));
      }, this.#timeoutMs);
    });
    try {
      const list = await Promise.race([this.#lookup(), timeout]);
      this.accept(list);
    } catch (error) {
      this.reject(describeError(error), { name: this.#o.name });
    } finally {
      this.#clock.clearTimeout(timer);
      if (!this.closed)
        this.#timer = this.#clock.setTimeout(() => void this.#poll(), this.#interval);
    }
  }

  async #lookup(): Promise<EndpointSpec[]> {
    const { name, type } = this.#o;
    try {
      if (type === 'A') {
        const addresses = await this.#resolver.resolve4(name);
        return this.#specs(addresses.map((host) => ({ host, port: this.#o.port!, weight: 1 })));
      }
      return await this.#srv(name);
    } catch (error) {
      if (NONE.has(errorCode(error) ?? '')) return [];
      if (error instanceof DiscoveryError) throw error;
      throw new DiscoveryError(
        'SY_DISCOVERY_DNS_FAILED',
        `DNS ${type} lookup of ${name} failed: ${describeError(error)}`,
        { name, type, dnsCode: errorCode(error) },
        error,
      );
    }
  }

  async #srv(name: string): Promise<EndpointSpec[]> {
    const records = await this.#resolver.resolveSrv(name);
    if (records.length === 0) return [];
    const top = records.reduce((min, r) => Math.min(min, r.priority), Infinity);
    const group = records.filter((r) => r.priority === top);
    const allZero = group.every((r) => r.weight === 0);
    const hosts = new Map<string, Promise<string>>(); // targets are shared by instances on a node
    const resolved = await Promise.all(
      group.map(async (r) => {
        let host = hosts.get(r.name);
        if (!host) hosts.set(r.name, (host = this.#address(r.name)));
        return { host: await host, port: r.port, weight: allZero ? 1 : r.weight };
      }),
    );
    return this.#specs(resolved);
  }

  async #address(target: string): Promise<string> {
    if (isIP(target) !== 0) return target;
    const resolver = this.#resolver;
    const v4 = await addresses(target, () => resolver.resolve4(target));
    if (v4[0] !== undefined) return v4[0];
    const v6 = resolver.resolve6 ? await addresses(target, () => resolver.resolve6!(target)) : [];
    if (v6[0] !== undefined) return v6[0];
    throw targetError(target, 'no A or AAAA record');
  }

  #specs(items: { host: string; port: number; weight: number }[]): EndpointSpec[] {
    const scheme = this.#o.scheme ?? 'http';
    const byId = new Map<string, EndpointSpec>();
    for (const { host, port, weight } of items) {
      const hostPort = `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
      if (!byId.has(hostPort))
        byId.set(hostPort, { id: hostPort, url: `${scheme}://${hostPort}`, weight });
    }
    return sortById([...byId.values()]);
  }
}

/** A target's addresses of one family; NXDOMAIN/NODATA give none. */
async function addresses(target: string, lookup: () => Promise<string[]>): Promise<string[]> {
  try {
    return await lookup();
  } catch (error) {
    if (NONE.has(errorCode(error) ?? '')) return [];
    throw targetError(target, error);
  }
}

function targetError(target: string, error: unknown): DiscoveryError {
  return new DiscoveryError(
    'SY_DISCOVERY_DNS_FAILED',
    `SRV target ${target} did not resolve: ${describeError(error)}`,
    { target },
    error,
  );
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function isPort(port: unknown): boolean {
  return typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65_535;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0)) invalid(name, 'must be a positive number of ms');
  return value;
}

function invalid(option: string, problem: string): never {
  throw new InvalidSourceOptionError(`dnsSource.${option}`, problem);
}
