import { SwitchyardError } from '../../core/errors.js';
import type { HealthEntry, NodeInfo } from '../catalog/model.js';

/**
 * Where DNS answers come from. The `Catalog` satisfies it; tests use a fake. `healthOf` must be
 * cheap and synchronous: it runs once per query.
 */
export interface DnsSource {
  /** The node this registry answers for; SRV targets are `<node>.node.<dc>.<domain>`. */
  readonly node: NodeInfo;
  /** Instances of `name` with their combined health status. */
  healthOf(
    name: string,
    options: { passingOnly: boolean; tags?: readonly string[] },
  ): readonly HealthEntry[];
}

/** Options of the DNS interface; every one has a Consul-like default. */
export interface DnsAnswerOptions {
  /** The zone we are authoritative for (default `consul.`); names outside it are REFUSED. */
  readonly domain?: string;
  /** TTL in seconds of A/AAAA/SRV records (default 0, as Consul: every answer is fresh). */
  readonly ttl?: number;
  /** Negative-caching TTL in seconds: the SOA minimum and SOA record TTL (default 0, as Consul). */
  readonly soaMinTtl?: number;
  /**
   * Consul's `only_passing`: drop warning instances too (default false). Critical instances are
   * always dropped.
   */
  readonly onlyPassing?: boolean;
  /** The largest UDP answer we send, whatever the client's EDNS0 size says (default 4096). */
  readonly maxUdpPayload?: number;
  /** Picks the answer order (default `Math.random`); inject a seeded one in tests. */
  readonly random?: () => number;
  /** Wall-clock milliseconds for the SOA serial (default `Date.now`). */
  readonly now?: () => number;
}

/** `DnsAnswerOptions` validated, with defaults filled and the domain in canonical form. */
export interface CompiledDnsOptions {
  /** Lower case, no leading or trailing dot, e.g. `consul`. */
  readonly domain: string;
  /** `domain` split into labels, compared label by label against the query name. */
  readonly domainLabels: readonly string[];
  readonly ttl: number;
  readonly soaMinTtl: number;
  readonly onlyPassing: boolean;
  readonly maxUdpPayload: number;
  readonly random: () => number;
  readonly now: () => number;
}

/** A DNS option is malformed; `option` names it. */
export class DnsOptionError extends SwitchyardError {
  constructor(option: string, message: string) {
    super('SY_REG_DNS_INVALID_OPTION', `dns.${option}: ${message}`, { details: { option } });
  }
}

const ANSWER_KEYS = new Set([
  'domain',
  'ttl',
  'soaMinTtl',
  'onlyPassing',
  'maxUdpPayload',
  'random',
  'now',
]);
const LABEL = /^[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9])?$/;
const MAX_TTL = 2 ** 31 - 1; // RFC 2181 §8

/**
 * Validates `options` once, so the per-query path reads plain fields. Keys outside
 * `DnsAnswerOptions` and `extraKeys` (the server's own) are rejected: a typo must not silently
 * fall back to a default.
 */
export function compileDnsOptions(
  options: DnsAnswerOptions = {},
  extraKeys: ReadonlySet<string> = new Set(),
): CompiledDnsOptions {
  for (const key of Object.keys(options)) {
    if (!ANSWER_KEYS.has(key) && !extraKeys.has(key)) {
      throw new DnsOptionError(key, 'unknown option');
    }
  }
  const domain = (options.domain ?? 'consul.').toLowerCase().replace(/^\.+|\.+$/g, '');
  const domainLabels = domain.split('.');
  if (domain === '' || !domainLabels.every((l) => LABEL.test(l))) {
    throw new DnsOptionError('domain', `expected a DNS name like "consul.", got "${domain}"`);
  }
  return {
    domain,
    domainLabels,
    ttl: integer('ttl', options.ttl, 0, 0, MAX_TTL),
    soaMinTtl: integer('soaMinTtl', options.soaMinTtl, 0, 0, MAX_TTL),
    onlyPassing: boolean('onlyPassing', options.onlyPassing, false),
    maxUdpPayload: integer('maxUdpPayload', options.maxUdpPayload, 4096, 512, 65_535),
    random: fn('random', options.random) ?? Math.random,
    now: fn('now', options.now) ?? Date.now,
  };
}

/** An integer option in [min, max], or `fallback` when undefined. */
export function integer(
  option: string,
  value: unknown,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new DnsOptionError(
      option,
      `expected an integer from ${min} to ${max}, got ${describe(value)}`,
    );
  }
  return value;
}

function boolean(option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    throw new DnsOptionError(option, `expected true or false, got ${describe(value)}`);
  }
  return value;
}

function fn(option: string, value: unknown): (() => number) | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw new DnsOptionError(option, 'expected a function');
  return value as () => number;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `"${value}"`;
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) {
    return String(value);
  }
  return typeof value;
}
