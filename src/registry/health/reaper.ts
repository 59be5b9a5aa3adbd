import { silentLogger, type Logger } from '../../core/logger.js';
import type { Clock, TimerHandle } from '../../resilience/clock.js';
import type { Catalog } from '../catalog/catalog.js';

export interface ReaperOptions {
  readonly catalog: Catalog;
  /** Defaults to the catalog's clock (`criticalSince` is read on it). */
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Time between sweeps (default 30 s, Consul's `CheckReapInterval`). */
  readonly intervalMs?: number;
  /** A fixed cap on deregistrations per sweep; when set, `maxEvictionRatio` is not used. */
  readonly maxEvictionsPerSweep?: number;
  /**
   * The cap as a share of the instances registered when the sweep starts (default 0.1), never
   * less than 1 so a small registry still drains. Eureka evicts at most 15 % per run.
   */
  readonly maxEvictionRatio?: number;
}

/** Counters for the metrics endpoint (`switchyard_registry_reaper_*_total`). */
export interface ReaperStats {
  sweeps: number;
  /** Instances deregistered because a check stayed critical too long. */
  evictions: number;
  /** Sweeps that hit the cap (self-preservation engaged). */
  selfPreservationSweeps: number;
  /** Due evictions postponed to a later sweep by the cap. */
  deferredEvictions: number;
}

/** What one sweep did. */
export interface SweepResult {
  /** Instances due for deregistration. */
  readonly due: number;
  readonly cap: number;
  readonly evicted: readonly string[];
  readonly deferred: number;
}

/**
 * Deregisters an instance once one of its checks has been critical for longer than its
 * `deregisterCriticalAfterMs` (Consul's `DeregisterCriticalServiceAfter`). Sweeps run every
 * `intervalMs`. Self-preservation: one sweep deregisters at most a capped number of instances,
 * longest-critical first; when more are due, it logs a warning saying why and leaves the rest
 * for the next sweep. A mass failure is more often the registry's or the network's fault than
 * that of every service at once, so this turns "evict everything" into a slow drain that an
 * operator can see and stop.
 */
export class Reaper {
  readonly stats: ReaperStats = {
    sweeps: 0,
    evictions: 0,
    selfPreservationSweeps: 0,
    deferredEvictions: 0,
  };
  readonly #catalog: Catalog;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #maxEvictions: number | undefined;
  readonly #ratio: number;
  #timer: TimerHandle;
  #sweeping: Promise<SweepResult> | undefined;
  #started = false;

  constructor(options: ReaperOptions) {
    this.#catalog = options.catalog;
    this.#clock = options.clock ?? options.catalog.clock;
    this.#logger = options.logger ?? silentLogger;
    this.#intervalMs = options.intervalMs ?? 30_000;
    this.#maxEvictions = options.maxEvictionsPerSweep;
    this.#ratio = options.maxEvictionRatio ?? 0.1;
  }

  /** Sweeps every `intervalMs` until stopped. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#schedule();
  }

  /** Stops sweeping; resolves once a sweep in progress has finished. */
  async stop(): Promise<void> {
    this.#started = false;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#sweeping?.catch(() => {});
  }

  /** Runs one sweep now (the timer calls this; so may an operator endpoint or a test). */
  sweep(): Promise<SweepResult> {
    this.#sweeping ??= this.#sweep().finally(() => (this.#sweeping = undefined));
    return this.#sweeping;
  }

  #schedule(): void {
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.sweep()
        .catch((error: unknown) =>
          this.#logger.error('reaper sweep failed', { error: String(error) }),
        )
        .finally(() => {
          if (this.#started) this.#schedule();
        });
    }, this.#intervalMs);
  }

  async #sweep(): Promise<SweepResult> {
    this.stats.sweeps++;
    const due = this.#dueInstances();
    const instances = countOf(this.#catalog.services());
    const cap = this.#capFor(instances);
    const evicted: string[] = [];
    for (const serviceId of due.slice(0, cap)) {
      try {
        if (await this.#catalog.deregisterService(serviceId)) evicted.push(serviceId);
      } catch (error) {
        this.#logger.error('could not deregister critical instance', {
          serviceId,
          error: String(error),
        });
      }
    }
    this.stats.evictions += evicted.length;
    const deferred = Math.max(0, due.length - cap);
    if (deferred > 0) {
      this.stats.selfPreservationSweeps++;
      this.stats.deferredEvictions += deferred;
      this.#logger.warn('self-preservation: eviction capped', {
        due: due.length,
        cap,
        instances,
        deferred,
        reason:
          `${due.length} of ${instances} instances have been critical longer than their ` +
          `deregister-critical-after, more than the ${cap} one sweep may evict; so many failing ` +
          `at once is more likely a registry or network fault, so ${deferred} wait for the next sweep`,
      });
    }
    return { due: due.length, cap, evicted, deferred };
  }

  /** Service IDs with a check critical past its limit, the longest-critical first. */
  #dueInstances(): string[] {
    const now = this.#clock.now();
    const since = new Map<string, number>();
    for (const check of this.#catalog.checks()) {
      const { serviceId, deregisterCriticalAfterMs: after } = check.definition;
      const from = check.criticalSince;
      if (serviceId === undefined || after === undefined || from === undefined) continue;
      if (check.status !== 'critical' || now - from <= after) continue;
      const known = since.get(serviceId);
      if (known === undefined || from < known) since.set(serviceId, from);
    }
    return [...since].sort((a, b) => a[1] - b[1]).map(([serviceId]) => serviceId);
  }

  #capFor(instances: number): number {
    if (this.#maxEvictions !== undefined) return Math.max(0, Math.floor(this.#maxEvictions));
    return Math.max(1, Math.ceil(instances * this.#ratio));
  }
}

function countOf(items: Iterable<unknown>): number {
  let n = 0;
  for (const _ of items) n++;
  return n;
}
