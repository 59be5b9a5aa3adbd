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
  readonly #watchers = new Set<Watcher>();

  get size(): number {
    return this.#watchers.size;
  }

  /** Calls `listener` for every change `filter` accepts; returns the unsubscribe function. */
  subscribe(filter: ChangeFilter, listener: (change: Change) => void): Dispose {
    const watcher: Watcher = { filter, listener };
    this.#watchers.add(watcher);
    return () => this.#watchers.delete(watcher);
  }

  publish(change: Change): void {
    for (const watcher of this.#watchers) {
      if (watcher.filter(change)) watcher.listener(change);
    }
  }

  /**
   * Resolves `true` on the first change `filter` accepts, `false` when `waitMs` passes or
   * `signal` aborts (a client that went away). Register it in the same tick as reading the index,
   * so no change can slip in between.
   */
  waitFor(filter: ChangeFilter, waitMs: number, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const finish = (changed: boolean) => {
        unsubscribe();
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(changed);
      };
      const onAbort = () => finish(false);
      const unsubscribe = this.subscribe(filter, () => finish(true));
      const timer = setTimeout(() => finish(false), waitMs);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
