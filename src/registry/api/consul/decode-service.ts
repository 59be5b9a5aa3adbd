import type { CheckSpec, ServiceSpec } from '../../catalog/catalog.js';
import { BadRequestError, clip } from '../api-errors.js';
import { decodeCheck } from './decode-check.js';
import { LenientObject } from './lenient-object.js';

/** Consul's limits on service `Meta` (agent/structs), which clients already respect. */
const META_MAX_PAIRS = 64;
const META_KEY_MAX = 128;
const META_VALUE_MAX = 512;
const META_KEY = /^[A-Za-z0-9_-]+$/;

/** A decoded `PUT /v1/agent/service/register` body. */
export interface ServiceRegistration {
  readonly spec: ServiceSpec;
  readonly checks: CheckSpec[];
}

/**
 * Decodes and validates a Consul service registration. `Name` is required, `ID` defaults to it;
 * `Check` and `Checks` are combined (`Check` first) and checks without a `CheckID` get Consul's
 * generated IDs — `service:<id>` for a lone check, `service:<id>:<n>` (from 1) when there are
 * several — and the name `Service '<name>' check`, which clients rely on for TTL heartbeats.
 * Mesh fields (`Kind`, `Proxy`, `Connect`, `TaggedAddresses`) are accepted and ignored.
 *
 * @example
 * decodeServiceRegistration({ Name: 'web', Port: 80, Check: { TTL: '10s' } }).checks[0]
 *   .definition.id; // 'service:web'
 */
export function decodeServiceRegistration(body: unknown): ServiceRegistration {
  const o = LenientObject.from('', body);
  const name = o.identifier('Name');
  if (name === undefined) throw new BadRequestError('Name: missing; a service needs a name');
  const id = o.identifier('ID') ?? name;
  const weights = o.object('Weights');
  const spec: ServiceSpec = {
    id,
    name,
    address: address(o),
    port: o.integer('Port', 0, 65535) ?? 0,
    tags: o.stringArray('Tags') ?? [],
    meta: meta(o),
    weights: {
      passing: weights?.integer('Passing', 1, 65535) ?? 1,
      warning: weights?.integer('Warning', 0, 65535) ?? 1,
    },
    enableTagOverride: o.boolean('EnableTagOverride') ?? false,
  };
  return { spec, checks: checks(o, id, name) };
}

function address(o: LenientObject): string {
  const value = o.identifier('Address') ?? '';
  if (/\s/.test(value)) throw new BadRequestError(`Address: must not contain spaces`);
  return value;
}

function meta(o: LenientObject): Record<string, string> {
  const value = o.stringMap('Meta');
  if (!value) return {};
  const keys = Object.keys(value);
  if (keys.length > META_MAX_PAIRS) {
    throw new BadRequestError(`Meta: too many pairs (${keys.length} > ${META_MAX_PAIRS})`);
  }
  for (const key of keys) {
    const where = `Meta.${clip(key, 40)}`;
    if (key.length > META_KEY_MAX)
      throw new BadRequestError(`${where}: key longer than ${META_KEY_MAX}`);
    if (!META_KEY.test(key))
      throw new BadRequestError(`${where}: key may only use A-Z a-z 0-9 - _`);
    if (key.startsWith('consul-'))
      throw new BadRequestError(`${where}: the consul- prefix is reserved`);
    if (value[key]!.length > META_VALUE_MAX) {
      throw new BadRequestError(`${where}: value longer than ${META_VALUE_MAX}`);
    }
  }
  return value;
}

function checks(o: LenientObject, serviceId: string, serviceName: string): CheckSpec[] {
  const list: LenientObject[] = [];
  const single = o.object('Check');
  if (single) list.push(single);
  list.push(...(o.objectArray('Checks') ?? []));
  const numbered = list.length > 1;
  const seen = new Set<string>();
  return list.map((check, i) => {
    const spec = decodeCheck(check, {
      id: numbered ? `service:${serviceId}:${i + 1}` : `service:${serviceId}`,
      name: `Service '${serviceName}' check`,
      serviceId,
    });
    if (seen.has(spec.definition.id)) {
      throw new BadRequestError(
        `${check.path}: duplicate CheckID "${clip(spec.definition.id, 60)}"`,
      );
    }
    seen.add(spec.definition.id);
    return spec;
  });
}
