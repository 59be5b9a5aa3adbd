import type { IncomingHttpHeaders } from 'node:http';
import { explainRoutes } from './explain-routes.js';
import {
  compileCandidates,
  headersPass,
  HOST_ANY,
  hostKey,
  hostPasses,
  KIND_END,
  KIND_PREFIX,
  KIND_WILDCARD,
  methodPasses,
  ParamsBag,
  type Candidate,
} from './route-matchers.js';
import { parseRoutePath } from './route-path.js';
import type { RouteExplanation, RouteInput, RouteMatch, Router } from './router-types.js';
import { FNV_OFFSET, FNV_PRIME, TrieNode } from './trie-node.js';

const SLASH = 0x2f;
const NO_HEADERS: IncomingHttpHeaders = Object.freeze({});

/**
 * Compiles routes into a segment trie and answers lookups.
 *
 * Precedence (most specific wins; deterministic). A lookup is a depth-first walk of the trie
 * along the request's segments, static child before `:param` child, and at each node:
 *   1. when the path ends here: exact/pattern routes ending here (trailing `/` must agree);
 *   2. otherwise the deeper subtrees (static first, then param: a static branch that dead-ends
 *      falls back to the param branch);
 *   3. `/*` routes at this node (they capture the rest);
 *   4. prefix routes at this node (so deeper prefixes beat shallower ones).
 * Within one list: exact host > `*.host` > any host, then methods given > any, then more header
 * matchers, then config order. The first candidate whose host, method and headers all pass
 * wins; a candidate that fails them simply lets the walk go on to the next, less specific one.
 * Each trie node is visited at most once per lookup, so backtracking is bounded by the trie size.
 *
 * Trailing slash: exact/pattern routes are strict (`/users` does not match `/users/` and vice
 * versa); prefix `/users` matches `/users`, `/users/` and `/users/…`; prefix `/users/` needs
 * something after `/users` (at least the slash). Paths are case-sensitive, hosts are not.
 *
 * @example
 * const any = { hosts: [], methods: [], headers: [] };
 * const router = createRouter([
 *   { id: 'users', match: { ...any, path: '/api/users', type: 'prefix' }, data: 'list' },
 *   { id: 'user', match: { ...any, path: '/api/users/:id', type: 'pattern' }, data: 'one' },
 * ]);
 * router.find('GET', 'api.example.com', '/api/users/7', req.headers);
 * // { data: 'one', params: { id: '7' }, matchedPath: '/api/users/7' }
 * router.find('GET', 'api.example.com', '/api/users/7/orders', req.headers);
 * // { data: 'list', params: {}, matchedPath: '/api/users' }
 */
export function createRouter<T>(routes: readonly RouteInput<T>[]): Router<T> {
  return new TrieRouter(routes);
}

class TrieRouter<T> implements Router<T> {
  readonly size: number;
  private readonly root = new TrieNode<T>('');
  /**
   * Exact/pattern routes whose path is all literal, by path: a depth-first walk tries exactly
   * these first, so one Map lookup answers the common exact hit. Null when there are none.
   */
  private readonly literal: Map<string, Candidate<T>[]> | null;
  /** Param capture offsets by param ordinal; scratch, as `find` is synchronous. */
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;
  // The lookup in progress (fields rather than arguments keep the recursion's frames small).
  private path = '';
  private method = '';
  private rawHost: string | undefined = undefined;
  private headers: IncomingHttpHeaders = NO_HEADERS;
  private hostDone = false;
  private host: string | undefined = undefined;
  // One-entry cache: consecutive requests usually carry the same Host.
  private lastRawHost = '';
  private lastHost = '';

  constructor(routes: readonly RouteInput<T>[]) {
    this.size = routes.length;
    let maxParams = 1;
    routes.forEach((route, index) => {
      const parsed = parseRoutePath(route.id, route.match.path);
      maxParams = Math.max(maxParams, parsed.paramNames.length);
      let node = this.root;
      for (const token of parsed.tokens) {
        node = token.param ? node.paramChild() : node.child(token.text);
      }
      for (const c of compileCandidates(route, index, parsed)) node.add(c);
    });
    this.root.seal();
    const literal = new Map<string, Candidate<T>[]>();
    collectLiteralEnds(this.root, '', literal);
    this.literal = literal.size > 0 ? literal : null;
    this.starts = new Int32Array(maxParams);
    this.ends = new Int32Array(maxParams);
  }

  /** hot path: no allocation unless the match has params (see `visit`). */
  find(
    method: string,
    host: string | undefined,
    path: string,
    headers: IncomingHttpHeaders,
  ): RouteMatch<T> | undefined {
    this.path = path;
    this.method = method;
    this.rawHost = host;
    this.headers = headers;
    this.hostDone = false;
    let match: RouteMatch<T> | undefined;
    const direct = this.literal?.get(path);
    if (direct !== undefined) {
      // `i` as `visit` would have it: len after a trailing '/', past the end otherwise
      const len = path.length;
      const i = len > 1 && path.charCodeAt(len - 1) === SLASH ? len : len + 1;
      match = this.pick(direct, KIND_END, i, 0);
    }
    if (match === undefined) match = this.visit(this.root, 1, 0);
    // drop the request's objects so the router does not keep them alive
    this.rawHost = undefined;
    this.headers = NO_HEADERS;
    return match;
  }

  explain(): RouteExplanation[] {
    return explainRoutes(this.root);
  }

  /**
   * hot path: `i` is where the next segment starts (≥ length: the path is used up), `pc` the
   * params captured so far. The segment is hashed while scanning for its end, and the static
   * child is found by comparing in place: no substring, no closure.
   */
  private visit(node: TrieNode<T>, i: number, pc: number): RouteMatch<T> | undefined {
    const path = this.path;
    const len = path.length;
    let match: RouteMatch<T> | undefined;
    if (i >= len) {
      if (node.end !== null && (match = this.pick(node.end, KIND_END, i, pc))) return match;
    } else if (node.mask >= 0 || node.param !== null) {
      let j = i;
      if (node.mask >= 0) {
        let h = FNV_OFFSET;
        for (; j < len; j++) {
          const c = path.charCodeAt(j);
          if (c === SLASH) break;
          h = Math.imul(h ^ c, FNV_PRIME);
        }
        const child = node.lookup(path, i, j - i, h);
        if (child !== undefined && (match = this.visit(child, j + 1, pc))) return match;
      } else {
        j = path.indexOf('/', i);
        if (j < 0) j = len;
      }
      if (node.param !== null) {
        this.starts[pc] = i;
        this.ends[pc] = j;
        if ((match = this.visit(node.param, j + 1, pc + 1))) return match;
      }
    }
    if (node.wildcard !== null && (match = this.pick(node.wildcard, KIND_WILDCARD, i, pc))) {
      return match;
    }
    if (node.prefix !== null) return this.pick(node.prefix, KIND_PREFIX, i, pc);
    return undefined;
  }

  /** hot path: the first candidate of a sorted list whose path shape and constraints pass. */
  private pick(
    list: Candidate<T>[],
    kind: number,
    i: number,
    pc: number,
  ): RouteMatch<T> | undefined {
    const len = this.path.length;
    // END: the request ends in '/' exactly when the route does; PREFIX with a trailing '/':
    // the request must go on past this node (i ≤ len)
    const slashed = kind === KIND_END ? i === len && len > 1 : i <= len;
    for (let k = 0; k < list.length; k++) {
      const c = list[k]!;
      if (kind === KIND_END ? c.trailingSlash !== slashed : c.trailingSlash && !slashed) continue;
      if (c.methods !== null && !methodPasses(c.methods, this.method)) continue;
      if (c.hostClass !== HOST_ANY && !hostPasses(c, this.requestHost())) continue;
      if (c.headers !== null && !headersPass(c.headers, this.headers)) continue;
      return c.fixedMatch ?? this.build(c, kind, i, pc);
    }
    return undefined;
  }

  /** A match with params: the only allocation on a hit. */
  private build(c: Candidate<T>, kind: number, i: number, pc: number): RouteMatch<T> {
    const path = this.path;
    const params = new ParamsBag();
    const names = c.paramNames;
    if (names !== null) {
      for (let q = 0; q < pc; q++) params[names[q]!] = path.slice(this.starts[q], this.ends[q]);
    }
    if (kind === KIND_WILDCARD) params['*'] = i >= path.length ? '' : path.slice(i);
    return { data: c.data, params, matchedPath: kind === KIND_END ? path : path.slice(0, i - 1) };
  }

  /** The request's host key, computed at most once per lookup and only if a route asks. */
  private requestHost(): string | undefined {
    if (this.hostDone) return this.host;
    this.hostDone = true;
    const raw = this.rawHost;
    if (raw === undefined) this.host = undefined;
    else if (raw === this.lastRawHost) this.host = this.lastHost;
    else {
      this.host = this.lastHost = hostKey(raw);
      this.lastRawHost = raw;
    }
    return this.host;
  }
}

/** Fills `out` with the end lists of nodes reached by literal segments only, split by slash. */
function collectLiteralEnds<T>(
  node: TrieNode<T>,
  prefix: string,
  out: Map<string, Candidate<T>[]>,
): void {
  if (node.end !== null) {
    const plain = node.end.filter((c) => !c.trailingSlash);
    const slashed = node.end.filter((c) => c.trailingSlash);
    if (plain.length > 0) out.set(prefix === '' ? '/' : prefix, plain);
    if (slashed.length > 0) out.set(prefix + '/', slashed);
  }
  for (const child of node.statics) collectLiteralEnds(child, `${prefix}/${child.label}`, out);
}
