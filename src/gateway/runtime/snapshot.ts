import type { Logger } from '../../core/logger.js';
import {
  dnsSource,
  registrySource,
  staticSource,
  type EndpointSource,
} from '../../core/upstream/discovery/index.js';
import type { GatewayConfig, RouteConfig, ServiceConfig } from '../config/types.js';
import { createRouter, type Router } from '../router/index.js';
import { createAggregator } from '../policies/aggregate/aggregator.js';
import {
  createResponseCache,
  type RedisCacheClient,
  type ResponseCache,
} from '../policies/cache/index.js';
import { buildPolicies } from '../policies/build-policies.js';
import { patternParams } from '../config/schema/route-path.js';
import { partCaller } from './part-caller.js';
import { ClientIpResolver } from '../policies/client-ip.js';
import type { RedisClient } from '../policies/rate-limit/redis-rate-limiter.js';
import type { PoolManager } from '../upstream/pool-manager.js';
import { UpstreamService } from '../upstream/upstream-service.js';
import type { CompiledRoute } from './compiled-route.js';
import { compileRoute } from './compile-route.js';

/**
 * One compiled config: the router over compiled routes and the services they use. A reload builds
 * a new snapshot and swaps one reference; services whose config did not change are carried over
 * (with their pools, endpoint state, ejections and breaker), the others are closed after the swap.
 */
export interface Snapshot {
  readonly config: GatewayConfig;
  readonly router: Router<CompiledRoute>;
  readonly routes: readonly CompiledRoute[];
  readonly services: ReadonlyMap<string, UpstreamService>;
  readonly clientIp: ClientIpResolver;
}

export interface SnapshotDeps {
  readonly pools: PoolManager;
  readonly logger: Logger;
  /** The shared Redis client, created on first use (cluster-wide rate limits). */
  readonly redis: (address: string) => RedisClient;
}

/** Builds a snapshot, reusing `previous`'s services where their config is identical. */
export function buildSnapshot(
  config: GatewayConfig,
  deps: SnapshotDeps,
  previous?: Snapshot,
): { snapshot: Snapshot; retired: UpstreamService[] } {
  const services = new Map<string, UpstreamService>();
  const created: UpstreamService[] = [];
  try {
    for (const [name, svc] of Object.entries(config.services)) {
      const old = previous?.services.get(name);
      if (old !== undefined && sameServiceConfig(old, svc, config, previous!.config)) {
        services.set(name, old);
      } else {
        const fresh = new UpstreamService(svc, createSource(svc, config, deps), deps.pools);
        created.push(fresh);
        services.set(name, fresh);
      }
    }
    return finishSnapshot(config, services, deps, previous);
  } catch (error) {
    // A failed build must not leave the watches and pools of its new services behind.
    for (const svc of created) svc.close();
    throw error;
  }
}

function finishSnapshot(
  config: GatewayConfig,
  services: Map<string, UpstreamService>,
  deps: SnapshotDeps,
  previous: Snapshot | undefined,
): { snapshot: Snapshot; retired: UpstreamService[] } {
  const retired = [...(previous?.services.values() ?? [])].filter(
    (svc) => services.get(svc.name) !== svc,
  );
  // Route stats carry over by name when a route keeps its service, so counters don't reset on reload.
  const oldRoutes = new Map(previous?.routes.map((r) => [r.name, r]));
  const routes = config.routes.map((route) => {
    const parts = route.aggregate;
    const compiled = compileRoute(
      route,
      services.get(parts === undefined ? route.service : parts[0]!.service)!,
      buildPolicies(route, config, { logger: deps.logger, redis: deps.redis }),
      parts === undefined
        ? null
        : createAggregator(
            Object.fromEntries(parts.map(({ name, ...part }) => [name, part])),
            partCaller(services, route.timeouts.connect),
            {
              ...(route.match.type === 'pattern' && {
                routeParams: patternParams(route.match.path),
              }),
            },
          ),
      route.cache === undefined ? null : buildCache(route, config, deps),
    );
    const old = oldRoutes.get(route.name);
    if (old !== undefined && old.stats.service === route.service) {
      return { ...compiled, stats: old.stats };
    }
    return compiled;
  });
  const router = createRouter(
    config.routes.map((route, i) => ({ id: route.name, match: route.match, data: routes[i]! })),
  );
  const clientIp = new ClientIpResolver(config.trustedProxies);
  return { snapshot: { config, router, routes, services, clientIp }, retired };
}

function sameServiceConfig(
  old: UpstreamService,
  next: ServiceConfig,
  config: GatewayConfig,
  previousConfig: GatewayConfig,
): boolean {
  if (JSON.stringify(old.config) !== JSON.stringify(next)) return false;
  // A registry-backed service also depends on where the registry is.
  if (next.source.kind !== 'registry') return true;
  return JSON.stringify(config.registry) === JSON.stringify(previousConfig.registry);
}

function createSource(
  svc: ServiceConfig,
  config: GatewayConfig,
  deps: SnapshotDeps,
): EndpointSource {
  const source = svc.source;
  switch (source.kind) {
    case 'static':
      return staticSource(
        source.targets.map((t) => ({ id: new URL(t.url).host, url: t.url, weight: t.weight })),
      );
    case 'registry': {
      const registry = config.registry!;
      return registrySource({
        address: registry.address,
        service: source.service,
        tags: source.tags,
        passingOnly: source.passingOnly,
        ...(registry.token !== undefined && { token: registry.token }),
        ...(registry.datacenter !== undefined && { datacenter: registry.datacenter }),
        logger: deps.logger,
      });
    }
    case 'dns':
      return dnsSource({
        name: source.name,
        type: source.type,
        // A records carry no port: the config's, else the scheme's default.
        port: source.port ?? (svc.tls ? 443 : 80),
        ...(svc.tls && { scheme: 'https' as const }),
        interval: source.interval,
      });
  }
}

function buildCache(route: RouteConfig, config: GatewayConfig, deps: SnapshotDeps): ResponseCache {
  const c = route.cache!;
  return createResponseCache({
    ttlMs: c.ttlMs,
    ...(c.maxEntries !== undefined && { maxEntries: c.maxEntries }),
    ...(c.maxBodyBytes !== undefined && { maxBodyBytes: c.maxBodyBytes }),
    ...(c.vary !== undefined && { vary: c.vary }),
    ...(c.scope === 'cluster' && {
      redis: deps.redis(config.redis!.address) as unknown as RedisCacheClient,
      prefix: `sy:cache:${route.name}:`,
    }),
    logger: deps.logger,
  });
}
