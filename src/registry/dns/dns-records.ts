import { isIP } from 'node:net';
import type { Answer, SoaAnswer } from 'dns-packet';
import type { HealthEntry, NodeInfo } from '../catalog/model.js';
import { addrLabel } from './dns-name.js';
import type { CompiledDnsOptions } from './dns-options.js';

/** Answer records, each with the additional record it needs (an SRV target's A/AAAA) or none. */
export interface RecordSet {
  readonly answers: Answer[];
  readonly extras: (Answer | undefined)[];
}

/** True when a question of type `qtype` wants address records of `family`. */
export function wantsFamily(qtype: string, family: 4 | 6): boolean {
  if (qtype === 'ANY') return true;
  return family === 4 ? qtype === 'A' : qtype === 'AAAA';
}

/** An A or AAAA record for `address` (already known to be an IP of `family`). */
export function addressRecord(name: string, address: string, family: 4 | 6, ttl: number): Answer {
  return { name, type: family === 4 ? 'A' : 'AAAA', ttl, data: address };
}

/**
 * The instances of a service that DNS should return: never critical ones, nor warning ones under
 * `onlyPassing` (Consul's `only_passing`), and only those carrying `tag` (compared
 * case-insensitively, as Consul does). Returns a fresh array the caller may shuffle.
 */
export function eligibleEntries(
  entries: readonly HealthEntry[],
  tag: string | undefined,
  onlyPassing: boolean,
): HealthEntry[] {
  const out: HealthEntry[] = [];
  const wanted = tag?.toLowerCase();
  for (const entry of entries) {
    if (entry.status === 'critical' || (onlyPassing && entry.status !== 'passing')) continue;
    if (wanted !== undefined && !hasTag(entry.service.tags, wanted)) continue;
    out.push(entry);
  }
  return out;
}

function hasTag(tags: readonly string[], wanted: string): boolean {
  for (const t of tags) if (t.length === wanted.length && t.toLowerCase() === wanted) return true;
  return false;
}

/** Fisher–Yates in place with the injected `random`: Consul randomizes order to spread load. */
export function shuffle<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const item = items[i]!;
    items[i] = items[j]!;
    items[j] = item;
  }
}

/**
 * A/AAAA (for A, AAAA, ANY) or SRV records for `entries`, in their order. An instance whose
 * address is a host name, not an IP, has no A/AAAA record (a CNAME beside other records would be
 * invalid); its SRV target is that host name.
 */
export function serviceRecords(
  entries: readonly HealthEntry[],
  qname: string,
  qtype: string,
  node: NodeInfo,
  options: CompiledDnsOptions,
): RecordSet {
  const answers: Answer[] = [];
  const extras: (Answer | undefined)[] = [];
  const { ttl } = options;
  for (const { service, status } of entries) {
    const address = service.address || node.address;
    const family = ipFamily(address);
    if (qtype === 'SRV') {
      const own = service.address !== '' && service.address !== node.address;
      const target = srvTarget(own, address, family, node, options.domain);
      const weight = status === 'warning' ? service.weights.warning : service.weights.passing;
      answers.push({
        name: qname,
        type: 'SRV',
        ttl,
        data: { priority: 1, weight: clamp16(weight), port: service.port, target },
      });
      extras.push(family === 0 ? undefined : addressRecord(target, address, family, ttl));
    } else if (family !== 0 && wantsFamily(qtype, family)) {
      answers.push(addressRecord(qname, address, family, ttl));
      extras.push(undefined);
    }
  }
  return { answers, extras };
}

function srvTarget(
  own: boolean,
  address: string,
  family: 0 | 4 | 6,
  node: NodeInfo,
  domain: string,
): string {
  if (family === 0) return address.replace(/\.$/, '');
  if (!own) return `${node.name}.node.${node.datacenter}.${domain}`;
  return `${addrLabel(address, family)}.addr.${node.datacenter}.${domain}`;
}

/** 4 or 6 for an IP address, 0 for anything else (a host name). */
export function ipFamily(address: string): 0 | 4 | 6 {
  const family = isIP(address);
  return family === 4 || family === 6 ? family : 0;
}

function clamp16(n: number): number {
  return Number.isFinite(n) ? Math.min(65_535, Math.max(0, Math.trunc(n))) : 1;
}

/** The zone's SOA record: in the authority section of negative answers, for negative caching. */
export function soaRecord(options: CompiledDnsOptions): SoaAnswer {
  const { domain, soaMinTtl } = options;
  return {
    name: domain,
    type: 'SOA',
    ttl: soaMinTtl,
    data: {
      mname: `ns.${domain}`,
      rname: `hostmaster.${domain}`,
      serial: Math.floor(options.now() / 1000) >>> 0,
      refresh: 3600,
      retry: 600,
      expire: 86_400,
      minimum: soaMinTtl,
    },
  };
}
