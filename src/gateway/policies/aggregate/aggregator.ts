import { systemClock, type Clock } from '../../../resilience/clock.js';
import { compilePathTemplate, invalidAggregateOption, type PathTemplate } from './path-template.js';
import { AggregateRun, type CompiledPart } from './aggregate-run.js';

/** One part of an aggregate route, as in the `aggregate:` config block. */
export interface AggregatePart {
  /** The upstream service name, passed to `call`. */
  readonly service: string;
  /** Path and query template with `:params`, e.g. `/orders?user=:userId&limit=5`. */
  readonly path: string;
  /** This part's own timeout. Default: the aggregator's `defaultTimeoutMs` (2000). */
  readonly timeoutMs?: number;
  /** A failing optional part becomes `null` and is named in `_errors`; default `false`. */
  readonly optional?: boolean;
}

/** What the aggregator hands the gateway for one part's upstream GET. */
export interface PartCallInit {
  /** The headers to send: the caller's forwarded headers plus `accept: application/json`. */
  readonly headers: readonly [name: string, value: string][];
  /** Time left for this part (its timeout, capped by the deadline); the aggregator enforces it too. */
  readonly timeoutMs: number;
  /** Aborted on this part's timeout, on a required part's failure, or on the caller's signal. */
  readonly signal: AbortSignal;
  /** Stop reading and reject past this many body bytes (see `readBoundedBody`). */
  readonly maxBodyBytes: number;
}

/** A part's upstream answer, body fully read. */
export interface PartResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

/** The gateway's upstream call (balancer, pool, breaker); GET `pathWithQuery` on `service`. */
export type PartCall = (
  service: string,
  pathWithQuery: string,
  init: PartCallInit,
) => Promise<PartResponse>;

export interface AggregatorOptions {
  /** Timeout of a part that names none. Default 2000 ms. */
  readonly defaultTimeoutMs?: number;
  /** Overall deadline for a run (a run's own `deadlineMs` wins). Default: none beyond the parts'. */
  readonly deadlineMs?: number;
  /** Largest accepted body per part. Default 2 MiB. */
  readonly maxBodyBytes?: number;
  /** The route's parameter names: when given, every template placeholder must be one of them. */
  readonly routeParams?: readonly string[];
  /** Timers for the timeouts and deadline; tests inject a `ManualClock`. */
  readonly clock?: Clock;
}

export interface AggregateRequest {
  /** Route parameters (already URL-decoded); the templates encode them. */
  readonly params: Readonly<Record<string, string | undefined>>;
  /** Headers forwarded to every part: identity (`authorization`, `x-user-id`), `x-request-id`, `traceparent`… */
  readonly headers: readonly [name: string, value: string][];
  /** Overall deadline for this run, from now (e.g. what is left of the route's total timeout). */
  readonly deadlineMs?: number;
  /** The downstream request's signal: when the client goes away every part is aborted. */
  readonly signal?: AbortSignal;
}

/**
 * The combined answer. 200: `{ <part>: <JSON or null>, …, _errors?: { <part>: reason } }` with
 * `X-Aggregate-Partial: a, b` when optional parts failed. Otherwise `{ error: { code, message,
 * details } }`: 502/504 `SY_GW_AGGREGATE_PART_FAILED`, 400 `SY_GW_AGGREGATE_BAD_PARAM`,
 * 499 `SY_GW_AGGREGATE_CANCELLED`.
 */
export interface AggregateResult {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly headers: Record<string, string>;
}

export interface Aggregator {
  /** Part names, in response order. */
  readonly parts: readonly string[];
  /** Every route parameter the templates use. */
  readonly params: readonly string[];
  /** Fans out to every part in parallel; never rejects (failures are answers). */
  run(request: AggregateRequest): Promise<AggregateResult>;
}

const PART_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;
const PART_KEYS = new Set(['service', 'path', 'timeoutMs', 'optional']);
const DEFAULT_TIMEOUT_MS = 2000;
const DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024;

/**
 * Compiles an aggregate (Backend-for-Frontend) route once: templates parsed, options checked.
 * Each `run` calls every part in parallel with its own timeout under one overall deadline and
 * answers one JSON object keyed by part name. A required part that fails (timeout, connection
 * error, non-2xx, non-JSON, body too large) aborts the others and makes the answer 502 — 504
 * when it timed out; an optional one becomes `null`, named in `_errors` and `X-Aggregate-Partial`.
 *
 * @example
 * const profile = createAggregator(
 *   {
 *     user: { service: 'user-service', path: '/users/:userId' },
 *     orders: { service: 'order-service', path: '/orders?user=:userId&limit=5', timeoutMs: 500 },
 *     recommendations: { service: 'reco', path: '/recommendations/:userId', optional: true, timeoutMs: 300 },
 *   },
 *   (service, path, init) => gateway.callUpstream(service, path, init),
 * );
 * const { status, headers, body } = await profile.run({ params: { userId: '42' }, headers: [] });
 */
export function createAggregator(
  parts: Readonly<Record<string, AggregatePart>>,
  call: PartCall,
  options: AggregatorOptions = {},
): Aggregator {
  if (typeof call !== 'function') throw invalidAggregateOption('call', 'must be a function');
  const defaultTimeoutMs = positive(
    'defaultTimeoutMs',
    options.defaultTimeoutMs,
    DEFAULT_TIMEOUT_MS,
  );
  const maxBodyBytes = positive(
    'maxBodyBytes',
    options.maxBodyBytes,
    DEFAULT_MAX_BODY_BYTES,
    'bytes',
  );
  const deadlineMs =
    options.deadlineMs === undefined ? undefined : positive('deadlineMs', options.deadlineMs, 0);
  const clock = options.clock ?? systemClock;
  if (parts === null || typeof parts !== 'object' || Object.keys(parts).length === 0)
    throw invalidAggregateOption('aggregate', 'needs at least one part');

  const compiled: CompiledPart[] = [];
  for (const [name, part] of Object.entries(parts)) {
    compiled.push(compilePart(name, part, defaultTimeoutMs));
  }
  const params = [...new Set(compiled.flatMap((p) => p.template.params))];
  if (options.routeParams !== undefined) {
    for (const p of compiled) checkRouteParams(p.name, p.template, options.routeParams);
  }
  Object.freeze(compiled);
  const names = Object.freeze(compiled.map((p) => p.name));
  const shared = { parts: compiled, call, clock, maxBodyBytes };

  return {
    parts: names,
    params: Object.freeze(params),
    run(request) {
      return new AggregateRun(shared, request, request.deadlineMs ?? deadlineMs).start();
    },
  };
}

function compilePart(name: string, part: AggregatePart, defaultTimeoutMs: number): CompiledPart {
  const at = `aggregate.${name}`;
  if (!PART_NAME.test(name))
    throw invalidAggregateOption(at, 'a part name is a letter then letters, digits, "_" or "-"');
  if (part === null || typeof part !== 'object')
    throw invalidAggregateOption(at, 'must be an object');
  for (const key of Object.keys(part)) {
    if (!PART_KEYS.has(key)) throw invalidAggregateOption(`${at}.${key}`, 'unknown option');
  }
  if (typeof part.service !== 'string' || part.service.length === 0)
    throw invalidAggregateOption(`${at}.service`, 'must be a non-empty string');
  if (part.optional !== undefined && typeof part.optional !== 'boolean')
    throw invalidAggregateOption(`${at}.optional`, 'must be true or false');
  return {
    name,
    service: part.service,
    template: compilePathTemplate(part.path, `${at}.path`),
    timeoutMs: positive(`${at}.timeoutMs`, part.timeoutMs, defaultTimeoutMs),
    optional: part.optional === true,
  };
}

function checkRouteParams(name: string, template: PathTemplate, routeParams: readonly string[]) {
  for (const p of template.params) {
    if (!routeParams.includes(p))
      throw invalidAggregateOption(
        `aggregate.${name}.path`,
        `uses ":${p}", which the route does not capture (it has ${routeParams.join(', ') || 'none'})`,
      );
  }
}

function positive(option: string, value: unknown, fallback: number, unit = 'milliseconds'): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw invalidAggregateOption(option, `must be a positive number of ${unit}`);
  return value;
}
