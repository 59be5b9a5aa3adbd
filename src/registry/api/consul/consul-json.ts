import { isIP } from 'node:net';
import type {
  CheckState,
  HealthEntry,
  KvEntry,
  NodeInfo,
  ServiceInstance,
} from '../../catalog/model.js';
import { formatGoDuration } from './go-duration.js';

/**
 * The model → Consul's PascalCase JSON, field for field as Consul (OSS, 1.1x) answers: health
 * entries `{Node, Service, Checks}`, agent services and checks, flat catalog records and KV
 * entries. This file and the decoders are the only places Consul's names appear.
 */

/** The node object in health answers (`Node`) and in `/v1/catalog/nodes`. */
export function encodeNode(node: NodeInfo): Record<string, unknown> {
  return {
    ID: node.id,
    Node: node.name,
    Address: node.address,
    Datacenter: node.datacenter,
    TaggedAddresses: nodeTaggedAddresses(node.address),
    Meta: { 'consul-network-segment': '' },
    CreateIndex: 1,
    ModifyIndex: 1,
  };
}

/** The `Service` object of a health entry. */
export function encodeService(s: ServiceInstance): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ID: s.id,
    Service: s.name,
    Tags: s.tags,
    Address: s.address,
  };
  const tagged = serviceTaggedAddresses(s);
  if (tagged) out.TaggedAddresses = tagged;
  out.Meta = s.meta;
  out.Port = s.port;
  out.Weights = { Passing: s.weights.passing, Warning: s.weights.warning };
  out.EnableTagOverride = s.enableTagOverride;
  out.CreateIndex = s.createIndex;
  out.ModifyIndex = s.modifyIndex;
  return out;
}

/** One entry of `GET /v1/agent/services` (keyed by ID). */
export function encodeAgentService(
  s: ServiceInstance,
  datacenter: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ID: s.id,
    Service: s.name,
    Tags: s.tags,
    Meta: s.meta,
    Port: s.port,
    Address: s.address,
  };
  const tagged = serviceTaggedAddresses(s);
  if (tagged) out.TaggedAddresses = tagged;
  out.Weights = { Passing: s.weights.passing, Warning: s.weights.warning };
  out.EnableTagOverride = s.enableTagOverride;
  out.Datacenter = datacenter;
  return out;
}

/** A health check as every check-returning endpoint shows it. */
export function encodeCheck(
  c: CheckState,
  nodeName: string,
  service: ServiceInstance | undefined,
): Record<string, unknown> {
  const d = c.definition;
  return {
    Node: nodeName,
    CheckID: d.id,
    Name: d.name,
    Status: c.status,
    Notes: d.notes,
    Output: c.output,
    ServiceID: d.serviceId ?? '',
    ServiceName: service?.name ?? '',
    ServiceTags: service?.tags ?? [],
    Type: d.type === 'serf' ? '' : d.type,
    Interval: d.intervalMs === undefined ? '' : formatGoDuration(d.intervalMs),
    Timeout: d.timeoutMs === undefined ? '' : formatGoDuration(d.timeoutMs),
    ExposedPort: 0,
    Definition: encodeDefinition(c),
    CreateIndex: c.createIndex,
    ModifyIndex: c.modifyIndex,
  };
}

/** `{Node, Service, Checks}`, given the node object already encoded (it is shared by all). */
export function encodeHealthEntry(
  entry: HealthEntry,
  node: Record<string, unknown>,
  nodeName: string,
): Record<string, unknown> {
  const checks = entry.checks.map((c) =>
    encodeCheck(c, nodeName, c.definition.serviceId === undefined ? undefined : entry.service),
  );
  return { Node: node, Service: encodeService(entry.service), Checks: checks };
}

/** A flat `GET /v1/catalog/service/:name` record (not filtered by health). */
export function encodeCatalogService(s: ServiceInstance, node: NodeInfo): Record<string, unknown> {
  return {
    ID: node.id,
    Node: node.name,
    Address: node.address,
    Datacenter: node.datacenter,
    TaggedAddresses: nodeTaggedAddresses(node.address),
    NodeMeta: { 'consul-network-segment': '' },
    ServiceKind: '',
    ServiceID: s.id,
    ServiceName: s.name,
    ServiceTags: s.tags,
    ServiceAddress: s.address,
    ServiceTaggedAddresses: serviceTaggedAddresses(s) ?? {},
    ServiceWeights: { Passing: s.weights.passing, Warning: s.weights.warning },
    ServiceMeta: s.meta,
    ServicePort: s.port,
    ServiceEnableTagOverride: s.enableTagOverride,
    ServiceProxy: { MeshGateway: {}, Expose: {} },
    ServiceConnect: {},
    CreateIndex: s.createIndex,
    ModifyIndex: s.modifyIndex,
  };
}

/**
 * One KV entry as JSON text. Built by hand because `Flags` is a uint64 that a JavaScript number
 * cannot hold: the validated decimal string is spliced in as a JSON number. An empty value is
 * `null`, as Consul shows it.
 */
export function kvEntryJson(e: KvEntry): string {
  const value = e.value.length === 0 ? 'null' : `"${Buffer.from(e.value).toString('base64')}"`;
  return (
    `{"LockIndex":${e.lockIndex},"Key":${JSON.stringify(e.key)},"Flags":${e.flags},` +
    `"Value":${value},"CreateIndex":${e.createIndex},"ModifyIndex":${e.modifyIndex}}`
  );
}

function encodeDefinition(c: CheckState): Record<string, unknown> {
  const d = c.definition;
  const out: Record<string, unknown> = {};
  if (d.http !== undefined) out.HTTP = d.http;
  if (d.tlsSkipVerify) out.TLSSkipVerify = true;
  if (d.header !== undefined) out.Header = d.header;
  if (d.method !== undefined) out.Method = d.method;
  if (d.body !== undefined) out.Body = d.body;
  if (d.tcp !== undefined) out.TCP = d.tcp;
  if (d.intervalMs !== undefined) out.Interval = formatGoDuration(d.intervalMs);
  if (d.timeoutMs !== undefined) out.Timeout = formatGoDuration(d.timeoutMs);
  if (d.ttlMs !== undefined) out.TTL = formatGoDuration(d.ttlMs);
  if (d.deregisterCriticalAfterMs !== undefined) {
    out.DeregisterCriticalServiceAfter = formatGoDuration(d.deregisterCriticalAfterMs);
  }
  return out;
}

function nodeTaggedAddresses(address: string): Record<string, string> {
  const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
  return {
    lan: address,
    [`lan_${family}`]: address,
    wan: address,
    [`wan_${family}`]: address,
  };
}

/** Consul adds `lan_ipv4`/`wan_ipv4` (or `_ipv6`) when the service address is an IP literal. */
function serviceTaggedAddresses(s: ServiceInstance): Record<string, unknown> | undefined {
  const family = isIP(s.address);
  if (family === 0) return undefined;
  const entry = { Address: s.address, Port: s.port };
  return family === 4 ? { lan_ipv4: entry, wan_ipv4: entry } : { lan_ipv6: entry, wan_ipv6: entry };
}
