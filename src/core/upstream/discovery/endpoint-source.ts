import type { EndpointSpec } from '../endpoint.js';

/**
 * Where the gateway and the client SDK learn the endpoints of one service: a static list, the
 * registry (Consul blocking queries) or DNS. Every source keeps its last known good list: a
 * failing registry or resolver never empties a pool, it only marks the source `stale`.
 */

/** `starting`: no read has succeeded yet; `ok`: the last read succeeded; `stale`: it failed. */
export interface SourceStatus {
  readonly state: 'starting' | 'ok' | 'stale';
  /** Wall-clock ms (`Date.now()`) of the last successful read. */
  readonly lastUpdateAt?: number;
  /** What went wrong with the last failed read, cleared by the next success. */
  readonly lastError?: string;
  /** The registry's `X-Consul-Index` of the last good answer (a uint64, hence a string). */
  readonly index?: string;
}

/**
 * A live list of endpoints.
 *
 * @example
 * const source = registrySource({ address: 'http://127.0.0.1:8500', service: 'web' });
 * if (!(await source.ready(5_000))) log.warn('registry slow', source.status());
 * pool.update(source.current() ?? []);
 * const stop = source.onUpdate((list) => pool.update(list));
 */
export interface EndpointSource {
  /** Current endpoint list (last known good), or undefined before the first successful read. */
  current(): readonly EndpointSpec[] | undefined;
  /**
   * Called on every change (never with an identical list, and not on subscription: read
   * `current()` first); returns a disposer.
   */
  onUpdate(listener: (endpoints: readonly EndpointSpec[]) => void): () => void;
  /** Resolves true after the first successful read; false after `timeoutMs` or on `close()`. */
  ready(timeoutMs?: number): Promise<boolean>;
  status(): SourceStatus;
  /** Stops timers and aborts in-flight requests; idempotent. */
  close(): void;
}

/**
 * True when two lists hold the same endpoints in the same order (sources sort by id, so order
 * differences never count as changes).
 *
 * @example
 * sameEndpoints([{ id: 'a', url: 'http://a' }], [{ id: 'a', url: 'http://a' }]); // true
 */
export function sameEndpoints(a: readonly EndpointSpec[], b: readonly EndpointSpec[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!sameSpec(a[i]!, b[i]!)) return false;
  return true;
}

function sameSpec(a: EndpointSpec, b: EndpointSpec): boolean {
  if (a.id !== b.id || a.url !== b.url || (a.weight ?? 1) !== (b.weight ?? 1)) return false;
  const at = a.tags ?? [];
  const bt = b.tags ?? [];
  if (at.length !== bt.length || at.some((t, i) => t !== bt[i])) return false;
  const am = a.meta ?? {};
  const bm = b.meta ?? {};
  const keys = Object.keys(am);
  return keys.length === Object.keys(bm).length && keys.every((k) => am[k] === bm[k]);
}

/**
 * Sorts endpoints by id (in place) so a reordered answer compares equal; returns the list.
 *
 * @example
 * sortById([{ id: 'b', url: 'http://b' }, { id: 'a', url: 'http://a' }])[0].id; // 'a'
 */
export function sortById<T extends EndpointSpec>(list: T[]): T[] {
  return list.sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
}
