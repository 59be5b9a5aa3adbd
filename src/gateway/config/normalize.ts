/**
 * Validated input → `GatewayConfig`: every default filled in, names cased, shorthand expanded,
 * file paths made absolute, and the result deeply frozen.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { DEFAULTS } from './defaults.js';
import type { GatewayInput } from './schema/gateway.js';
import type { AuthInput } from './schema/edge.js';
import { inferMatchType } from './schema/route-path.js';
import type { RouteInput } from './schema/route.js';
import type { ServiceInput } from './schema/service.js';
import type {
  AuthConfig,
  GatewayConfig,
  HeaderMatch,
  HeaderOps,
  RetryConfig,
  RouteConfig,
  ServiceConfig,
  ServiceSource,
} from './types.js';

type HeaderOpsInput = {
  add?: Record<string, string>;
  set?: Record<string, string>;
  remove?: string[];
};

/**
 * Normalizes a config that passed the schema and the semantic checks. `baseDir` is where
 * relative file paths are resolved from (the config file's directory).
 *
 * @example const config = normalizeConfig(gatewaySchema.parse(raw), '/etc/switchyard');
 */
export function normalizeConfig(input: GatewayInput, baseDir: string): GatewayConfig {
  const file = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const listen = 'address' in input.listen ? input.listen : { address: input.listen };
  const limits = { ...DEFAULTS.limits, ...definedOnly(input.limits ?? {}) };
  const admin =
    input.admin === undefined || input.admin === false
      ? undefined
      : {
          ...(input.admin.listen ?? DEFAULTS.admin),
          ...(input.admin.token !== undefined && { token: input.admin.token }),
        };
  const services: Record<string, ServiceConfig> = {};
  for (const [name, service] of Object.entries(input.services ?? {})) {
    services[name] = normalizeService(name, service, file);
  }
  const config: GatewayConfig = {
    listen: {
      host: listen.address.host,
      port: listen.address.port,
      ...(listen.tls && {
        tls: {
          cert: file(listen.tls.cert),
          key: file(listen.tls.key),
          minVersion: listen.tls.minVersion ?? DEFAULTS.tlsMinVersion,
        },
      }),
      http2: listen.http2 ?? DEFAULTS.http2,
    },
    admin,
    ...(input.registry && {
      registry: {
        address: input.registry.address.replace(/\/+$/, ''),
        ...(input.registry.token !== undefined && { token: input.registry.token }),
        ...(input.registry.datacenter !== undefined && { datacenter: input.registry.datacenter }),
      },
    }),
    workers: input.workers ?? DEFAULTS.workers,
    limits,
    accessLog:
      typeof input.accessLog === 'object'
        ? (input.accessLog.enabled ?? DEFAULTS.accessLog)
        : (input.accessLog ?? DEFAULTS.accessLog),
    reload: { watch: input.reload?.watch ?? DEFAULTS.reloadWatch },
    services,
    routes: (input.routes ?? []).map((r, i) => normalizeRoute(r, i, limits.maxBodySize, file)),
    consumers: (input.consumers ?? []).map((c) => ({ name: c.name, apiKeys: [...c.apiKeys] })),
    ...(input.redis && { redis: { address: input.redis.address } }),
    trustedProxies: input.trustedProxies ?? [],
  };
  return deepFreeze(config);
}

function normalizeService(
  name: string,
  s: ServiceInput,
  file: (p: string) => string,
): ServiceConfig {
  const balancer = s.balancer ?? DEFAULTS.balancer;
  const hashOn = s.hashOn ?? (balancer === 'consistent-hash' ? { kind: 'ip' as const } : undefined);
  const cb = s.circuitBreaker ?? true;
  const od = s.outlierDetection ?? true;
  const hc = s.healthCheck ?? false;
  return {
    name,
    source: serviceSource(name, s),
    balancer,
    ...(hashOn && { hashOn }),
    circuitBreaker:
      cb === false ? false : { ...DEFAULTS.circuitBreaker, ...definedOnly(cb === true ? {} : cb) },
    outlierDetection:
      od === false
        ? false
        : { ...DEFAULTS.outlierDetection, ...definedOnly(od === true ? {} : od) },
    ...(hc !== false && {
      healthCheck: {
        ...DEFAULTS.healthCheck,
        ...definedOnly(hc === true ? {} : hc),
        expectStatus:
          (hc !== true && hc.expectStatus) ||
          DEFAULTS.healthCheck.expectStatus.map((r) => [...r] as [number, number]),
      },
    }),
    pool: { ...DEFAULTS.pool, ...definedOnly(s.pool ?? {}) },
    ...(s.tls && {
      tls: {
        ...(s.tls.ca !== undefined && { ca: file(s.tls.ca) }),
        ...(s.tls.servername !== undefined && { servername: s.tls.servername }),
        rejectUnauthorized: s.tls.rejectUnauthorized ?? DEFAULTS.tlsRejectUnauthorized,
      },
    }),
  };
}

function serviceSource(name: string, s: ServiceInput): ServiceSource {
  if (s.targets) {
    return {
      kind: 'static',
      targets: s.targets.map((t) =>
        typeof t === 'string'
          ? { url: new URL(t).origin, weight: DEFAULTS.targetWeight }
          : { url: new URL(t.url).origin, weight: t.weight ?? DEFAULTS.targetWeight },
      ),
    };
  }
  if (s.dns) {
    return {
      kind: 'dns',
      name: s.dns.name,
      type: s.dns.type ?? (s.dns.name.startsWith('_') ? 'SRV' : 'A'),
      port: s.dns.port,
      interval: s.dns.interval ?? DEFAULTS.dnsInterval,
    };
  }
  return {
    kind: 'registry',
    service: s.discovery?.service ?? name,
    tags: s.discovery?.tags ?? [],
    passingOnly: s.discovery?.passingOnly ?? DEFAULTS.discoveryPassingOnly,
  };
}

function normalizeRoute(
  r: RouteInput,
  index: number,
  maxBodySize: number,
  file: (p: string) => string,
): RouteConfig {
  const type = inferMatchType(r.match.path, r.match.type);
  const unique = (list: string[] | undefined, f: (s: string) => string) => [
    ...new Set((list ?? []).map(f)),
  ];
  const headers: HeaderMatch[] = Object.entries(r.match.headers ?? {}).map(([name, m]) => {
    const lower = name.toLowerCase();
    if (typeof m === 'string') return { name: lower, kind: 'exact', value: m };
    if (m.present) return { name: lower, kind: 'present' };
    if (m.prefix !== undefined) return { name: lower, kind: 'prefix', value: m.prefix };
    if (m.regex !== undefined) return { name: lower, kind: 'regex', value: m.regex };
    return { name: lower, kind: 'exact', value: m.exact! };
  });
  return {
    name: r.name ?? `routes[${index}]`,
    index,
    match: {
      path: r.match.path,
      type,
      hosts: unique(r.match.host, (h) => h.toLowerCase()),
      methods: unique(r.match.method, (m) => m.toUpperCase()),
      headers,
    },
    service: r.service ?? '',
    stripPrefix:
      r.stripPrefix === true ? r.match.path : r.stripPrefix === false ? undefined : r.stripPrefix,
    rewrite: r.rewrite,
    timeouts: {
      connect: r.timeouts?.connect ?? DEFAULTS.timeouts.connect,
      read: r.timeouts?.read ?? DEFAULTS.timeouts.read,
      total: r.timeouts?.total,
    },
    retries: normalizeRetries(r.retries),
    headers: {
      request: headerOps(r.headers?.request),
      response: headerOps(r.headers?.response),
    },
    websocket: r.websocket ?? DEFAULTS.websocket,
    maxBodySize: r.maxBodySize ?? maxBodySize,
    ...(r.aggregate && {
      aggregate: Object.entries(r.aggregate).map(([name, p]) => ({
        name,
        service: p.service,
        path: p.path,
        ...(p.timeout !== undefined && { timeoutMs: p.timeout }),
        optional: p.optional ?? false,
      })),
      websocket: false,
    }),
    ...(r.auth && { auth: normalizeAuth(r.auth, file) }),
    ...(r.cors && {
      cors: {
        origins: [...r.cors.origins],
        ...definedOnly({
          methods: r.cors.methods,
          headers: r.cors.headers,
          exposeHeaders: r.cors.exposeHeaders,
          credentials: r.cors.credentials,
          maxAgeSeconds: r.cors.maxAge === undefined ? undefined : Math.round(r.cors.maxAge / 1000),
        }),
      },
    }),
    ...(r.ipAllow && { ipAllow: [...r.ipAllow] }),
    ...(r.ipDeny && { ipDeny: [...r.ipDeny] }),
    ...(r.cache && {
      cache: {
        ttlMs: r.cache.ttl,
        ...definedOnly({
          maxEntries: r.cache.maxEntries,
          maxBodyBytes: r.cache.maxBodySize,
          vary: r.cache.vary?.map((h) => h.toLowerCase()),
        }),
        scope: r.cache.scope ?? 'local',
      },
    }),
    ...(r.rateLimit && {
      rateLimit: {
        ...definedOnly({
          rate: r.rateLimit.rate,
          burst: r.rateLimit.burst,
          nodelay: r.rateLimit.nodelay,
          delay: r.rateLimit.delay,
          algorithm: r.rateLimit.algorithm,
        }),
        rate: r.rateLimit.rate,
        key: r.rateLimit.key ?? 'ip',
        scope: r.rateLimit.scope ?? 'local',
        onRedisError: r.rateLimit.onRedisError ?? 'allow',
      },
    }),
  };
}

const asList = (v: string | string[] | undefined) =>
  v === undefined ? undefined : Array.isArray(v) ? v : [v];

function normalizeAuth(auth: AuthInput, file: (p: string) => string): AuthConfig {
  if (auth.jwt) {
    const j = auth.jwt;
    const publicKey =
      j.publicKey === undefined
        ? undefined
        : j.publicKey.includes('-----BEGIN')
          ? j.publicKey
          : readFileSync(file(j.publicKey), 'utf8');
    return {
      kind: 'jwt',
      ...definedOnly({
        secret: j.secret,
        publicKey,
        jwks: j.jwks,
        issuer: asList(j.issuer),
        audience: asList(j.audience),
        algorithms: j.algorithms,
        leewayMs: j.leeway,
        requiredScopes: j.requiredScopes,
        scopeClaim: j.scopeClaim,
        header: j.header?.toLowerCase(),
      }),
      claimsToHeaders: j.claimsToHeaders ?? {},
    };
  }
  if (auth.apiKey) {
    return {
      kind: 'apiKey',
      ...definedOnly({ header: auth.apiKey.header?.toLowerCase(), query: auth.apiKey.query }),
    };
  }
  const f = auth.forward!;
  return {
    kind: 'forward',
    url: f.url,
    copyHeaders: (f.copyHeaders ?? []).map((h) => h.toLowerCase()),
    ...definedOnly({
      requestHeaders: f.requestHeaders?.map((h) => h.toLowerCase()),
      timeoutMs: f.timeout,
    }),
  };
}

function normalizeRetries(retries: RouteInput['retries']): RetryConfig {
  const given =
    retries === undefined || retries === false ? undefined : retries === true ? {} : retries;
  return {
    attempts:
      given === undefined
        ? DEFAULTS.attemptsWithoutRetries
        : (given.attempts ?? DEFAULTS.attemptsWithRetries),
    on: [...new Set(given?.on ?? DEFAULTS.retryOn)],
    statuses: [...new Set(given?.statuses ?? [])],
    perTryTimeout: given?.perTryTimeout,
    backoff: { ...DEFAULTS.backoff, ...definedOnly(given?.backoff ?? {}) },
    budget: { ...DEFAULTS.budget, ...definedOnly(given?.budget ?? {}) },
    nonIdempotent: given?.nonIdempotent ?? DEFAULTS.nonIdempotent,
  };
}

function headerOps(ops: HeaderOpsInput | undefined): HeaderOps {
  const pairs = (record: Record<string, string> | undefined) =>
    Object.entries(record ?? {}).map(
      ([name, value]) => [name.toLowerCase(), value] as [string, string],
    );
  return {
    add: pairs(ops?.add),
    set: pairs(ops?.set),
    remove: [...new Set((ops?.remove ?? []).map((n) => n.toLowerCase()))],
  };
}

/** Drops `undefined` values so spreading over defaults keeps the defaults. */
function definedOnly<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
