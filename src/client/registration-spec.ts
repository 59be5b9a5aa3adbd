import { hostname } from 'node:os';
import type { Duration } from '../core/index.js';
import { invalidOption } from './client-errors.js';
import {
  durationOption,
  integerOption,
  objectOption,
  stringListOption,
  stringMapOption,
  stringOption,
} from './client-options.js';

/** The instance keeps a TTL alive itself (the default: `{ ttl: '10s' }`). */
export interface TtlCheck {
  readonly ttl: Duration;
}
/** The registry polls the instance over HTTP: a full URL, or a path on the instance's port. */
export interface HttpCheck {
  readonly http: string;
  readonly interval: Duration;
  readonly timeout?: Duration;
}
/** The registry connects to `host:port`. */
export interface TcpCheck {
  readonly tcp: string;
  readonly interval: Duration;
  readonly timeout?: Duration;
}

/** What `registerSelf()` takes. */
export interface SelfRegistrationOptions {
  /** The service name callers discover (a DNS label). */
  readonly name: string;
  readonly port: number;
  /** Unique per registry; default `<name>-<hostname>-<port>` (stable across restarts). */
  readonly id?: string;
  /** The address callers should use; default empty (the registry uses its node's address). */
  readonly address?: string;
  readonly tags?: readonly string[];
  readonly meta?: Readonly<Record<string, string>>;
  /** Default `{ ttl: '10s' }`; `false` registers without a check (always passing). */
  readonly check?: TtlCheck | HttpCheck | TcpCheck | false;
  /** The registry removes the instance after its check has been critical this long (≥ 1 m in Consul). Default `'1m'`; `false` never. */
  readonly deregisterCriticalServiceAfter?: Duration | false;
  /** How long `registerSelf()` waits for a reachable registry before rejecting (retries go on). Default `'10s'`; `false` waits forever. */
  readonly registerTimeout?: Duration | false;
}

/** A validated registration: the Consul body plus what the keep-alive loop needs. */
export interface RegistrationPlan {
  readonly id: string;
  readonly name: string;
  /** `PUT /v1/agent/service/register` body (Consul's PascalCase). */
  readonly body: Record<string, unknown>;
  /** Set for TTL checks: the check to pass and its TTL. */
  readonly ttl: { readonly checkId: string; readonly ms: number } | undefined;
  /** `undefined` = wait forever. */
  readonly registerTimeoutMs: number | undefined;
}

const KNOWN = [
  'name',
  'port',
  'id',
  'address',
  'tags',
  'meta',
  'check',
  'deregisterCriticalServiceAfter',
  'registerTimeout',
];

/**
 * Validates `registerSelf()` options and builds the Consul registration body. The check gets the
 * explicit ID `service:<id>` (what Consul would generate) so heartbeats name it directly.
 *
 * @example
 * planRegistration({ name: 'orders', port: 3000 }).body.Check; // { TTL: '10000ms', … }
 */
export function planRegistration(options: SelfRegistrationOptions): RegistrationPlan {
  const o = objectOption('registerSelf', options, KNOWN);
  const name = stringOption('registerSelf.name', o.name, undefined);
  if (name === undefined) throw invalidOption('registerSelf.name', 'required');
  if (!/^[A-Za-z0-9]([A-Za-z0-9_-]{0,62})$/.test(name)) {
    throw invalidOption('registerSelf.name', `expected a DNS label, got ${JSON.stringify(name)}`);
  }
  if (o.port === undefined) throw invalidOption('registerSelf.port', 'required');
  const port = integerOption('registerSelf.port', o.port, 0, 1, 65_535);
  const id = stringOption('registerSelf.id', o.id, `${name}-${hostname()}-${port}`);
  const address = stringOption('registerSelf.address', o.address, undefined);
  const deregisterAfter =
    o.deregisterCriticalServiceAfter === false
      ? undefined
      : durationOption(
          'registerSelf.deregisterCriticalServiceAfter',
          o.deregisterCriticalServiceAfter,
          60_000,
          1,
        );
  const registerTimeoutMs =
    o.registerTimeout === false
      ? undefined
      : durationOption('registerSelf.registerTimeout', o.registerTimeout, 10_000);
  const checkId = `service:${id}`;
  const check = checkBody(o.check, checkId, name, address ?? '127.0.0.1', port);
  if (check && deregisterAfter !== undefined) {
    check.DeregisterCriticalServiceAfter = goDuration(deregisterAfter);
  }
  const body: Record<string, unknown> = {
    ID: id,
    Name: name,
    Tags: stringListOption('registerSelf.tags', o.tags),
    Meta: stringMapOption('registerSelf.meta', o.meta),
    Port: port,
    ...(address !== undefined && { Address: address }),
    ...(check && { Check: check }),
  };
  const ttl = check?.TTL === undefined ? undefined : { checkId, ms: ttlMs(o.check as TtlCheck) };
  return { id, name, body, ttl, registerTimeoutMs };
}

function checkBody(
  value: TtlCheck | HttpCheck | TcpCheck | false | undefined,
  checkId: string,
  name: string,
  address: string,
  port: number,
): Record<string, unknown> | undefined {
  if (value === false) return undefined;
  const common = { CheckID: checkId, Name: `Service '${name}' check` };
  if (value === undefined) return { ...common, TTL: goDuration(10_000) };
  const c = objectOption<AnyCheck>('registerSelf.check', value, CHECK_KEYS);
  const kinds = (['ttl', 'http', 'tcp'] as const).filter((k) => c[k] !== undefined);
  if (kinds.length !== 1) {
    throw invalidOption('registerSelf.check', 'give exactly one of ttl, http or tcp');
  }
  if (kinds[0] === 'ttl') {
    if (c.interval !== undefined || c.timeout !== undefined) {
      throw invalidOption('registerSelf.check', 'a TTL check takes no interval or timeout');
    }
    return { ...common, TTL: goDuration(ttlMs(value as TtlCheck)) };
  }
  const interval = durationOption('registerSelf.check.interval', c.interval, -1, 1);
  if (interval < 0) throw invalidOption('registerSelf.check.interval', `required for ${kinds[0]}`);
  const timeout = durationOption('registerSelf.check.timeout', c.timeout, -1, 1);
  const probe =
    kinds[0] === 'http'
      ? { HTTP: httpTarget((value as HttpCheck).http, address, port) }
      : { TCP: tcpTarget((value as TcpCheck).tcp) };
  return {
    ...common,
    ...probe,
    Interval: goDuration(interval),
    ...(timeout > 0 && { Timeout: goDuration(timeout) }),
  };
}

type AnyCheck = Partial<TtlCheck & HttpCheck & TcpCheck>;
const CHECK_KEYS = ['ttl', 'http', 'tcp', 'interval', 'timeout'];

function ttlMs(check: TtlCheck | undefined): number {
  return check === undefined
    ? 10_000
    : durationOption('registerSelf.check.ttl', check.ttl, 10_000, 100);
}

/** A path (`/health`) is made absolute against the instance's own address and port. */
function httpTarget(value: unknown, address: string, port: number): string {
  const text = stringOption('registerSelf.check.http', value, undefined)!;
  const host = address.includes(':') ? `[${address}]` : address;
  const url = text.startsWith('/') ? `http://${host}:${port}${text}` : text;
  try {
    const u = new URL(url);
    if (u.protocol === 'http:' || u.protocol === 'https:') return url;
  } catch {
    // fall through to the error
  }
  throw invalidOption('registerSelf.check.http', `expected a path or an http(s) URL, got ${text}`);
}

function tcpTarget(value: unknown): string {
  const text = stringOption('registerSelf.check.tcp', value, undefined)!;
  if (!/^(\[[0-9a-fA-F:.]+\]|[^\s:[\]/]+):\d{1,5}$/.test(text)) {
    throw invalidOption('registerSelf.check.tcp', `expected host:port, got ${text}`);
  }
  return text;
}

/** Go's duration syntax, which Consul parses: whole milliseconds. */
function goDuration(ms: number): string {
  return `${Math.round(ms)}ms`;
}
