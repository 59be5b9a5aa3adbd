/**
 * Checks that need more than one value: references between sections (a route's service), rules
 * across keys (targets vs dns), duplicates, and files that must exist. They read the raw
 * document defensively so they still run, and still report, when other parts are invalid.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { ConfigPath } from './config-path.js';
import { formatPath } from './config-path.js';
import { DEFAULTS } from './defaults.js';
import { didYouMean } from './did-you-mean.js';
import { adminSchema } from './schema/admin.js';
import type { GatewayInput } from './schema/gateway.js';
import { limitsSchema } from './schema/limits.js';
import { listenSchema } from './schema/listen.js';
import { inferMatchType } from './schema/route-path.js';
import { routeSchema, type RouteInput } from './schema/route.js';
import { serviceSchema } from './schema/service.js';
import { describeValue, type PathProblem } from './schema-problems.js';

type Raw = Record<string, unknown>;
const OUTLIER = DEFAULTS.outlierDetection;

const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface SemanticOptions {
  /** Directory that relative file paths (TLS certs, CAs) are resolved against. */
  baseDir: string;
  /** Check that referenced files exist (default true). */
  checkFiles?: boolean;
}

/** A section's validated value: from the whole-file parse when it passed, else on its own. */
function section<T>(
  whole: GatewayInput | undefined,
  pick: (input: GatewayInput) => T,
  schema: { safeParse(value: unknown): { success: boolean; data?: T } },
  value: unknown,
): T | undefined {
  return whole ? pick(whole) : schema.safeParse(value).data;
}

/**
 * Runs every cross-value check on the raw (interpolated) document. `parsed` is the whole-file
 * schema result when it passed (saves validating each part again).
 */
export function semanticChecks(
  raw: unknown,
  options: SemanticOptions,
  parsed?: GatewayInput,
): PathProblem[] {
  const out: PathProblem[] = [];
  if (!isObject(raw)) return out;
  const problem = (path: ConfigPath, message: string, target: 'value' | 'key' = 'value') =>
    out.push({ path, at: path, target, message });
  const services = isObject(raw.services) ? raw.services : {};
  const names = Object.keys(services);
  const hasRegistry = raw.registry !== undefined;

  for (const name of names) {
    const svc = services[name];
    if (!isObject(svc)) continue;
    checkService(name, svc, hasRegistry, problem);
    const service = section(parsed, (p) => p.services?.[name], serviceSchema, svc);
    if (service) {
      const o = service.outlierDetection;
      if (
        typeof o === 'object' &&
        (o.baseEjectionTime ?? OUTLIER.baseEjectionTime) >
          (o.maxEjectionTime ?? OUTLIER.maxEjectionTime)
      ) {
        problem(
          ['services', name, 'outlierDetection', 'maxEjectionTime'],
          'is below baseEjectionTime',
        );
      }
      const ca = service.tls?.ca;
      if (ca !== undefined) checkFile(['services', name, 'tls', 'ca'], ca, options, problem);
    }
  }

  const routes = Array.isArray(raw.routes) ? (raw.routes as unknown[]) : [];
  const routeNames = new Map<string, number>();
  const matches = new Map<string, number>();
  routes.forEach((route, i) => {
    if (!isObject(route)) return;
    if (typeof route.service === 'string' && route.service !== '' && !(route.service in services)) {
      problem(
        ['routes', i, 'service'],
        `unknown service "${route.service}"${didYouMean(route.service, names)}`,
      );
    }
    if (typeof route.name === 'string') {
      const first = routeNames.get(route.name);
      if (first === undefined) routeNames.set(route.name, i);
      else
        problem(
          ['routes', i, 'name'],
          `duplicate route name "${route.name}" (also routes[${first}])`,
        );
    }
    const valid = section(parsed, (p) => p.routes?.[i], routeSchema, route);
    if (!valid) return;
    for (const [part, spec] of Object.entries(valid.aggregate ?? {})) {
      if (!(spec.service in services)) {
        problem(
          ['routes', i, 'aggregate', part, 'service'],
          `unknown service "${spec.service}"${didYouMean(spec.service, names)}`,
        );
      }
    }
    checkEdge(valid, i, raw, problem);
    const key = matchKey(valid);
    const first = matches.get(key);
    if (first === undefined) matches.set(key, i);
    else {
      problem(
        ['routes', i, 'match'],
        `${formatPath(['routes', i])} duplicates ${formatPath(['routes', first])} (same path, type, host, method and headers), so it could never be chosen`,
      );
    }
  });

  checkListeners(raw, options, problem, parsed);
  const limits = section(parsed, (p) => p.limits ?? {}, limitsSchema, raw.limits ?? {});
  if (limits) {
    const request = limits.requestTimeout ?? DEFAULTS.limits.requestTimeout;
    const headers = limits.headersTimeout ?? DEFAULTS.limits.headersTimeout;
    if (headers > request) {
      problem(['limits', 'headersTimeout'], `must not exceed requestTimeout (${request} ms)`);
    }
  }
  return out;
}

type Report = (path: ConfigPath, message: string, target?: 'value' | 'key') => void;

/** A route's auth and rate limit must find what they rely on. */
function checkEdge(route: RouteInput, i: number, raw: Raw, problem: Report): void {
  const limit = route.rateLimit;
  if (route.cache?.scope === 'cluster' && raw.redis === undefined) {
    problem(['routes', i, 'cache', 'scope'], 'scope: cluster needs a top-level `redis` section');
  }
  if (limit?.scope === 'cluster' && raw.redis === undefined) {
    problem(
      ['routes', i, 'rateLimit', 'scope'],
      'scope: cluster needs a top-level `redis` section',
    );
  }
  if (limit?.key === 'consumer' && route.auth === undefined) {
    problem(
      ['routes', i, 'rateLimit', 'key'],
      'key: consumer needs `auth` on the route (it sets the consumer)',
    );
  }
  if (limit?.key?.startsWith('claim:') === true && route.auth?.jwt === undefined) {
    problem(['routes', i, 'rateLimit', 'key'], `key: ${limit.key} needs \`auth.jwt\` on the route`);
  }
  if (
    route.auth?.apiKey !== undefined &&
    !(Array.isArray(raw.consumers) && raw.consumers.length > 0)
  ) {
    problem(['routes', i, 'auth', 'apiKey'], 'apiKey auth needs a top-level `consumers` list');
  }
}

function checkService(name: string, svc: Raw, hasRegistry: boolean, problem: Report): void {
  const at = (key: string): ConfigPath => ['services', name, key];
  if (svc.targets !== undefined && svc.dns !== undefined) {
    problem(at('dns'), 'give targets or dns, not both');
  }
  if (svc.discovery !== undefined && (svc.targets !== undefined || svc.dns !== undefined)) {
    problem(at('discovery'), 'discovery is for registry services (ones with no targets or dns)');
  }
  if (svc.targets === undefined && svc.dns === undefined && !hasRegistry) {
    problem(
      ['services', name],
      'has no targets or dns, so it would be discovered from the registry, but no top-level registry is configured',
      'key',
    );
  }
  const balancer = svc.balancer ?? 'round-robin';
  if (svc.hashOn !== undefined && balancer !== 'consistent-hash') {
    problem(
      at('hashOn'),
      `hashOn needs balancer: consistent-hash (the balancer is ${describeValue(balancer)})`,
    );
  }
  const dns = svc.dns;
  if (isObject(dns) && dns.port !== undefined && typeof dns.name === 'string') {
    const type = dns.type ?? (dns.name.startsWith('_') ? 'SRV' : 'A');
    if (type === 'SRV')
      problem([...at('dns'), 'port'], 'SRV records carry their own ports; remove port');
  }
}

function matchKey(route: RouteInput): string {
  const m = route.match;
  const sorted = (list: string[] | undefined, f: (s: string) => string) =>
    [...new Set((list ?? []).map(f))].sort();
  const headers = Object.entries(m.headers ?? {})
    .map(([name, v]) => [name.toLowerCase(), typeof v === 'string' ? { exact: v } : v] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([
    m.path,
    inferMatchType(m.path, m.type),
    sorted(m.host, (h) => h.toLowerCase()),
    sorted(m.method, (x) => x.toUpperCase()),
    headers,
  ]);
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

function checkListeners(
  raw: Raw,
  options: SemanticOptions,
  problem: Report,
  parsed: GatewayInput | undefined,
): void {
  const listen = section(parsed, (p) => p.listen, listenSchema, raw.listen);
  const main = listen && ('address' in listen ? listen.address : listen);
  if (listen && 'address' in listen && listen.tls) {
    checkFile(['listen', 'tls', 'cert'], listen.tls.cert, options, problem);
    checkFile(['listen', 'tls', 'key'], listen.tls.key, options, problem);
  }
  if (raw.admin === undefined) return;
  const admin = section(parsed, (p) => p.admin, adminSchema, raw.admin);
  if (!admin) return;
  const address = admin.listen ?? DEFAULTS.admin;
  if (!LOOPBACK.test(address.host) && admin.token === undefined) {
    problem(
      ['admin', 'listen'],
      `the admin API listens on ${address.host}, beyond loopback, without a token: set admin.token or listen on 127.0.0.1`,
    );
  }
  const wildcard = (h: string) => h === '0.0.0.0' || h === '::';
  if (
    main &&
    main.port !== 0 &&
    main.port === address.port &&
    (main.host === address.host || wildcard(main.host) || wildcard(address.host))
  ) {
    problem(['admin', 'listen'], `uses the same port as listen (${main.port})`);
  }
}

function checkFile(
  path: ConfigPath,
  file: string,
  options: SemanticOptions,
  problem: Report,
): void {
  if (options.checkFiles === false) return;
  const full = isAbsolute(file) ? file : resolve(options.baseDir, file);
  if (!existsSync(full)) problem(path, `file not found: ${full}`);
}
