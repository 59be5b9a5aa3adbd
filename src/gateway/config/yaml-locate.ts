/**
 * Maps a config path (`['routes', 2, 'service']`) to the YAML node it came from, so every
 * problem can name a line and column. Aliases are followed to their anchor.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, type Document } from 'yaml';
import type { ConfigPath } from './config-path.js';

/** Where `locate` found a path. */
export interface Located {
  /** Start offset of the node (or of the nearest ancestor that exists). */
  offset: number;
  /** True when the whole path exists in the document. */
  found: boolean;
}

/** Where a path points: its value (`'value'`) or, for a mapping entry, its key (`'key'`). */
export type LocateTarget = 'value' | 'key';

function start(node: unknown, fallback: number): number {
  const range = (node as { range?: [number, number, number] | null } | null)?.range;
  return range ? range[0] : fallback;
}

/**
 * Finds the node at `path`. When part of the path is missing (a required key not given) it
 * returns the deepest node that exists, with `found: false`.
 *
 * @example locate(doc, ['routes', 0, 'service']) // { offset: 123, found: true }
 */
export function locate(doc: Document, path: ConfigPath, target: LocateTarget = 'value'): Located {
  let node: unknown = doc.contents;
  let offset = start(node, 0);
  for (const [i, segment] of path.entries()) {
    if (isAlias(node)) node = node.resolve(doc);
    let next: unknown;
    let keyNode: unknown;
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && String(isScalar(p.key) ? p.key.value : p.key) === String(segment),
      );
      keyNode = pair?.key;
      next = pair ? (pair.value ?? pair.key) : undefined;
      // `key:` with no value: the null scalar sits after the colon; the key is the better spot
      if (isScalar(next) && next.value === null && next.range?.[0] === next.range?.[1]) {
        next = pair?.key;
      }
    } else if (isSeq(node) && typeof segment === 'number') {
      next = node.items[segment];
    }
    if (next === undefined || next === null) return { offset, found: false };
    const last = i === path.length - 1;
    offset = start(last && target === 'key' && keyNode ? keyNode : next, offset);
    node = next;
  }
  return { offset, found: true };
}
