import { silentLogger, type Logger } from '../../core/logger.js';
import type { Clock, TimerHandle } from '../../resilience/clock.js';
import type { Dispose } from '../../resilience/types.js';
import type { Catalog } from '../catalog/catalog.js';
import type { CheckDefinition, HealthStatus } from '../catalog/model.js';
import { httpProbe } from './http-check.js';
import { tcpProbe } from './tcp-check.js';

/** One probe's verdict. */
export interface ProbeResult {
  readonly status: HealthStatus;
  readonly output: string;
}

/** Runs one active check once; must settle promptly when `signal` aborts (stop or timeout). */
export type Probe = (definition: CheckDefinition, signal: AbortSignal) => Promise<ProbeResult>;

export interface CheckSchedulerOptions {
  readonly catalog: Catalog;
  /** Defaults to the catalog's clock. */
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Most probes in flight at once (default 64); the rest queue in due order. */
  readonly concurrency?: number;
  /** Used when a check has no interval (the API requires one; default 10 s). */
  readonly defaultIntervalMs?: number;
  /**
   * A probe whose status is unchanged but whose output differs is written at most this often
   * (Consul's `check_update_interval`, default 5 min): output with a timestamp in it must not
   * turn every probe into a durable write and a watcher wake-up.
   */
  readonly outputUpdateIntervalMs?: number;
  /** Probe implementations by check type (tests swap them). */
  readonly probes?: Partial<Record<ActiveType, Probe>>;
}

type ActiveType = 'http' | 'tcp';

interface ScheduledCheck {
  readonly id: string;
  readonly definition: CheckDefinition;
  readonly fingerprint: string;
  readonly probe: Probe;
  state: 'waiting' | 'queued' | 'running' | 'stopped';
  timer: TimerHandle;
  controller: AbortController | undefined;
  successes: number;
  failures: number;
  lastWriteAt: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Runs the catalog's HTTP and TCP checks. Each check first runs at a hash-derived offset within
 * its interval, so checks registered together (or reloaded after a restart) do not all fire on
 * one tick, then every `interval` after its previous probe finished (Consul's cadence). At most
 * `concurrency` probes are in flight; due checks beyond that wait in a FIFO. Each probe gets a
 * deadline of the check's timeout (default 10 s). A verdict passes through the
 * `successBeforePassing` / `failuresBeforeCritical` counters (Consul's rule) and reaches the
 * catalog only when the status changes, or the output changes and the last write is old enough.
 * The scheduler follows the catalog: added, changed and removed checks start, restart and stop.
 */
export class CheckScheduler {
  readonly #catalog: Catalog;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #concurrency: number;
  readonly #defaultIntervalMs: number;
  readonly #outputUpdateIntervalMs: number;
  readonly #probes: Record<ActiveType, Probe>;
  readonly #checks = new Map<string, ScheduledCheck>();
  readonly #running = new Set<Promise<void>>();
  #queue: ScheduledCheck[] = [];
  #queueHead = 0;
  #unsubscribe: Dispose | undefined;

  constructor(options: CheckSchedulerOptions) {
    this.#catalog = options.catalog;
    this.#clock = options.clock ?? options.catalog.clock;
    this.#logger = options.logger ?? silentLogger;
    this.#concurrency = Math.max(1, options.concurrency ?? 64);
    this.#defaultIntervalMs = options.defaultIntervalMs ?? 10_000;
    this.#outputUpdateIntervalMs = options.outputUpdateIntervalMs ?? 5 * 60_000;
    this.#probes = { http: httpProbe, tcp: tcpProbe, ...options.probes };
  }

  /** Checks being scheduled. */
  get size(): number {
    return this.#checks.size;
  }

  /** Probes in flight now. */
  get running(): number {
    return this.#running.size;
  }

  /** Due checks waiting for a free slot. */
  get queued(): number {
    return this.#queue.length - this.#queueHead;
  }

  /** Schedules every active check the catalog holds and follows its changes. */
  start(): void {
    if (this.#unsubscribe) return;
    this.#unsubscribe = this.#catalog.onCheckChange((id) => this.#follow(id));
    for (const check of this.#catalog.checks()) this.#follow(check.definition.id);
  }

  /** Stops scheduling, aborts probes in flight and resolves once they have settled. */
  async stop(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    for (const entry of this.#checks.values()) this.#cancel(entry);
    this.#checks.clear();
    this.#queue = [];
    this.#queueHead = 0;
    await Promise.allSettled([...this.#running]);
  }

  #follow(id: string): void {
    const definition = this.#catalog.getCheck(id)?.definition;
    const entry = this.#checks.get(id);
    // our own status writes keep the definition object, so most notifications stop here
    if (entry && entry.definition === definition) return;
    const type = definition?.type;
    if (!definition || (type !== 'http' && type !== 'tcp')) {
      if (entry) this.#remove(entry);
      return;
    }
    const fingerprint = JSON.stringify(definition);
    if (entry && entry.fingerprint === fingerprint) return;
    if (entry) this.#remove(entry);
    this.#add(id, definition, fingerprint, this.#probes[type]);
  }

  #add(id: string, definition: CheckDefinition, fingerprint: string, probe: Probe): void {
    const entry: ScheduledCheck = {
      id,
      definition,
      fingerprint,
      probe,
      state: 'waiting',
      timer: undefined,
      controller: undefined,
      successes: 0,
      failures: 0,
      lastWriteAt: -Infinity,
    };
    this.#checks.set(id, entry);
    this.#wait(entry, spreadOffset(id, this.#intervalOf(entry)));
  }

  #remove(entry: ScheduledCheck): void {
    this.#cancel(entry);
    this.#checks.delete(entry.id);
  }

  #cancel(entry: ScheduledCheck): void {
    entry.state = 'stopped';
    if (entry.timer !== undefined) this.#clock.clearTimeout(entry.timer);
    entry.timer = undefined;
    entry.controller?.abort(new Error('health checks stopped'));
  }

  #intervalOf(entry: ScheduledCheck): number {
    const interval = entry.definition.intervalMs;
    return interval !== undefined && interval > 0 ? interval : this.#defaultIntervalMs;
  }

  #wait(entry: ScheduledCheck, ms: number): void {
    entry.state = 'waiting';
    entry.timer = this.#clock.setTimeout(() => this.#due(entry), ms);
  }

  #due(entry: ScheduledCheck): void {
    entry.timer = undefined;
    if (entry.state === 'stopped') return;
    if (this.#running.size < this.#concurrency) {
      this.#run(entry);
    } else {
      entry.state = 'queued';
      this.#queue.push(entry);
    }
  }

  #run(entry: ScheduledCheck): void {
    entry.state = 'running';
    const controller = new AbortController();
    entry.controller = controller;
    const timeoutMs = entry.definition.timeoutMs || DEFAULT_TIMEOUT_MS;
    const timer = this.#clock.setTimeout(
      () => controller.abort(new Error(`timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );
    const run = entry
      .probe(entry.definition, controller.signal)
      .catch((error: unknown) => ({ status: 'critical' as const, output: String(error) }))
      .then((result) => {
        this.#clock.clearTimeout(timer);
        entry.controller = undefined;
        if (entry.state === 'stopped') return;
        this.#record(entry, result);
        this.#wait(entry, this.#intervalOf(entry));
      })
      .catch((error: unknown) => {
        this.#logger.error('health check scheduling failed', {
          checkId: entry.id,
          error: String(error),
        });
      })
      .finally(() => {
        this.#running.delete(run);
        this.#drain();
      });
    this.#running.add(run);
  }

  #drain(): void {
    while (this.#running.size < this.#concurrency && this.#queueHead < this.#queue.length) {
      const next = this.#queue[this.#queueHead++]!;
      if (next.state === 'queued') this.#run(next);
    }
    if (this.#queueHead === this.#queue.length) {
      this.#queue = [];
      this.#queueHead = 0;
    }
  }

  /** Consul's StatusHandler: a verdict counts only once its streak reaches the threshold. */
  #record(entry: ScheduledCheck, result: ProbeResult): void {
    const { definition } = entry;
    if (result.status === 'critical') {
      entry.failures++;
      entry.successes = 0;
      if (entry.failures < definition.failuresBeforeCritical) return;
    } else {
      entry.successes++;
      entry.failures = 0;
      if (entry.successes < definition.successBeforePassing) return;
    }
    this.#write(entry, result);
  }

  #write(entry: ScheduledCheck, result: ProbeResult): void {
    const current = this.#catalog.getCheck(entry.id);
    if (!current) return;
    const now = this.#clock.now();
    if (current.status === result.status) {
      if (current.output === result.output) return;
      if (now - entry.lastWriteAt < this.#outputUpdateIntervalMs) return;
    }
    entry.lastWriteAt = now;
    this.#catalog.updateCheck(entry.id, result.status, result.output).catch((error: unknown) => {
      // a check removed while its probe ran is not worth a log line
      if (this.#checks.get(entry.id) !== entry) return;
      this.#logger.warn('health check result not recorded', {
        checkId: entry.id,
        error: String(error),
      });
    });
  }
}

/**
 * Where in its first interval a check runs: FNV-1a of its ID, so checks spread evenly, and a
 * check keeps its phase across restarts instead of all of them probing on the first tick.
 */
export function spreadOffset(id: string, intervalMs: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % Math.max(1, Math.floor(intervalMs));
}
