import type { KvEntry } from './model.js';

const MAX_TOMBSTONES = 10_000;

/**
 * The KV part of the catalog, in memory. Reads are synchronous; writes are planned here (so the
 * catalog can persist them first) and committed with `commit*` once durable. Deleted keys leave a
 * tombstone index so a blocking query on a deleted prefix still sees its index move forward.
 */
export class KvTable {
  readonly #entries = new Map<string, KvEntry>();
  readonly #tombstones = new Map<string, number>();
  /** Index below which tombstones were pruned; used as the floor for prefixes with none left. */
  #tombstoneFloor = 0;

  get size(): number {
    return this.#entries.size;
  }

  load(entries: readonly KvEntry[]): void {
    for (const e of entries) this.#entries.set(e.key, e);
  }

  get(key: string): KvEntry | undefined {
    return this.#entries.get(key);
  }

  /** Entries whose key starts with `prefix`, sorted by key (Consul's order). */
  list(prefix: string): KvEntry[] {
    const out: KvEntry[] = [];
    for (const [key, entry] of this.#entries) if (key.startsWith(prefix)) out.push(entry);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Keys under `prefix`; with a separator, keys past the next separator fold into one "dir/". */
  keys(prefix: string, separator?: string): string[] {
    const out = new Set<string>();
    for (const key of this.#entries.keys()) {
      if (!key.startsWith(prefix)) continue;
      const cut = separator ? key.indexOf(separator, prefix.length) : -1;
      out.add(cut < 0 ? key : key.slice(0, cut + separator!.length));
    }
    return [...out].sort();
  }

  /** The highest modify index under `prefix` (live keys and tombstones); at least 1. */
  index(prefix: string, exact: boolean): number {
    let max = this.#tombstoneFloor;
    if (exact) {
      max = Math.max(
        max,
        this.#entries.get(prefix)?.modifyIndex ?? 0,
        this.#tombstones.get(prefix) ?? 0,
      );
      return Math.max(1, max);
    }
    for (const [key, entry] of this.#entries) {
      if (key.startsWith(prefix) && entry.modifyIndex > max) max = entry.modifyIndex;
    }
    for (const [key, index] of this.#tombstones) {
      if (key.startsWith(prefix) && index > max) max = index;
    }
    return Math.max(1, max);
  }

  /** The entry a put would write, or undefined when `cas` forbids it. */
  planPut(
    key: string,
    value: Uint8Array,
    flags: string,
    cas: number | undefined,
    index: number,
  ): KvEntry | undefined {
    const current = this.#entries.get(key);
    if (cas !== undefined && (current?.modifyIndex ?? 0) !== cas) return undefined;
    return {
      key,
      value,
      flags,
      createIndex: current?.createIndex ?? index,
      modifyIndex: index,
      lockIndex: current?.lockIndex ?? 0,
    };
  }

  /** The keys a delete would remove, or undefined when `cas` forbids it. */
  planDelete(key: string, recurse: boolean, cas: number | undefined): string[] | undefined {
    if (recurse) return [...this.#entries.keys()].filter((k) => k.startsWith(key));
    const current = this.#entries.get(key);
    if (cas !== undefined && (cas === 0 || current?.modifyIndex !== cas)) return undefined;
    return current ? [key] : [];
  }

  commitPut(entry: KvEntry): void {
    this.#entries.set(entry.key, entry);
    this.#tombstones.delete(entry.key);
  }

  commitDelete(keys: readonly string[], index: number): void {
    for (const key of keys) {
      this.#entries.delete(key);
      this.#tombstones.set(key, index);
    }
    if (this.#tombstones.size > MAX_TOMBSTONES) this.#pruneTombstones();
  }

  #pruneTombstones(): void {
    const sorted = [...this.#tombstones].sort((a, b) => a[1] - b[1]);
    for (const [key, index] of sorted.slice(0, sorted.length - MAX_TOMBSTONES / 2)) {
      this.#tombstones.delete(key);
      this.#tombstoneFloor = Math.max(this.#tombstoneFloor, index);
    }
  }
}
