import type { Dispatcher } from 'undici';
import { systemClock, type Clock } from '../../../resilience/clock.js';
import { createLogger, type Logger } from '../../logger.js';
import { InvalidSourceOptionError } from './discovery-errors.js';

/** Options for `registrySource()`; only `address` and `service` are required. */
export interface RegistrySourceOptions {
  /** The registry's HTTP address, e.g. `http://127.0.0.1:8500` (a path prefix is kept). */
  readonly address: string;
  /** The service name to watch. */
  readonly service: string;
  /** Keep only instances carrying every one of these tags (sent as repeated `tag=`). */
  readonly tags?: readonly string[];
  /** Only instances whose checks all pass (default true); false also keeps `warning` ones. */
  readonly passingOnly?: boolean;
  /** Sent as `X-Consul-Token`. */
  readonly token?: string;
  /** Sent as `dc=`. */
  readonly datacenter?: string;
  /** Keep only instances whose `Service.Meta` holds every one of these pairs. */
  readonly meta?: Readonly<Record<string, string>>;
  readonly logger?: Logger;
  /** Consul's `wait`: how long the registry may hold a query open (default 5 min, max 10 min). */
  readonly waitMs?: number;
  /** A request is aborted after `waitMs` + wait/16 (Consul's jitter) + this (default 5 s). */
  readonly timeoutSlackMs?: number;
  /** First retry delay after a failed read (default 100 ms; full jitter). */
  readonly retryInitialMs?: number;
  /** Cap on the retry delay (default 1 s, so a restarted registry is picked up within ~1 s). */
  readonly retryMaxMs?: number;
  /** Sustained query rate cap, per second, after a burst of 2 (default 5). */
  readonly maxQueriesPerSecond?: number;
  /** The undici dispatcher to send through (default: a private `Agent`, destroyed on close). */
  readonly dispatcher?: Dispatcher;
  /** Timers and `now` (default the system clock; timers are unref'd). */
  readonly clock?: Clock;
  /** Uniform in [0, 1) for retry jitter (default `Math.random`). */
  readonly random?: () => number;
}

/** `RegistrySourceOptions` validated, with defaults filled. */
export interface RegistrySourceSettings {
  readonly baseUrl: string;
  readonly service: string;
  readonly tags: readonly string[];
  readonly passingOnly: boolean;
  readonly token: string | undefined;
  readonly datacenter: string | undefined;
  readonly meta: Readonly<Record<string, string>> | undefined;
  readonly logger: Logger;
  readonly waitMs: number;
  readonly timeoutMs: number;
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
  readonly queryIntervalMs: number;
  readonly dispatcher: Dispatcher | undefined;
  readonly clock: Clock;
  readonly random: () => number;
}

const MAX_WAIT_MS = 10 * 60_000;

/** Validates options once, at construction; every problem names its option. */
export function registrySourceSettings(o: RegistrySourceOptions): RegistrySourceSettings {
  const waitMs = ms('waitMs', o.waitMs, 300_000, 1, MAX_WAIT_MS);
  const retryInitialMs = ms('retryInitialMs', o.retryInitialMs, 100, 1);
  const retryMaxMs = ms('retryMaxMs', o.retryMaxMs, Math.max(1_000, retryInitialMs), 1);
  if (retryMaxMs < retryInitialMs) fail('retryMaxMs', `must be >= retryInitialMs`);
  const rate = ms('maxQueriesPerSecond', o.maxQueriesPerSecond, 5, 0.001);
  if (typeof o.service !== 'string' || o.service === '') fail('service', 'must be a service name');
  for (const t of o.tags ?? []) if (typeof t !== 'string') fail('tags', 'must be strings');
  if (o.token !== undefined && (typeof o.token !== 'string' || o.token === '')) {
    fail('token', 'must be a non-empty string');
  }
  return {
    baseUrl: baseUrl(o.address),
    service: o.service,
    tags: [...(o.tags ?? [])],
    passingOnly: o.passingOnly ?? true,
    token: o.token,
    datacenter: o.datacenter,
    meta: o.meta,
    logger: o.logger ?? createLogger('discovery'),
    waitMs,
    timeoutMs: waitMs + waitMs / 16 + ms('timeoutSlackMs', o.timeoutSlackMs, 5_000, 0),
    retryInitialMs,
    retryMaxMs,
    queryIntervalMs: 1000 / rate,
    dispatcher: o.dispatcher,
    clock: o.clock ?? systemClock,
    random: o.random ?? Math.random,
  };
}

function baseUrl(address: unknown): string {
  let url: URL;
  try {
    url = new URL(String(address));
  } catch {
    return fail('address', `must be an http(s) URL, got ${JSON.stringify(address)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    fail('address', `must be http: or https:, got ${url.protocol}`);
  }
  if (url.search !== '' || url.hash !== '') fail('address', 'must have no query or fragment');
  return url.href.replace(/\/+$/, '');
}

function ms(name: string, value: unknown, fallback: number, min: number, max = Infinity): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value >= min && value <= max)) {
    fail(name, `must be a number in [${min}, ${max}], got ${JSON.stringify(value)}`);
  }
  return value;
}

function fail(option: string, problem: string): never {
  throw new InvalidSourceOptionError(`registrySource.${option}`, problem);
}
