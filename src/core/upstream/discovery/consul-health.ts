import type { EndpointSpec } from '../endpoint.js';
import { DiscoveryError } from './discovery-errors.js';
import { sortById } from './endpoint-source.js';

/** How `endpointsFromHealth` filters what the registry sent. */
export interface HealthFilter {
  /** Keep only instances whose checks all pass; false also keeps `warning` ones. */
  readonly passingOnly: boolean;
  /** The instance must carry every one of these tags. */
  readonly tags?: readonly string[] | undefined;
  /** The instance's `Service.Meta` must hold every one of these pairs. */
  readonly meta?: Readonly<Record<string, string>> | undefined;
}

/** The endpoints of one answer, plus why any instance in it could not be used. */
export interface HealthEndpoints {
  readonly endpoints: EndpointSpec[];
  readonly skipped: string[];
}

type Json = Record<string, unknown>;
interface Candidate {
  readonly node: string;
  readonly spec: EndpointSpec;
}

/**
 * Maps Consul's `GET /v1/health/service/:name` answer to endpoint specs, sorted by id.
 * A malformed answer (not an array, an entry without a `Service` object or `ID`) throws
 * `SY_DISCOVERY_BAD_ANSWER` naming what was wrong, so the caller keeps its last good list; an
 * entry that is well formed but unusable (no port, no address) is skipped and reported.
 * Critical instances are always dropped (as Consul's DNS does), even with `passingOnly: false`.
 *
 * Mapping: id = `Service.ID` (`<Node>/<ID>` when two nodes use the same ID);
 * url = `http(s)://<Service.Address || Node.Address>:<Service.Port>`, https when the tags hold
 * `https` or `Meta.scheme` is `https`; weight = `Weights.Passing` (`Weights.Warning` for a warning
 * instance), default 1.
 *
 * @example
 * endpointsFromHealth(JSON.parse(body), { passingOnly: true }).endpoints;
 */
export function endpointsFromHealth(body: unknown, filter: HealthFilter): HealthEndpoints {
  if (!Array.isArray(body)) {
    throw badAnswer(`expected a JSON array of health entries, got ${kindOf(body)}`);
  }
  const skipped: string[] = [];
  const candidates: Candidate[] = [];
  for (let i = 0; i < body.length; i++) {
    const candidate = candidateOf(body[i], i, filter, skipped);
    if (candidate) candidates.push(candidate);
  }
  return { endpoints: sortById(uniqueIds(candidates, skipped)), skipped };
}

function candidateOf(
  entry: unknown,
  i: number,
  filter: HealthFilter,
  skipped: string[],
): Candidate | undefined {
  if (!isObject(entry)) throw badAnswer(`entry [${i}] is ${kindOf(entry)}, not an object`);
  const service = entry.Service;
  if (!isObject(service)) throw badAnswer(`entry [${i}] has no Service object`);
  const id = service.ID;
  if (typeof id !== 'string' || id === '') throw badAnswer(`entry [${i}] has no Service.ID`);
  const node = isObject(entry.Node) ? entry.Node : {};
  const tags = stringList(service.Tags, `entry [${i}] Service.Tags`);
  const meta = stringRecord(service.Meta, `entry [${i}] Service.Meta`);
  const status = worstStatus(entry.Checks, i);
  if (status === 'critical' || (status === 'warning' && filter.passingOnly)) return undefined;
  if (filter.tags && !filter.tags.every((t) => tags.includes(t))) return undefined;
  if (filter.meta && !Object.entries(filter.meta).every(([k, v]) => meta[k] === v)) {
    return undefined;
  }
  const port = service.Port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65_535) {
    skipped.push(`${id}: Service.Port ${JSON.stringify(port)} is not a port (1-65535)`);
    return undefined;
  }
  const address = nonEmpty(service.Address) ?? nonEmpty(node.Address);
  if (address === undefined) {
    skipped.push(`${id}: neither Service.Address nor Node.Address is set`);
    return undefined;
  }
  const https = tags.includes('https') || meta.scheme === 'https';
  const url = originOf(https ? 'https' : 'http', address, port);
  if (url === undefined) {
    skipped.push(`${id}: address ${JSON.stringify(address)} does not form a URL`);
    return undefined;
  }
  const weights = isObject(service.Weights) ? service.Weights : {};
  const weight = weightOf(status === 'warning' ? weights.Warning : weights.Passing);
  const nodeName = typeof node.Node === 'string' ? node.Node : '';
  return { node: nodeName, spec: { id, url, weight, tags, meta } };
}

/** Consul IDs are unique per agent only: IDs seen on several nodes become `<Node>/<ID>`. */
function uniqueIds(candidates: Candidate[], skipped: string[]): EndpointSpec[] {
  const counts = new Map<string, number>();
  for (const c of candidates) counts.set(c.spec.id, (counts.get(c.spec.id) ?? 0) + 1);
  const seen = new Set<string>();
  const out: EndpointSpec[] = [];
  for (const { node, spec } of candidates) {
    const id = counts.get(spec.id)! > 1 && node !== '' ? `${node}/${spec.id}` : spec.id;
    if (seen.has(id)) {
      skipped.push(`${id}: listed twice`);
      continue;
    }
    seen.add(id);
    out.push(id === spec.id ? spec : { ...spec, id });
  }
  return out;
}

const SEVERITY: Readonly<Record<string, number>> = { passing: 0, warning: 1, critical: 2 };

/** The worst check status of an entry (passing with no checks); unknown statuses count as critical. */
function worstStatus(checks: unknown, i: number): 'passing' | 'warning' | 'critical' {
  if (checks === undefined || checks === null) return 'passing';
  if (!Array.isArray(checks)) throw badAnswer(`entry [${i}] Checks is ${kindOf(checks)}`);
  let worst = 0;
  for (const c of checks) {
    const status = isObject(c) ? c.Status : undefined;
    worst = Math.max(worst, typeof status === 'string' ? (SEVERITY[status] ?? 2) : 2);
  }
  return worst === 0 ? 'passing' : worst === 1 ? 'warning' : 'critical';
}

function weightOf(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 1;
}

function originOf(scheme: string, address: string, port: number): string | undefined {
  const host = address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
  try {
    const u = new URL(`${scheme}://${host}:${port}`);
    const plain = u.pathname === '/' && u.search === '' && u.hash === '' && u.username === '';
    return plain ? u.origin : undefined;
  } catch {
    return undefined;
  }
}

// Go encodes a nil slice or map as null, so null means empty.
function stringList(value: unknown, what: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((t) => typeof t === 'string')) {
    throw badAnswer(`${what} is not an array of strings`);
  }
  return value;
}

function stringRecord(value: unknown, what: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isObject(value) || !Object.values(value).every((v) => typeof v === 'string')) {
    throw badAnswer(`${what} is not an object of strings`);
  }
  return value as Record<string, string>;
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function badAnswer(problem: string): DiscoveryError {
  return new DiscoveryError('SY_DISCOVERY_BAD_ANSWER', `registry answer: ${problem}`, { problem });
}
