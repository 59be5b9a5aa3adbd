import { silentLogger, type Logger } from '../../core/logger.js';
import type { Clock } from '../../resilience/clock.js';
import type { Catalog } from '../catalog/catalog.js';
import { CheckScheduler, type CheckSchedulerOptions } from './check-scheduler.js';
import { Reaper, type ReaperOptions } from './reaper.js';
import { TtlMonitor, type TtlMonitorOptions } from './ttl-monitor.js';

type Shared = 'catalog' | 'clock' | 'logger';

export interface HealthOptions {
  readonly catalog: Catalog;
  /** Defaults to the catalog's clock; deadlines are compared on it, so pass the same one. */
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly ttl?: Omit<TtlMonitorOptions, Shared>;
  /** HTTP/TCP checks: concurrency, probes, output write interval. */
  readonly checks?: Omit<CheckSchedulerOptions, Shared>;
  /** Reaping and self-preservation; `false` turns reaping off. */
  readonly reaper?: Omit<ReaperOptions, Shared> | false;
}

/** The running health machinery of one registry. */
export interface HealthRunner {
  readonly ttl: TtlMonitor;
  readonly checks: CheckScheduler;
  readonly reaper: Reaper | undefined;
  /** Stops every timer, aborts probes in flight and waits for them and a running sweep. */
  stop(): Promise<void>;
}

/**
 * Starts everything that keeps the catalog's health true: TTL expiry, active HTTP/TCP checks and
 * the reaper. Start it after the catalog is open (restored TTL checks carry their grace period)
 * and stop it before closing the catalog.
 *
 * @example
 * const catalog = await Catalog.open({ store });
 * const health = startHealth({ catalog, logger });
 * // ...
 * await health.stop();
 * await catalog.close();
 */
export function startHealth(options: HealthOptions): HealthRunner {
  const shared = {
    catalog: options.catalog,
    clock: options.clock ?? options.catalog.clock,
    logger: options.logger ?? silentLogger,
  };
  const ttl = new TtlMonitor({ ...options.ttl, ...shared });
  const checks = new CheckScheduler({ ...options.checks, ...shared });
  const reaper =
    options.reaper === false ? undefined : new Reaper({ ...options.reaper, ...shared });
  ttl.start();
  checks.start();
  reaper?.start();
  return {
    ttl,
    checks,
    reaper,
    async stop() {
      ttl.stop();
      await Promise.all([checks.stop(), reaper?.stop()]);
    },
  };
}
