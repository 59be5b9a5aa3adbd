import { compareCandidates, KIND_END, KIND_PREFIX, type Candidate } from './route-matchers.js';

/** FNV-1a over UTF-16 code units: the router hashes a segment while it scans for the next `/`. */
export const FNV_OFFSET = 0x811c9dc5 | 0;
export const FNV_PRIME = 0x01000193;

function segmentHash(s: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h;
}

/**
 * One node of the segment trie: the routes whose path reaches it, its static children, and at
 * most one `:param` child. Built mutable, then `seal()`ed: candidate lists sorted, static
 * children moved into an open-addressing table keyed by the segment's hash, so a lookup compares
 * the request path in place instead of slicing the segment out.
 */
export class TrieNode<T> {
  /** The literal segment, `:` for a param node, `''` for the root. */
  readonly label: string;
  /** Static children in label order (for `explain`); the table below is for lookups. */
  statics: TrieNode<T>[] = [];
  param: TrieNode<T> | null = null;
  /** exact/pattern routes that end here; `/*` routes here; prefix routes here. */
  end: Candidate<T>[] | null = null;
  wildcard: Candidate<T>[] | null = null;
  prefix: Candidate<T>[] | null = null;
  /** FNV-1a of `label`, compared before the label itself. */
  readonly hash: number;
  /** Table size − 1, or −1 when there are no static children. */
  mask = -1;
  /** Static children by `hash & mask`, linear probing; null = empty slot. */
  private slots: (TrieNode<T> | null)[] = [];
  private building: Map<string, TrieNode<T>> | null = new Map();

  constructor(label: string) {
    this.label = label;
    this.hash = segmentHash(label);
  }

  /** The static child for `segment`, created if needed (build time). */
  child(segment: string): TrieNode<T> {
    const map = this.building!;
    let node = map.get(segment);
    if (node === undefined) {
      node = new TrieNode<T>(segment);
      map.set(segment, node);
    }
    return node;
  }

  /** The `:param` child, created if needed (build time). */
  paramChild(): TrieNode<T> {
    return (this.param ??= new TrieNode<T>(':'));
  }

  /** Adds a candidate to the list its kind belongs to (build time). */
  add(c: Candidate<T>): void {
    const list = c.kind === KIND_END ? 'end' : c.kind === KIND_PREFIX ? 'prefix' : 'wildcard';
    (this[list] ??= []).push(c);
  }

  /** Freezes the subtree for lookups: sorts candidates, builds the static-children tables. */
  seal(): void {
    this.end?.sort(compareCandidates);
    this.wildcard?.sort(compareCandidates);
    this.prefix?.sort(compareCandidates);
    const map = this.building!;
    this.building = null;
    this.statics = [...map.values()].sort((a, b) => (a.label < b.label ? -1 : 1));
    if (map.size > 0) {
      let size = 4;
      while (size < map.size * 2) size *= 2;
      this.mask = size - 1;
      this.slots = new Array<TrieNode<T> | null>(size).fill(null);
      for (const node of this.statics) {
        let slot = node.hash & this.mask;
        while (this.slots[slot] !== null) slot = (slot + 1) & this.mask;
        this.slots[slot] = node;
      }
    }
    for (const node of this.statics) node.seal();
    this.param?.seal();
  }

  /**
   * hot path: the static child whose label is `path[start, start + length)`, found by `hash`
   * (FNV-1a of that slice); no allocation.
   */
  lookup(path: string, start: number, length: number, hash: number): TrieNode<T> | undefined {
    const mask = this.mask;
    const slots = this.slots;
    let slot = hash & mask;
    for (;;) {
      const node = slots[slot]!;
      if (node === null) return undefined;
      if (node.hash === hash && node.label.length === length && sameAt(path, start, node.label)) {
        return node;
      }
      slot = (slot + 1) & mask;
    }
  }
}

/** `path` holds `key` at `start` (a JS loop: measured faster than `startsWith(key, start)`). */
function sameAt(path: string, start: number, key: string): boolean {
  for (let k = 0; k < key.length; k++) {
    if (path.charCodeAt(start + k) !== key.charCodeAt(k)) return false;
  }
  return true;
}
