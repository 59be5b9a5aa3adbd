/**
 * The normalized gateway config: what `loadGatewayConfig` returns and the proxy consumes.
 * Every default is filled in, durations are milliseconds, sizes are bytes, header names are
 * lower-case, methods upper-case, and the whole object is deeply frozen.
 */
import type { BalancerKind } from '../../core/upstream/balancer.js';

export type { BalancerKind };

/** The whole gateway config. */
export interface GatewayConfig {
  listen: ListenConfig;
  /** `undefined`: no admin listener. */
  admin: AdminConfig | undefined;
  registry?: RegistryConfig;
  workers: number;
  limits: LimitsConfig;
  accessLog: boolean;
  reload: { watch: boolean };
  /** Service name → config. */
  services: Record<string, ServiceConfig>;
  /** In config order; see `routePrecedence` for the order the router tries them in. */
  routes: RouteConfig[];
  /** API-key consumers (`apiKeys` are secrets). */
  consumers: ConsumerConfig[];
  /** Shared Redis for cluster-wide rate limits. */
  redis?: { address: string };
  /** Addresses / CIDR blocks whose `X-Forwarded-For` is believed for the client IP. */
  trustedProxies: string[];
}

export interface ConsumerConfig {
  name: string;
  /** Secret: redacted by `redactConfig`. */
  apiKeys: string[];
}

export type AuthConfig =
  | {
      kind: 'jwt';
      /** Secret: redacted by `redactConfig`. */
      secret?: string;
      /** PEM text (a file path in the config is read at load time). */
      publicKey?: string;
      jwks?: string;
      issuer?: string[];
      audience?: string[];
      algorithms?: string[];
      leewayMs?: number;
      requiredScopes?: string[];
      scopeClaim?: string;
      claimsToHeaders: Record<string, string>;
      header?: string;
    }
  | { kind: 'apiKey'; header?: string; query?: string }
  | {
      kind: 'forward';
      url: string;
      copyHeaders: string[];
      requestHeaders?: string[];
      timeoutMs?: number;
    };

export interface RateLimitConfig {
  rate: string | number;
  burst?: number;
  nodelay?: boolean;
  delay?: number;
  algorithm?: 'token-bucket' | 'leaky-bucket' | 'sliding-window';
  /** `ip` | `consumer` | `header:NAME` | `claim:NAME`. */
  key: string;
  scope: 'local' | 'cluster';
  onRedisError: 'allow' | 'deny';
}

export interface ListenConfig {
  host: string;
  port: number;
  tls?: ListenTlsConfig;
  http2: boolean;
}

export interface ListenTlsConfig {
  /** Absolute path of the PEM certificate chain. */
  cert: string;
  /** Absolute path of the PEM private key. */
  key: string;
  minVersion: 'TLSv1.2' | 'TLSv1.3';
}

export interface AdminConfig {
  host: string;
  port: number;
  /** Secret: redacted by `redactConfig`. */
  token?: string;
}

export interface RegistryConfig {
  /** Origin (and optional path), no trailing slash, e.g. `http://127.0.0.1:8500`. */
  address: string;
  /** Secret: redacted by `redactConfig`. */
  token?: string;
  datacenter?: string;
}

export interface LimitsConfig {
  maxHeaderSize: number;
  maxBodySize: number;
  requestTimeout: number;
  headersTimeout: number;
  keepAliveTimeout: number;
  drainTimeout: number;
}

export interface StaticTarget {
  /** Origin only, e.g. `http://127.0.0.1:8002`. */
  url: string;
  weight: number;
}

export type ServiceSource =
  | { kind: 'static'; targets: StaticTarget[] }
  | { kind: 'registry'; service: string; tags: string[]; passingOnly: boolean }
  | { kind: 'dns'; name: string; type: 'A' | 'SRV'; port: number | undefined; interval: number };

export type HashOn = { kind: 'header' | 'cookie'; name: string } | { kind: 'ip' };

export interface CircuitBreakerConfig {
  failureThreshold: number;
  cooldown: number;
  successThreshold: number;
}

export interface OutlierDetectionConfig {
  consecutive5xx: number;
  consecutiveConnectFailures: number;
  baseEjectionTime: number;
  maxEjectionTime: number;
  maxEjectionPercent: number;
}

export interface HealthCheckConfig {
  path: string;
  interval: number;
  timeout: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  /** Inclusive status ranges, e.g. `[[200, 399]]`. */
  expectStatus: [number, number][];
}

export interface ServiceConfig {
  name: string;
  source: ServiceSource;
  balancer: BalancerKind;
  /** Set for `consistent-hash` only (defaults to `{ kind: 'ip' }` there). */
  hashOn?: HashOn;
  circuitBreaker: CircuitBreakerConfig | false;
  outlierDetection: OutlierDetectionConfig | false;
  healthCheck?: HealthCheckConfig;
  pool: { connections: number; keepAliveTimeout: number };
  tls?: { ca?: string; servername?: string; rejectUnauthorized: boolean };
}

export type RouteMatchType = 'prefix' | 'exact' | 'pattern';

export interface HeaderMatch {
  /** Lower-case. */
  name: string;
  kind: 'exact' | 'prefix' | 'regex' | 'present';
  /** Absent for `present`. */
  value?: string;
}

export interface RouteMatch {
  path: string;
  type: RouteMatchType;
  /** Lower-case; `*.example.com` wildcards kept as written; `[]` = any host. */
  hosts: string[];
  /** Upper-case; `[]` = any method. */
  methods: string[];
  headers: HeaderMatch[];
}

/** Header edits; names lower-case. */
export interface HeaderOps {
  add: [name: string, value: string][];
  set: [name: string, value: string][];
  remove: string[];
}

export type RetryOn = 'connect-failure' | 'reset' | '5xx' | 'timeout';

export interface RetryConfig {
  /** Total tries including the first; 1 = no retries. */
  attempts: number;
  on: RetryOn[];
  statuses: number[];
  perTryTimeout: number | undefined;
  backoff: { base: number; max: number };
  budget: { ratio: number; minPerSecond: number };
  nonIdempotent: boolean;
}

export interface RouteConfig {
  /** The route's `name`, or `routes[i]` when unnamed. */
  name: string;
  /** Position in the config file's `routes` list. */
  index: number;
  match: RouteMatch;
  service: string;
  /** The prefix to strip, already resolved from `true`. */
  stripPrefix: string | undefined;
  rewrite: string | undefined;
  timeouts: { connect: number; read: number; total: number | undefined };
  retries: RetryConfig;
  headers: { request: HeaderOps; response: HeaderOps };
  websocket: boolean;
  maxBodySize: number;
  auth?: AuthConfig;
  rateLimit?: RateLimitConfig;
  cache?: CacheConfig;
  cors?: {
    origins: string[];
    methods?: string[];
    headers?: string[];
    exposeHeaders?: string[];
    credentials?: boolean;
    maxAgeSeconds?: number;
  };
  /** Client addresses / CIDR blocks allowed (all others get 403), and refused. */
  ipAllow?: string[];
  ipDeny?: string[];
  /** BFF aggregation parts (then `service` is ''). */
  aggregate?: AggregatePartConfig[];
}

export interface CacheConfig {
  ttlMs: number;
  maxEntries?: number;
  maxBodyBytes?: number;
  /** Lower-case request header names that are part of the key. */
  vary?: string[];
  scope: 'local' | 'cluster';
}

export interface AggregatePartConfig {
  name: string;
  service: string;
  path: string;
  timeoutMs?: number;
  optional: boolean;
}
