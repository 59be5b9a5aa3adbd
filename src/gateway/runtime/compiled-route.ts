import type { IncomingMessage } from 'node:http';
import type { RetryBudget } from '../../resilience/index.js';
import type { RouteStats } from '../metrics/route-stats.js';
import type { Aggregator } from '../policies/aggregate/aggregator.js';
import type { ResponseCache } from '../policies/cache/index.js';
import type { RequestPolicy } from '../policies/policy.js';
import type { PoolSet, UpstreamService } from '../upstream/upstream-service.js';

/** Header operations compiled once: lower-case names, flat arrays. */
export interface CompiledHeaderOps {
  /** Names (lower-case) to drop, including every name that `set` replaces. */
  readonly remove: ReadonlySet<string>;
  /** Flat [name, value, name, value…] appended after copying (set and add). */
  readonly append: readonly string[];
}

export interface CompiledRetry {
  /** Total tries, including the first. */
  readonly attempts: number;
  readonly onConnect: boolean;
  readonly onReset: boolean;
  readonly on5xx: boolean;
  readonly onTimeout: boolean;
  readonly statuses: ReadonlySet<number>;
  readonly perTryTimeout: number | undefined;
  readonly baseMs: number;
  readonly maxMs: number;
  readonly budget: RetryBudget;
  /** Retry POST/PATCH too (the route opted in). */
  readonly nonIdempotent: boolean;
}

/**
 * A route after compilation: everything the proxy needs per request, resolved to objects and
 * functions, so the hot path never walks config.
 */
export interface CompiledRoute {
  readonly name: string;
  readonly service: UpstreamService;
  readonly pools: PoolSet;
  /** Builds the upstream path (without query) from the normalized request path, or null to keep it. */
  readonly rewritePath:
    ((path: string, params: Record<string, string>, matched: string) => string) | null;
  readonly readTimeout: number;
  readonly totalTimeout: number | undefined;
  readonly retry: CompiledRetry | undefined;
  readonly requestHeaders: CompiledHeaderOps | undefined;
  readonly responseHeaders: CompiledHeaderOps | undefined;
  readonly websocket: boolean;
  readonly maxBodySize: number;
  readonly stats: RouteStats;
  /** The consistent-hash key for a request, when the service hashes. */
  readonly hashKey: ((req: IncomingMessage) => string | undefined) | undefined;
  /** Request policies (auth, rate limit) in order, or null when the route has none. */
  readonly policies: readonly RequestPolicy[] | null;
  /** For BFF aggregation routes: runs the parts instead of proxying. */
  readonly aggregator: Aggregator | null;
  /** The route's response cache, or null. */
  readonly cache: ResponseCache | null;
}
