import type { IncomingHttpHeaders } from 'node:http';
import { SwitchyardError } from '../../core/errors.js';

/** One header condition, as the gateway config normalizes it (`name` lower-case). */
export interface HeaderMatcherSpec {
  readonly name: string;
  readonly kind: 'exact' | 'prefix' | 'regex' | 'present';
  /** Required for exact, prefix and regex. */
  readonly value?: string;
}

/** What a route matches; the same shape as the normalized `RouteConfig.match`. */
export interface RouteMatchSpec {
  /**
   * Normalized path. A segment `:name` captures one segment; a last segment `*` captures the rest
   * (zero or more segments) into `params['*']`. `:` inside a segment (`/v1/p:batch`) is literal.
   */
  readonly path: string;
  /** prefix: on segment boundaries; exact and pattern: the whole path (same matching rules). */
  readonly type: 'prefix' | 'exact' | 'pattern';
  /** `api.example.com`, `*.example.com` (one or more labels), `*` = any; [] = any. */
  readonly hosts: readonly string[];
  /** Upper-case; [] = any. HEAD is not implied by GET. */
  readonly methods: readonly string[];
  readonly headers: readonly HeaderMatcherSpec[];
}

/** A route to compile: `data` is handed back on a match (typically the route's config). */
export interface RouteInput<T> {
  readonly id: string;
  readonly match: RouteMatchSpec;
  readonly data: T;
}

/**
 * A successful lookup. Read-only and possibly shared between calls (routes without params
 * answer with one precomputed frozen object).
 */
export interface RouteMatch<T> {
  readonly data: T;
  /**
   * Inherits nothing (its prototype is an empty prototype-less object, which keeps V8 in fast
   * mode); raw (still percent-encoded) values; `'*'` holds a wildcard's rest.
   */
  readonly params: Readonly<Record<string, string>>;
  /**
   * The part of the request path the route's own path covered: for prefix and wildcard routes
   * the path up to the end of the last matched segment, without a trailing `/` (`''` for the
   * prefix `/`); for exact/pattern routes the whole path. `path.slice(matchedPath.length)` is
   * always `''` or starts with `/`, ready for strip-prefix.
   */
  readonly matchedPath: string;
}

/** One line of `router.explain()`: a route (or one host class of it) in try order. */
export interface RouteExplanation {
  /** 1-based position in the overall try order. */
  readonly rank: number;
  readonly id: string;
  readonly path: string;
  readonly type: 'prefix' | 'exact' | 'pattern';
  /** Which of the route's hosts this entry covers (exact and wildcard hosts: two entries). */
  readonly hostClass: 'exact' | 'wildcard' | 'any';
  readonly reason: string;
}

/** A compiled, immutable route table. */
export interface Router<T> {
  /** Number of routes compiled. */
  readonly size: number;
  /**
   * The most specific route whose path, host, method and headers all match, or undefined.
   * `path` must already be normalized (see `normalizePath`); `host` is the raw Host header.
   */
  find(
    method: string,
    host: string | undefined,
    path: string,
    headers: IncomingHttpHeaders,
  ): RouteMatch<T> | undefined;
  /** Every route in the order lookups try them, with why (for `switchyard check --routes`). */
  explain(): RouteExplanation[];
}

/** A route definition the router cannot compile: `SY_GW_ROUTE_INVALID`, naming the route. */
export class RouteInvalidError extends SwitchyardError {
  constructor(routeId: string, problem: string) {
    super('SY_GW_ROUTE_INVALID', `route ${routeId}: ${problem}`, {
      details: { route: routeId, problem },
    });
  }
}
