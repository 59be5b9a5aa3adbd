import { silentLogger, type Logger } from '../../core/logger.js';
import type { Clock, TimerHandle } from '../../resilience/clock.js';
import type { Dispose } from '../../resilience/types.js';
import type { Catalog } from '../catalog/catalog.js';
import type { CheckState } from '../catalog/model.js';

export interface TtlMonitorOptions {
  readonly catalog: Catalog;
  /** Defaults to the catalog's clock (deadlines are read on it, so it must be the same one). */
  readonly clock?: Clock;
  readonly logger?: Logger;
  /**
   * The timer fires at most this often (default 100 ms): thousands of TTLs falling due in one
   * second cost ten wake-ups, not thousands, and an expiry is at most this late.
   */
  readonly resolutionMs?: number;
}

const EXPIRED = 'TTL expired';

/** Consul's output for an expired TTL check, keeping the application's last note. */
export function ttlExpiredOutput(lastOutput: string): string {
  if (lastOutput === '' || lastOutput.startsWith(EXPIRED)) return EXPIRED;
  return `${EXPIRED} (last output before timeout follows): ${lastOutput}`;
}

/**
 * Turns TTL checks critical when their deadline passes. One timer serves every TTL check, armed
 * for the earliest pending deadline; no timer runs when nothing is pending. Heartbeats move a
 * deadline later in catalog memory without telling anyone (they must stay cheap), so the heap
 * holds each check's deadline as last seen and is corrected lazily: when an entry falls due, the
 * check's current deadline is read and the entry pushed back if it moved. A check is never
 * scheduled later than `ttl` from when it was last looked at, because after a restart its
 * deadline includes a grace period that its next heartbeat shortens to `now + ttl` — earlier than
 * the heap knows. Expired checks leave the heap until a status change (a pass) brings them back.
 */
export class TtlMonitor {
  readonly #catalog: Catalog;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #resolutionMs: number;
  readonly #heap = new DeadlineHeap();
  // check ID → the `at` of its live heap entry; other entries for that ID are stale
  readonly #scheduled = new Map<string, number>();
  #timer: TimerHandle;
  #timerAt = Infinity;
  #lastFire = -Infinity;
  #unsubscribe: Dispose | undefined;
  /** TTL checks turned critical since start (a metric counter). */
  expired = 0;

  constructor(options: TtlMonitorOptions) {
    this.#catalog = options.catalog;
    this.#clock = options.clock ?? options.catalog.clock;
    this.#logger = options.logger ?? silentLogger;
    this.#resolutionMs = options.resolutionMs ?? 100;
  }

  /** TTL checks with a pending deadline. */
  get pending(): number {
    return this.#scheduled.size;
  }

  /** Tracks every TTL check the catalog holds and follows its changes. */
  start(): void {
    if (this.#unsubscribe) return;
    this.#unsubscribe = this.#catalog.onCheckChange((id) => this.#track(id));
    for (const check of this.#catalog.checks()) this.#track(check.definition.id);
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#disarm();
    this.#heap.clear();
    this.#scheduled.clear();
  }

  #track(id: string): void {
    const check = this.#catalog.getCheck(id);
    const now = this.#clock.now();
    const at = check && dueAt(check, now);
    if (at === undefined) {
      this.#scheduled.delete(id); // its heap entries turn stale
      return;
    }
    const known = this.#scheduled.get(id);
    if (known !== undefined && known <= at) return; // that entry re-reads the check when due
    this.#scheduled.set(id, at);
    this.#heap.push(at, id);
    if (at < this.#timerAt) this.#arm();
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = this.#clock.now();
    this.#lastFire = now;
    for (let top = this.#heap.peek(); top && top.at <= now; top = this.#heap.peek()) {
      this.#heap.pop();
      if (this.#scheduled.get(top.id) !== top.at) continue;
      this.#scheduled.delete(top.id);
      const check = this.#catalog.getCheck(top.id);
      if (!check || check.ttlDeadline === undefined) continue;
      if (check.ttlDeadline > now) this.#track(top.id);
      else if (!isExpired(check)) this.#expire(check);
    }
    this.#arm();
  };

  #expire(check: CheckState): void {
    const id = check.definition.id;
    this.#catalog.expireTtl(id, ttlExpiredOutput(check.output)).then(
      (expired) => {
        if (expired) {
          this.expired++;
          this.#logger.info('TTL expired', { checkId: id, serviceId: check.definition.serviceId });
        } else {
          this.#track(id); // a heartbeat won the race: follow its new deadline
        }
      },
      (error: unknown) =>
        this.#logger.warn('TTL expiry not recorded', { checkId: id, error: String(error) }),
    );
  }

  #arm(): void {
    const top = this.#heap.peek();
    if (!top) return this.#disarm();
    const at = Math.max(top.at, this.#lastFire + this.#resolutionMs);
    if (this.#timer !== undefined && this.#timerAt <= at) return;
    this.#disarm();
    this.#timerAt = at;
    this.#timer = this.#clock.setTimeout(this.#fire, Math.max(0, at - this.#clock.now()));
  }

  #disarm(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }
}

/** When to look at a TTL check next; undefined for other checks and already expired ones. */
function dueAt(check: CheckState, now: number): number | undefined {
  const { ttlMs } = check.definition;
  const deadline = check.ttlDeadline;
  if (check.definition.type !== 'ttl' || ttlMs === undefined || deadline === undefined) return;
  if (deadline <= now && isExpired(check)) return;
  return Math.min(deadline, now + ttlMs);
}

function isExpired(check: CheckState): boolean {
  return check.status === 'critical' && check.output.startsWith(EXPIRED);
}

/** A binary min-heap of (at, id), parallel arrays so an entry costs no object. */
class DeadlineHeap {
  #at: number[] = [];
  #id: string[] = [];
  readonly #top = { at: 0, id: '' };

  /** The earliest entry (a shared object, valid until the next call) or undefined. */
  peek(): { readonly at: number; readonly id: string } | undefined {
    if (this.#at.length === 0) return undefined;
    this.#top.at = this.#at[0]!;
    this.#top.id = this.#id[0]!;
    return this.#top;
  }

  push(at: number, id: string): void {
    let i = this.#at.length;
    this.#at.push(at);
    this.#id.push(id);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.#at[parent]! <= at) break;
      this.#move(parent, i);
      i = parent;
    }
    this.#at[i] = at;
    this.#id[i] = id;
  }

  pop(): void {
    const lastAt = this.#at.pop()!;
    const lastId = this.#id.pop()!;
    const size = this.#at.length;
    if (size === 0) return;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= size) break;
      if (child + 1 < size && this.#at[child + 1]! < this.#at[child]!) child++;
      if (this.#at[child]! >= lastAt) break;
      this.#move(child, i);
      i = child;
    }
    this.#at[i] = lastAt;
    this.#id[i] = lastId;
  }

  clear(): void {
    this.#at = [];
    this.#id = [];
  }

  #move(from: number, to: number): void {
    this.#at[to] = this.#at[from]!;
    this.#id[to] = this.#id[from]!;
  }
}
