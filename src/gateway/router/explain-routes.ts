import {
  HOST_EXACT,
  HOST_WILDCARD,
  KIND_END,
  KIND_WILDCARD,
  type Candidate,
} from './route-matchers.js';
import type { RouteExplanation } from './router-types.js';
import type { TrieNode } from './trie-node.js';

/**
 * Every candidate in the order lookups try them: a node's exact/pattern routes, then its static
 * subtrees (by label), its param subtree, its `/*` routes and its prefix routes. Any single
 * lookup tries a subsequence of this list, in this order.
 *
 * @example
 * for (const e of explainRoutes(root)) console.log(e.rank, e.id, e.reason);
 */
export function explainRoutes<T>(root: TrieNode<T>): RouteExplanation[] {
  const out: RouteExplanation[] = [];
  const emit = (list: Candidate<T>[] | null): void => {
    for (const c of list ?? []) {
      out.push({
        rank: out.length + 1,
        id: c.id,
        path: c.path,
        type: c.type,
        hostClass:
          c.hostClass === HOST_EXACT ? 'exact' : c.hostClass === HOST_WILDCARD ? 'wildcard' : 'any',
        reason: `${shape(c)}; ${constraints(c)}; then config order (#${c.index})`,
      });
    }
  };
  const walk = (node: TrieNode<T>): void => {
    emit(node.end);
    for (const child of node.statics) walk(child);
    if (node.param !== null) walk(node.param);
    emit(node.wildcard);
    emit(node.prefix);
  };
  walk(root);
  return out;
}

function shape<T>(c: Candidate<T>): string {
  const segments = c.path.split('/').filter((s) => s !== '' && s !== '*').length;
  const depth = `${segments} segment${segments === 1 ? '' : 's'}`;
  if (c.kind === KIND_END) return `${c.type} ${c.path}: whole path (${depth})`;
  const after = segments === 0 ? 'every other route' : `longer matches under it`;
  if (c.kind === KIND_WILDCARD) return `wildcard ${c.path}: rest of path, after ${after}`;
  return `prefix ${c.path}: on segment boundaries (${depth}), after ${after}`;
}

function constraints<T>(c: Candidate<T>): string {
  const host =
    c.hostExact !== null
      ? `host exact [${[...c.hostExact].join(', ')}]`
      : c.hostSuffixes !== null
        ? `host wildcard [${c.hostSuffixes.map((s) => `*${s}`).join(', ')}]`
        : 'any host';
  const methods = c.methods === null ? 'any method' : `methods ${c.methods.join(',')}`;
  const n = c.headers?.length ?? 0;
  const headers = n === 0 ? 'no header matchers' : `${n} header matcher${n === 1 ? '' : 's'}`;
  return `${host}, ${methods}, ${headers}`;
}
