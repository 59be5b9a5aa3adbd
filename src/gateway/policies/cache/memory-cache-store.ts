import { entryBytes, type CachedResponse } from './cached-response.js';

/** Bounds of a `MemoryCacheStore`. */
export interface MemoryCacheLimits {
  readonly maxEntries: number;
  readonly maxTotalBytes: number;
}

interface Slot {
  readonly entry: CachedResponse;
  readonly bytes: number;
}

/**
 * An in-process LRU of responses bounded by entry count and by bytes (body + headers + key).
 * A `Map` keeps insertion order, so re-inserting on a hit makes it the LRU list: the first key is
 * the least recently used. Expired entries are dropped when read or when they reach the LRU end.
 *
 * @example
 * const store = new MemoryCacheStore({ maxEntries: 1000, maxTotalBytes: 64 << 20 });
 * store.set('k', entry);
 * store.get('k', clock.now());
 */
export class MemoryCacheStore {
  readonly #limits: MemoryCacheLimits;
  readonly #slots = new Map<string, Slot>();
  #bytes = 0;

  constructor(limits: MemoryCacheLimits) {
    this.#limits = limits;
  }

  /** Entries held (expired ones not yet dropped included). */
  get size(): number {
    return this.#slots.size;
  }

  /** Approximate bytes held. */
  get bytes(): number {
    return this.#bytes;
  }

  /** hot path: one Map lookup, and a delete + set to mark it most recently used. */
  get(key: string, now: number): CachedResponse | undefined {
    const slot = this.#slots.get(key);
    if (slot === undefined) return undefined;
    this.#slots.delete(key);
    if (slot.entry.expiresAt <= now) {
      this.#bytes -= slot.bytes;
      return undefined;
    }
    this.#slots.set(key, slot);
    return slot.entry;
  }

  /** Stores `entry` (replacing any under `key`), evicting LRU entries to stay within bounds. */
  set(key: string, entry: CachedResponse): boolean {
    const bytes = entryBytes(key, entry);
    this.delete(key);
    if (bytes > this.#limits.maxTotalBytes || this.#limits.maxEntries < 1) return false;
    this.#slots.set(key, { entry, bytes });
    this.#bytes += bytes;
    this.#evict();
    return true;
  }

  delete(key: string): boolean {
    const slot = this.#slots.get(key);
    if (slot === undefined) return false;
    this.#slots.delete(key);
    this.#bytes -= slot.bytes;
    return true;
  }

  clear(): void {
    this.#slots.clear();
    this.#bytes = 0;
  }

  #evict(): void {
    const { maxEntries, maxTotalBytes } = this.#limits;
    while (this.#slots.size > maxEntries || this.#bytes > maxTotalBytes) {
      const oldest = this.#slots.keys().next();
      if (oldest.done === true) return;
      this.delete(oldest.value);
    }
  }
}
