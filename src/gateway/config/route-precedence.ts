/**
 * The order routes are tried in, most specific first — the rule docs/reference/gateway-config.md
 * ("Route precedence") documents and `switchyard check --routes` prints.
 *
 * Paths are compared segment by segment, as a trie walk would: at each segment a literal beats
 * a `:param` (so `/users/me` is tried before `/users/:id`); a route that ends at a segment comes
 * before anything deeper only when it must match the whole path (exact, or a pattern without
 * `*`); deeper routes come before a `/*` pattern and a prefix route at the same segment (so the
 * longer literal prefix wins). Among routes that tie on the path: exact host names, then
 * `*.host` wildcards, then any host; then routes with methods; then more header conditions;
 * then config order. Routes with different literal segments never compete for a request; they
 * keep config order.
 */
import type { RouteConfig } from './types.js';

/** How a route ends at its last segment: whole path, `/*` rest, or prefix. */
const END = 0;
const WILDCARD = 1;
const PREFIX = 2;
type Kind = typeof END | typeof WILDCARD | typeof PREFIX;

interface Node {
  statics: Map<string, Node>;
  param: Node | undefined;
  /** Routes that end here, by END / WILDCARD / PREFIX. */
  lists: [RouteConfig[], RouteConfig[], RouteConfig[]];
}

const node = (): Node => ({ statics: new Map(), param: undefined, lists: [[], [], []] });

function segments(route: RouteConfig): { parts: string[]; kind: Kind } {
  const { path, type } = route.match;
  const parts = path.split('/').slice(1);
  if (parts[parts.length - 1] === '') parts.pop(); // `/` or a trailing slash
  if (type === 'prefix') return { parts, kind: PREFIX };
  if (type === 'pattern' && parts[parts.length - 1] === '*') {
    return { parts: parts.slice(0, -1), kind: WILDCARD };
  }
  return { parts, kind: END };
}

/** 2 = some exact host, 1 = only `*.` wildcards, 0 = any host. */
export function hostSpecificity(route: RouteConfig): number {
  const hosts = route.match.hosts;
  if (hosts.length === 0) return 0;
  return hosts.some((h) => !h.startsWith('*.')) ? 2 : 1;
}

/** Orders routes that tie on the path: host, then methods, then header count, then config order. */
export function compareConstraints(a: RouteConfig, b: RouteConfig): number {
  return (
    hostSpecificity(b) - hostSpecificity(a) ||
    Number(b.match.methods.length > 0) - Number(a.match.methods.length > 0) ||
    b.match.headers.length - a.match.headers.length ||
    a.index - b.index
  );
}

/**
 * The routes sorted most-specific-first (a new array; the input is untouched).
 *
 * @example routePrecedence(config.routes).map((r) => r.name) // ['user-by-id', 'users', 'api']
 */
export function routePrecedence(routes: readonly RouteConfig[]): RouteConfig[] {
  const root = node();
  for (const route of [...routes].sort((a, b) => a.index - b.index)) {
    const { parts, kind } = segments(route);
    let at = root;
    for (const part of parts) {
      if (route.match.type === 'pattern' && part.startsWith(':')) {
        at = at.param ??= node();
      } else {
        let next = at.statics.get(part);
        if (!next) at.statics.set(part, (next = node()));
        at = next;
      }
    }
    at.lists[kind].push(route);
  }
  const out: RouteConfig[] = [];
  const walk = (n: Node) => {
    out.push(...n.lists[END].sort(compareConstraints));
    for (const child of n.statics.values()) walk(child);
    if (n.param) walk(n.param);
    out.push(...n.lists[WILDCARD].sort(compareConstraints));
    out.push(...n.lists[PREFIX].sort(compareConstraints));
  };
  walk(root);
  return out;
}

/** Why a route sits where it does, in a few words (for `switchyard check --routes`). */
export function precedenceReason(route: RouteConfig): string {
  const { kind, parts } = segments(route);
  const depth = `${parts.length} segment${parts.length === 1 ? '' : 's'}`;
  const shape =
    kind === END
      ? 'whole path'
      : kind === WILDCARD
        ? 'rest of path after deeper routes'
        : 'prefix, after deeper routes';
  const host = ['any host', 'wildcard host', 'exact host'][hostSpecificity(route)];
  const methods = route.match.methods.length > 0 ? route.match.methods.join(',') : 'any method';
  const headers = route.match.headers.length;
  return `${shape} (${depth}); ${host}; ${methods}; ${headers} header${headers === 1 ? '' : 's'}; #${route.index}`;
}
