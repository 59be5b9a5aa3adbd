import type { Dispose } from '../../resilience/types.js';

/** What changed, for waking exactly the watchers that care (no wake-ups from unrelated writes). */
export type Change =
  | { readonly kind: 'service'; readonly name: string; readonly index: number }
  | { readonly kind: 'kv'; readonly key: string; readonly index: number }
  | { readonly kind: 'node'; readonly index: number };

export type ChangeFilter = (change: Change) => boolean;

interface Watcher {
  readonly filter: ChangeFilter;
  readonly listener: (change: Change) => void;
}

/**
 * Fan-out of catalog changes to blocking queries and push streams. A watcher registers a filter;
 * `publish` calls only the matching ones. Blocking queries use `waitFor`, which resolves on the
 * first matching change or when the wait ends, and always cleans up its timer and registration.
 */
export class WatchHub {
  /** Watchers with no topic: offered every change. */
  readonly #any = new Set<Watcher>();
  /** Watchers by topic (`service:<name>`, `kv`): offered only their topic's changes (and node changes). */
  readonly #byTopic = new Map<string, Set<Watcher>>();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /**
   * Calls `listener` for every change `filter` accepts; returns the unsubscribe function. A
   * `topic` (see `topicOf`) lets `publish` skip this watcher for other topics' changes, so a write
   * to one service costs O(its watchers), not O(all watchers).
   */
  subscribe(filter: ChangeFilter, listener: (change: Change) => void, topic?: string): Dispose {
    const watcher: Watcher = { filter, listener };
    let set = this.#any;
    if (topic !== undefined) {
      set = this.#byTopic.get(topic) ?? new Set();
      this.#byTopic.set(topic, set);
    }
    set.add(watcher);
    this.#size++;
    return () => {
      if (!set.delete(watcher)) return;
      this.#size--;
      if (topic !== undefined && set.size === 0) this.#byTopic.delete(topic);
    };
  }

  publish(change: Change): void {
    if (change.kind === 'node') {
      for (const set of this.#byTopic.values()) offer([...set], change);
    } else {
      const topical = this.#byTopic.get(topicOf(change));
      if (topical) offer([...topical], change);
    }
    offer([...this.#any], change);
  }

  /**
   * Resolves `true` on the first change `filter` accepts, `false` when `waitMs` passes or
   * `signal` aborts (a client that went away). Register it in the same tick as reading the index,
   * so no change can slip in between.
   */
  waitFor(
    filter: ChangeFilter,
    waitMs: number,
    signal?: AbortSignal,
    topic?: string,
  ): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const finish = (changed: boolean) => {
        unsubscribe();
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(changed);
      };
      const onAbort = () => finish(false);
      const unsubscribe = this.subscribe(filter, () => finish(true), topic);
      const timer = setTimeout(() => finish(false), waitMs);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** The topic a change belongs to: `service:<name>` or `kv` (node changes concern every topic). */
export function topicOf(change: Change): string {
  return change.kind === 'service' ? `service:${change.name}` : change.kind;
}

/** Copies are iterated so a listener may unsubscribe (or subscribe) while being called. */
function offer(watchers: readonly Watcher[], change: Change): void {
  for (const watcher of watchers) {
    if (watcher.filter(change)) watcher.listener(change);
  }
}
