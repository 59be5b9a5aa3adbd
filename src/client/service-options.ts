import type { Duration } from '../core/index.js';
import type { BalancerKind } from '../core/upstream/balancer.js';
import type { EndpointSource } from '../core/upstream/discovery/index.js';
import type { OutlierDetectorOptions } from '../core/upstream/outlier-detector.js';
import {
  bulkhead,
  circuitBreaker,
  exponentialBackoff,
  retryBudget,
  type Backoff,
  type BulkheadOptions,
  type BulkheadPolicy,
  type CircuitBreaker,
  type CircuitBreakerOptions,
  type FallbackInfo,
  type RetryBudget,
  type RetryBudgetOptions,
} from '../resilience/index.js';
import { invalidOption } from './client-errors.js';
import {
  booleanOption,
  durationOption,
  integerOption,
  objectOption,
  stringListOption,
  stringMapOption,
} from './client-options.js';

/** How failed tries are retried (only idempotent methods, or calls with an idempotency key). */
export interface RetryOptions {
  /** Total tries, the first included. Default 3. */
  readonly attempts?: number;
  /** Delay before each retry: `{ initial, max }` of an exponential full-jitter backoff (default 25 ms → 250 ms, as Envoy), or any `Backoff`. */
  readonly backoff?: { readonly initial?: Duration; readonly max?: Duration } | Backoff;
  /** Caps retries at a share of traffic (default `retryBudget()`: 20 % + 10/s); `false` for none. */
  readonly budget?: RetryBudgetOptions | RetryBudget | false;
  /** Response statuses that count as a failed try. Default: every 5xx. */
  readonly statuses?: readonly number[];
}

/** Options of `sy.service(name, options)`. */
export interface ServiceOptions {
  /** Default `'peak-ewma'`. */
  readonly balancer?: BalancerKind;
  /** Per try: connect excluded, until the response headers, and then between body chunks. Default `'5s'`. */
  readonly timeout?: Duration;
  /** The whole call, retries and backoff included. Default none (each try is bounded). */
  readonly totalTimeout?: Duration;
  /** Connect timeout per try. Default `'1s'`. */
  readonly connectTimeout?: Duration;
  /** Default `{ attempts: 3 }`; `false` never retries. */
  readonly retries?: RetryOptions | false;
  /** A breaker for the whole service (per-endpoint failures are the outlier detector's job). Default none. */
  readonly circuitBreaker?: CircuitBreakerOptions | false;
  /** Caps concurrent calls to the service. Default none. */
  readonly bulkhead?: BulkheadOptions | false;
  /** Answers a call that failed (error or final 5xx); a `Response` value is cloned each time. */
  readonly fallback?: Response | ((info: FallbackInfo) => Response | PromiseLike<Response>);
  /** Only instances carrying every one of these tags. */
  readonly tags?: readonly string[];
  /** Only instances whose meta holds every one of these pairs. */
  readonly meta?: Readonly<Record<string, string>>;
  /** Only instances whose checks all pass (default true); false also keeps `warning` ones. */
  readonly passingOnly?: boolean;
  /** Passive health: eject endpoints that fail in a row. Default `{}` (Envoy's defaults); `false` off. */
  readonly outlierDetection?: OutlierDetectorOptions | false;
  /** Fixed endpoint URLs instead of the registry (tests, local development). */
  readonly endpoints?: readonly string[];
  /** Any endpoint source (DNS, a custom one) instead of the registry. */
  readonly source?: EndpointSource;
  /** How long a call waits for the first discovery answer. Default `'5s'`. */
  readonly discoveryTimeout?: Duration;
  /** Connections per endpoint. Default: as many as needed. */
  readonly connections?: number;
  /** Idle keep-alive connections close after this. Default `'4s'` (below Node's 5 s server default). */
  readonly keepAliveTimeout?: Duration;
}

/** Validated settings and the policies built from them, once per `service()`. */
export interface ServiceSettings {
  readonly balancer: BalancerKind;
  readonly timeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly connections: number | undefined;
  readonly discoveryTimeoutMs: number;
  readonly attempts: number;
  readonly backoff: Backoff;
  readonly budget: RetryBudget | undefined;
  /** 600 flags, one per status: true = the try failed. */
  readonly failedStatus: readonly boolean[];
  /** The whole call's deadline (`totalTimeout`), or undefined. */
  readonly totalTimeoutMs: number | undefined;
  readonly breaker: CircuitBreaker | undefined;
  readonly bulkhead: BulkheadPolicy | undefined;
  readonly fallback: ServiceOptions['fallback'];
  readonly tags: readonly string[];
  readonly meta: Readonly<Record<string, string>> | undefined;
  readonly passingOnly: boolean;
  readonly outlierDetection: OutlierDetectorOptions | undefined;
  readonly endpoints: readonly string[] | undefined;
  readonly source: EndpointSource | undefined;
}

const KNOWN = [
  'balancer',
  'timeout',
  'totalTimeout',
  'connectTimeout',
  'retries',
  'circuitBreaker',
  'bulkhead',
  'fallback',
  'tags',
  'meta',
  'passingOnly',
  'outlierDetection',
  'endpoints',
  'source',
  'discoveryTimeout',
  'connections',
  'keepAliveTimeout',
];

/** Validates `service()` options once and builds the policies; names the bad option. */
export function serviceSettings(
  name: string,
  options: ServiceOptions | undefined,
): ServiceSettings {
  const at = `service(${name})`;
  const o = objectOption(at, options, KNOWN);
  const retries =
    o.retries === false ? undefined : objectOption(`${at}.retries`, o.retries ?? {}, RETRY_KEYS);
  const statuses = retries?.statuses;
  const failedStatus: boolean[] = [];
  for (let s = 0; s < 600; s++) failedStatus.push(statuses === undefined ? s >= 500 : false);
  for (const [i, s] of (statuses ?? []).entries()) {
    failedStatus[integerOption(`${at}.retries.statuses[${i}]`, s, 0, 100, 599)] = true;
  }
  if (o.endpoints !== undefined && o.source !== undefined) {
    throw invalidOption(`${at}.endpoints`, 'give endpoints or source, not both');
  }
  return {
    balancer: o.balancer ?? 'peak-ewma',
    timeoutMs: durationOption(`${at}.timeout`, o.timeout, 5_000, 1),
    connectTimeoutMs: durationOption(`${at}.connectTimeout`, o.connectTimeout, 1_000, 1),
    keepAliveTimeoutMs: durationOption(`${at}.keepAliveTimeout`, o.keepAliveTimeout, 4_000, 1),
    connections:
      o.connections === undefined
        ? undefined
        : integerOption(`${at}.connections`, o.connections, 0, 1),
    discoveryTimeoutMs: durationOption(`${at}.discoveryTimeout`, o.discoveryTimeout, 5_000),
    attempts:
      retries === undefined
        ? 1
        : integerOption(`${at}.retries.attempts`, retries.attempts, 3, 1, 100),
    backoff: backoffOf(`${at}.retries.backoff`, retries?.backoff),
    budget: budgetOf(`${at}.retries.budget`, retries?.budget),
    failedStatus,
    totalTimeoutMs:
      o.totalTimeout === undefined
        ? undefined
        : durationOption(`${at}.totalTimeout`, o.totalTimeout, 0, 1),
    breaker: build(`${at}.circuitBreaker`, o.circuitBreaker, (v) => circuitBreaker(v)),
    bulkhead: build(`${at}.bulkhead`, o.bulkhead, (v) => bulkhead(v)),
    fallback: fallbackOf(`${at}.fallback`, o.fallback),
    tags: stringListOption(`${at}.tags`, o.tags),
    meta: o.meta === undefined ? undefined : stringMapOption(`${at}.meta`, o.meta),
    passingOnly: booleanOption(`${at}.passingOnly`, o.passingOnly, true),
    outlierDetection: o.outlierDetection === false ? undefined : (o.outlierDetection ?? {}),
    endpoints:
      o.endpoints === undefined ? undefined : stringListOption(`${at}.endpoints`, o.endpoints),
    source: o.source,
  };
}

const RETRY_KEYS = ['attempts', 'backoff', 'budget', 'statuses'];

function backoffOf(option: string, value: RetryOptions['backoff']): Backoff {
  if (value !== undefined && typeof (value as Backoff).next === 'function') return value as Backoff;
  const o = objectOption(option, value as { initial?: Duration; max?: Duration }, [
    'initial',
    'max',
  ]);
  const initial = durationOption(`${option}.initial`, o.initial, 25);
  const max = durationOption(`${option}.max`, o.max, Math.max(250, initial), initial);
  return exponentialBackoff({ initial, max, jitter: 'full' });
}

function budgetOf(option: string, value: RetryOptions['budget']): RetryBudget | undefined {
  if (value === false) return undefined;
  if (value !== undefined && typeof (value as RetryBudget).tryAcquireRetry === 'function') {
    return value as RetryBudget;
  }
  return build(option, (value ?? {}) as RetryBudgetOptions, (v) => retryBudget(v));
}

function fallbackOf(option: string, value: ServiceOptions['fallback']): ServiceOptions['fallback'] {
  if (value === undefined || typeof value === 'function' || value instanceof Response) return value;
  throw invalidOption(option, 'expected a Response or a function returning one');
}

/** Runs a resilience factory, re-labelling its option errors with the service's path. */
function build<O, P>(
  option: string,
  value: O | false | undefined,
  make: (v: O) => P,
): P | undefined {
  if (value === undefined || value === false) return undefined;
  try {
    return make(value);
  } catch (error) {
    const inner = (error as { option?: unknown }).option;
    const path = typeof inner === 'string' ? inner.replace(/^[a-zA-Z]+/, option) : option;
    throw invalidOption(path, error instanceof Error ? error.message : String(error));
  }
}
