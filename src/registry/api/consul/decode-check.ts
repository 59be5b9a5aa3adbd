import type { CheckSpec } from '../../catalog/catalog.js';
import type { CheckDefinition, CheckType, HealthStatus } from '../../catalog/model.js';
import { BadRequestError } from '../api-errors.js';
import { LenientObject } from './lenient-object.js';

/**
 * Consul check definitions (inside a service registration, or `PUT /v1/agent/check/register`)
 * → the model's `CheckSpec`. Supports TTL, HTTP and TCP checks; script, gRPC, UDP, H2 ping, alias,
 * Docker and OS-service checks are refused with a 400 naming the field (script checks over an API
 * are a remote-code-execution risk, as Consul itself warns).
 */

/** Probes more often than this are clamped up to it (Consul clamps below 1 s; we allow faster). */
export const MIN_INTERVAL_MS = 100;
const MAX_COUNT = 10_000;
const MAX_TEXT = 4096;
const STATUSES: ReadonlySet<string> = new Set(['passing', 'warning', 'critical']);
const UNSUPPORTED = [
  'GRPC',
  'H2Ping',
  'UDP',
  'Args',
  'ScriptArgs',
  'Script',
  'AliasNode',
  'AliasService',
  'DockerContainerID',
  'OSService',
] as const;

/** Defaults a check takes from its context (a service registration or the check's own Name). */
export interface CheckDefaults {
  readonly id: string;
  readonly name: string;
  readonly serviceId?: string | undefined;
}

/** Decodes one check object; `defaults` fill a missing ID/name and pin the owning service. */
export function decodeCheck(o: LenientObject, defaults: CheckDefaults): CheckSpec {
  for (const field of UNSUPPORTED) {
    if (o.has(field) && o.raw(field) !== '') {
      throw new BadRequestError(`${o.field(field)}: not supported (use TTL, HTTP or TCP checks)`);
    }
  }
  const type = checkType(o);
  const definition: CheckDefinition = {
    id: o.identifier('CheckID') ?? o.identifier('ID') ?? defaults.id,
    name: o.identifier('Name') ?? defaults.name,
    serviceId: defaults.serviceId,
    notes: o.string('Notes', MAX_TEXT) ?? '',
    type,
    ...probe(o, type),
    deregisterCriticalAfterMs: positive(o.duration('DeregisterCriticalServiceAfter')),
    successBeforePassing: o.integer('SuccessBeforePassing', 0, MAX_COUNT) ?? 0,
    failuresBeforeCritical: o.integer('FailuresBeforeCritical', 0, MAX_COUNT) ?? 0,
  };
  return { definition, status: status(o, 'Status') };
}

/** `PUT /v1/agent/check/register`: `Name` is required; `ID` defaults to it; `ServiceID` optional. */
export function decodeCheckRegistration(body: unknown): CheckSpec {
  const o = LenientObject.from('', body);
  const name = o.identifier('Name');
  if (name === undefined) throw new BadRequestError('Name: missing; a check needs a name');
  return decodeCheck(o, { id: name, name, serviceId: o.identifier('ServiceID') });
}

/** `PUT /v1/agent/check/update/:id` body `{Status, Output}`. */
export function decodeCheckUpdate(body: unknown): { status: HealthStatus; output: string } {
  const o = LenientObject.from('', body);
  const value = status(o, 'Status');
  if (value === undefined) {
    throw new BadRequestError('Status: missing; expected passing, warning or critical');
  }
  return { status: value, output: o.string('Output', 1 << 20) ?? '' };
}

function checkType(o: LenientObject): CheckType {
  const kinds = (['TTL', 'HTTP', 'TCP'] as const).filter((k) => o.has(k) && o.raw(k) !== '');
  if (kinds.length === 0) {
    throw new BadRequestError(`${o.path || 'Check'}: needs TTL, or HTTP or TCP with Interval`);
  }
  if (kinds.length > 1) {
    throw new BadRequestError(`${o.path || 'Check'}: give only one of ${kinds.join(', ')}`);
  }
  return kinds[0] === 'TTL' ? 'ttl' : kinds[0] === 'HTTP' ? 'http' : 'tcp';
}

function probe(o: LenientObject, type: CheckType): Partial<CheckDefinition> {
  if (type === 'ttl') {
    const ttl = o.duration('TTL');
    if (!ttl) throw new BadRequestError(`${o.field('TTL')}: must be a duration above 0`);
    return { ttlMs: ttl };
  }
  const interval = o.duration('Interval');
  if (!interval) {
    throw new BadRequestError(`${o.field('Interval')}: required for ${type.toUpperCase()} checks`);
  }
  const common = {
    intervalMs: Math.max(MIN_INTERVAL_MS, interval),
    timeoutMs: positive(o.duration('Timeout')),
  };
  if (type === 'tcp') return { ...common, tcp: tcpTarget(o) };
  return {
    ...common,
    http: httpUrl(o),
    method: method(o),
    header: o.headerMap('Header'),
    body: o.string('Body', 64 * 1024),
    tlsSkipVerify: o.boolean('TLSSkipVerify'),
  };
}

function httpUrl(o: LenientObject): string {
  const text = o.string('HTTP', 2048)!;
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new BadRequestError(`${o.field('HTTP')}: expected an http:// or https:// URL`);
  }
  return text;
}

function tcpTarget(o: LenientObject): string {
  const text = o.string('TCP')!;
  const m = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]/]+):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[2]) : 0;
  if (!m || port < 1 || port > 65535) {
    throw new BadRequestError(`${o.field('TCP')}: expected host:port, e.g. "10.0.0.1:5432"`);
  }
  return text;
}

function method(o: LenientObject): string | undefined {
  const value = o.string('Method', 32);
  if (value === undefined || value === '') return undefined;
  if (!/^[A-Za-z]+$/.test(value))
    throw new BadRequestError(`${o.field('Method')}: not an HTTP method`);
  return value.toUpperCase();
}

function status(o: LenientObject, field: string): HealthStatus | undefined {
  const value = o.string(field, 32);
  if (value === undefined || value === '') return undefined;
  if (!STATUSES.has(value)) {
    throw new BadRequestError(`${o.field(field)}: expected passing, warning or critical`);
  }
  return value as HealthStatus;
}

function positive(ms: number | undefined): number | undefined {
  return ms === undefined || ms <= 0 ? undefined : ms;
}
