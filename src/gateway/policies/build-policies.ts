import type { Logger } from '../../core/logger.js';
import type { GatewayConfig, RouteConfig } from '../config/types.js';
import { apiKeyAuth, forwardAuth, jwtAuth } from './auth/index.js';
import { cors } from './cors.js';
import { ipFilter } from './ip-filter.js';
import type { RequestPolicy } from './policy.js';
import { rateLimit, rateLimitHeaders } from './rate-limit/rate-limit.js';
import type { RedisClient } from './rate-limit/redis-rate-limiter.js';
import type { RateLimitKeySpec } from './rate-limit/rate-limit-key.js';

export interface PolicyDeps {
  readonly logger: Logger;
  /** The shared Redis client for an address (only asked for when a route needs it). */
  readonly redis: (address: string) => RedisClient;
}

/**
 * A route's request policies in the order they run: authentication first (it sets the consumer
 * and claims that a rate limit may key on), then the rate limit. `null` when the route has none,
 * so the proxy skips the phase with one check.
 */
export function buildPolicies(
  route: RouteConfig,
  config: GatewayConfig,
  deps: PolicyDeps,
): RequestPolicy[] | null {
  const policies: RequestPolicy[] = [];
  // Cheapest refusal first: an address that may not call never costs a signature check.
  if (route.ipAllow !== undefined || route.ipDeny !== undefined) {
    policies.push(ipFilter({ allow: route.ipAllow ?? [], deny: route.ipDeny ?? [] }));
  }
  // CORS before auth: a browser's preflight carries no credentials.
  if (route.cors !== undefined) policies.push(cors(route.cors));
  const auth = route.auth;
  if (auth?.kind === 'jwt') {
    const { kind: _kind, ...options } = auth;
    policies.push(jwtAuth(options));
  } else if (auth?.kind === 'apiKey') {
    policies.push(
      apiKeyAuth({
        consumers: config.consumers.map((c) => ({ name: c.name, keys: c.apiKeys })),
        ...(auth.header !== undefined && { header: auth.header }),
        ...(auth.query !== undefined && { query: auth.query }),
      }),
    );
  } else if (auth?.kind === 'forward') {
    const { kind: _kind, ...options } = auth;
    policies.push(forwardAuth(options));
  }
  const limit = route.rateLimit;
  if (limit !== undefined) {
    const { key, scope, onRedisError, ...spec } = limit;
    policies.push(
      rateLimit({
        ...spec,
        key: key as RateLimitKeySpec,
        scope,
        logger: deps.logger,
        // Admitted answers carry the limit's state too (refusals get it on the 429).
        onDecision: (ctx, decision) => {
          const out = (ctx.responseHeaders ??= []);
          for (const [name, value] of Object.entries(rateLimitHeaders(decision)))
            out.push(name, value);
        },
        // Each route's limit gets its own Redis keys.
        ...(scope === 'cluster' && {
          redis: deps.redis(config.redis!.address),
          onRedisError,
          prefix: `sy:rl:${route.name}:`,
        }),
      }),
    );
  }
  return policies.length === 0 ? null : policies;
}
