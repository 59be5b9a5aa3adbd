import type { Exchange } from './exchange.js';

/** A route handler: answers synchronously when it can, or returns a promise when it must wait. */
export type RouteHandler = (x: Exchange) => void | Promise<void>;

export type Method = 'GET' | 'PUT' | 'POST' | 'DELETE';

/** One method of one route, as compiled at registration. */
export interface RouteEntry {
  readonly handler: RouteHandler;
  /** Writes need the token whenever one is configured; reads only with `requireTokenForReads`. */
  readonly write: boolean;
}

/** All methods of one path pattern. */
export interface Route {
  readonly pattern: string;
  readonly methods: Partial<Record<Method, RouteEntry>>;
  /** The `Allow` header value for a 405. */
  allow: string;
}

/** A match: the route and the raw (still percent-encoded) rest of the path after its prefix. */
export interface RouteMatch {
  readonly route: Route;
  readonly rawParam: string;
}

/**
 * The registry API's router. Consul's API is a fixed set of `/v1/...` paths, some ending in one
 * parameter that takes the rest of the path (`/v1/kv/<key with slashes>`,
 * `/v1/agent/check/pass/<id>`), so a pattern is either exact or a prefix ending in `*`. Exact
 * paths are one Map lookup; prefixes (about twenty) are tried longest first.
 */
export class RouteTable {
  readonly #exact = new Map<string, Route>();
  readonly #prefixes: Route[] = [];

  /** Adds `handler` for `method` on `pattern` (`/v1/agent/services` or `/v1/kv/*`). */
  add(method: Method, pattern: string, handler: RouteHandler): this {
    const route = this.#route(pattern);
    if (route.methods[method]) throw new Error(`route ${method} ${pattern} added twice`);
    route.methods[method] = { handler, write: method !== 'GET' };
    route.allow = Object.keys(route.methods).join(', ');
    return this;
  }

  /** hot path: one Map lookup, then a short startsWith scan; no allocation unless matched. */
  match(path: string): RouteMatch | undefined {
    const exact = this.#exact.get(path);
    if (exact) return { route: exact, rawParam: '' };
    for (const route of this.#prefixes) {
      const prefix = route.pattern;
      if (path.length >= prefix.length && path.startsWith(prefix)) {
        return { route, rawParam: path.slice(prefix.length) };
      }
    }
    return undefined;
  }

  #route(pattern: string): Route {
    const prefix = pattern.endsWith('*');
    const key = prefix ? pattern.slice(0, -1) : pattern;
    const existing = prefix ? this.#prefixes.find((r) => r.pattern === key) : this.#exact.get(key);
    if (existing) return existing;
    const route: Route = { pattern: key, methods: {}, allow: '' };
    if (!prefix) {
      this.#exact.set(key, route);
      return route;
    }
    this.#prefixes.push(route);
    this.#prefixes.sort((a, b) => b.pattern.length - a.pattern.length);
    return route;
  }
}
