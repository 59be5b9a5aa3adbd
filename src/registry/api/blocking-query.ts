import { channel } from 'node:diagnostics_channel';
import type { Catalog } from '../catalog/catalog.js';
import type { Change, ChangeFilter } from '../catalog/watch-hub.js';
import { BadRequestError, clip, TooManyWatchersError } from './api-errors.js';
import { parseGoDuration } from './consul/go-duration.js';
import type { Exchange } from './exchange.js';

/** Consul's defaults: a blocking query waits 5 minutes unless told otherwise, 10 at most. */
export const DEFAULT_WAIT_MS = 5 * 60_000;
export const MAX_WAIT_MS = 10 * 60_000;

/**
 * What a read endpoint reads, which fixes both its `X-Consul-Index` and the changes that may
 * move it: one service (health/catalog service), the set of services (catalog services, agent
 * services), all checks (health state, node, agent checks) or KV under a key or prefix.
 */
export type WatchTarget =
  | { readonly kind: 'service'; readonly name: string }
  | { readonly kind: 'services' }
  | { readonly kind: 'checks' }
  | { readonly kind: 'kv'; readonly key: string; readonly recurse: boolean };

/** `index` and `wait` of a read, validated. */
export interface ReadOptions {
  readonly index: number | undefined;
  readonly waitMs: number;
}

/**
 * Published each time a held query is woken by a change its filter accepted (diagnostics
 * channels cost nothing without a subscriber). Tests count these to prove that a write to one
 * service never wakes a watcher of another.
 */
export const blockingWakeChannel = channel('switchyard:registry:blocking-wake');

/** Published each time a query (re)starts waiting (`{ target, minIndex }`), once registered. */
export const blockingHoldChannel = channel('switchyard:registry:blocking-hold');

/**
 * Validates a read's query options: `index` (a uint64), `wait` (a Go duration, default 5 min,
 * capped at 10 min) and the consistency flags (`stale` with `consistent` is a 400, as in Consul;
 * each alone is accepted: this registry has one node, so every read is both).
 */
export function readOptions(x: Exchange): ReadOptions {
  if (x.queryString === '') return { index: undefined, waitMs: DEFAULT_WAIT_MS };
  const q = x.query;
  if (q.has('stale') && q.has('consistent')) {
    throw new BadRequestError('Cannot specify ?stale with ?consistent, conflicting semantics.');
  }
  const rawIndex = q.get('index');
  let index: number | undefined;
  if (rawIndex !== null) {
    if (!/^\d{1,20}$/.test(rawIndex) || BigInt(rawIndex) > 0xffffffffffffffffn) {
      throw new BadRequestError(
        `Invalid index ${JSON.stringify(clip(rawIndex, 40))}: expected a uint64`,
      );
    }
    index = Number(rawIndex);
  }
  const rawWait = q.get('wait');
  let waitMs = DEFAULT_WAIT_MS;
  if (rawWait !== null) {
    const parsed = parseGoDuration(rawWait);
    if (parsed === undefined) {
      throw new BadRequestError(
        `Invalid wait ${JSON.stringify(clip(rawWait, 40))}: use e.g. "30s"`,
      );
    }
    waitMs = parsed === 0 ? DEFAULT_WAIT_MS : Math.min(parsed, MAX_WAIT_MS);
  }
  return { index, waitMs };
}

/** The index a target answers with (never 0). */
export function targetIndex(catalog: Catalog, target: WatchTarget): number {
  switch (target.kind) {
    case 'service':
      return catalog.serviceIndex(target.name);
    case 'services':
      return catalog.servicesIndex;
    case 'checks':
      return catalog.checksIndex;
    case 'kv':
      return catalog.kv.index(target.key, !target.recurse);
  }
}

/** The hub topic a target's changes arrive on (none: offered every change). */
export function targetTopic(target: WatchTarget): string | undefined {
  if (target.kind === 'service') return `service:${target.name}`;
  return target.kind === 'kv' ? 'kv' : undefined;
}

/** The changes that can move a target's index; all others never wake its watchers. */
export function targetFilter(target: WatchTarget): ChangeFilter {
  switch (target.kind) {
    case 'service': {
      const name = target.name;
      return (c: Change) => c.kind === 'node' || (c.kind === 'service' && c.name === name);
    }
    case 'services':
      return (c: Change) => c.kind === 'service';
    case 'checks':
      return (c: Change) => c.kind !== 'kv';
    case 'kv': {
      const { key, recurse } = target;
      return (c: Change) => c.kind === 'kv' && (recurse ? c.key.startsWith(key) : c.key === key);
    }
  }
}

/**
 * Consul's blocking query: calls `answer(index)` at once when the request has no `index` or one
 * below the target's current index (hot path: synchronously, no promise); otherwise holds the
 * request until the target's index moves past it or `wait` (plus up to wait/16 of jitter) runs
 * out, then answers with the current index. A wake-up by a change that did not move the index
 * keeps waiting for the rest of the time. Nothing is sent if the client has gone; a server
 * shutdown answers every held query at once.
 */
export function answerBlocking(
  x: Exchange,
  target: WatchTarget,
  answer: (index: number) => void,
): void | Promise<void> {
  const options = readOptions(x);
  const current = targetIndex(x.catalog, target);
  if (options.index === undefined || options.index < current) return answer(current);
  const watchers = x.ctx.watchers;
  if (watchers.active >= watchers.limit) throw new TooManyWatchersError(watchers.limit);
  watchers.active++;
  const jittered = options.waitMs + x.ctx.random() * (options.waitMs / 16);
  return hold(x, target, options.index, jittered).then(
    (index) => {
      watchers.active--;
      x.endHold();
      if (index !== undefined) answer(index);
    },
    (error: unknown) => {
      watchers.active--;
      x.endHold();
      throw error;
    },
  );
}

async function hold(
  x: Exchange,
  target: WatchTarget,
  minIndex: number,
  waitMs: number,
): Promise<number | undefined> {
  const catalog = x.catalog;
  const filter = targetFilter(target);
  const signal = x.holdSignal();
  const deadline = performance.now() + waitMs;
  for (;;) {
    const remaining = deadline - performance.now();
    if (remaining <= 0) break;
    // waitFor registers synchronously, right after the index comparison: no change slips between.
    const waiting = catalog.hub.waitFor(filter, remaining, signal, targetTopic(target));
    if (blockingHoldChannel.hasSubscribers) blockingHoldChannel.publish({ target, minIndex });
    const changed = await waiting;
    if (x.clientLeft) return undefined;
    if (signal.aborted) break; // the server is shutting down: answer now
    if (!changed) break;
    const index = targetIndex(catalog, target);
    if (blockingWakeChannel.hasSubscribers) blockingWakeChannel.publish({ target, index });
    if (index > minIndex) return index;
  }
  return targetIndex(catalog, target);
}
