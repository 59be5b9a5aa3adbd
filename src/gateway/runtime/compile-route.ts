import type { IncomingMessage } from 'node:http';
import { retryBudget } from '../../resilience/index.js';
import type { HashOn, HeaderOps, RouteConfig } from '../config/types.js';
import type { Aggregator } from '../policies/aggregate/aggregator.js';
import type { ResponseCache } from '../policies/cache/index.js';
import type { RequestPolicy } from '../policies/policy.js';
import { RouteStats } from '../metrics/route-stats.js';
import type { UpstreamService } from '../upstream/upstream-service.js';
import type { CompiledHeaderOps, CompiledRetry, CompiledRoute } from './compiled-route.js';

/** Turns one route's config into the objects and functions the proxy runs per request. */
export function compileRoute(
  route: RouteConfig,
  service: UpstreamService,
  policies: RequestPolicy[] | null = null,
  aggregator: Aggregator | null = null,
  cache: ResponseCache | null = null,
): CompiledRoute {
  // Headers a policy sets upstream (e.g. X-User-ID from a JWT claim) are removed from the
  // client's request first: a client can never send its own identity.
  const owned = policies?.flatMap((p) => p.ownedHeaders) ?? [];
  const requestOps = route.headers.request;
  return {
    name: route.name,
    service,
    pools: service.poolSet(route.timeouts.connect),
    rewritePath: compileRewrite(route),
    readTimeout: route.timeouts.read,
    totalTimeout: route.timeouts.total,
    retry: compileRetry(route),
    requestHeaders: compileHeaderOps({ ...requestOps, remove: [...requestOps.remove, ...owned] }),
    responseHeaders: compileHeaderOps(route.headers.response),
    websocket: route.websocket,
    maxBodySize: route.maxBodySize,
    stats: new RouteStats(route.name, aggregator === null ? service.name : 'aggregate'),
    policies,
    aggregator,
    cache,
    hashKey:
      service.config.balancer === 'consistent-hash'
        ? compileHashKey(service.config.hashOn)
        : undefined,
  };
}

function compileRetry(route: RouteConfig): CompiledRetry | undefined {
  const r = route.retries;
  if (r.attempts <= 1) return undefined;
  return {
    attempts: r.attempts,
    onConnect: r.on.includes('connect-failure'),
    onReset: r.on.includes('reset'),
    on5xx: r.on.includes('5xx'),
    onTimeout: r.on.includes('timeout'),
    statuses: new Set(r.statuses),
    perTryTimeout: r.perTryTimeout,
    baseMs: r.backoff.base,
    maxMs: r.backoff.max,
    budget: retryBudget({ ratio: r.budget.ratio, minPerSecond: r.budget.minPerSecond }),
    nonIdempotent: r.nonIdempotent,
  };
}

/** `undefined` when the ops are empty, so the hot path skips them with one check. */
export function compileHeaderOps(ops: HeaderOps): CompiledHeaderOps | undefined {
  if (ops.add.length === 0 && ops.set.length === 0 && ops.remove.length === 0) return undefined;
  const remove = new Set(ops.remove);
  const append: string[] = [];
  for (const [name, value] of ops.set) {
    remove.add(name);
    append.push(name, value);
  }
  for (const [name, value] of ops.add) append.push(name, value);
  return { remove, append };
}

/**
 * Strip-prefix and rewrite, compiled to one function. A rewrite template's `:name` segments take
 * the matched params; `*` takes the wildcard's capture.
 */
function compileRewrite(
  route: RouteConfig,
): ((path: string, params: Record<string, string>, matched: string) => string) | null {
  if (route.rewrite !== undefined) {
    const parts = route.rewrite
      .split('/')
      .map((seg) =>
        seg.startsWith(':')
          ? { param: seg.slice(1) }
          : seg === '*'
            ? { param: '*' }
            : { text: seg },
      );
    const hasParams = parts.some((p) => 'param' in p);
    const fixed = route.rewrite;
    const prefixRewrite = route.match.type === 'prefix';
    if (!hasParams) {
      // A prefix route's rewrite replaces the matched prefix and keeps the rest of the path.
      return prefixRewrite
        ? (path, _params, matched) => joinPath(fixed, path.slice(matched.length))
        : () => fixed;
    }
    // Params are segments of the normalized path, already percent-encoded: inserted as they are.
    return (_path, params) =>
      parts.map((p) => ('text' in p ? p.text : (params[p.param] ?? ''))).join('/');
  }
  const strip = route.stripPrefix;
  if (strip === undefined || strip === '/' || strip === '') return null;
  return (path) => {
    if (!path.startsWith(strip)) return path;
    const rest = path.slice(strip.length);
    return rest === '' ? '/' : rest.startsWith('/') ? rest : `/${rest}`;
  };
}

function joinPath(base: string, rest: string): string {
  if (rest === '' || rest === '/') return base === '' ? '/' : base;
  return base.endsWith('/')
    ? base + rest.replace(/^\//, '')
    : base + (rest.startsWith('/') ? rest : `/${rest}`);
}

function compileHashKey(hashOn: HashOn | undefined): (req: IncomingMessage) => string | undefined {
  if (hashOn === undefined || hashOn.kind === 'ip') return (req) => req.socket.remoteAddress;
  const name = hashOn.name.toLowerCase();
  if (hashOn.kind === 'header') {
    return (req) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
  }
  return (req) => cookieValue(req.headers.cookie, hashOn.name);
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
