import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '../core/logger.js';
import { startAdminServer } from './admin/admin-server.js';
import { ConfigError } from './config/config-error.js';
import { loadGatewayConfig } from './config/load-config.js';
import { redactConfig } from './config/redact.js';
import type { GatewayConfig } from './config/types.js';
import { startGateway, watchConfig, type Gateway, type ReloadResult } from './gateway-server.js';
import { mergeFamilies, renderFamilies, type MetricFamily } from './metrics/metric-families.js';

/**
 * `--workers N`: N gateway processes share the listen port (node:cluster hands each new
 * connection to a worker). The primary proxies nothing: it runs the admin API, merging every
 * worker's metrics and status, and turns SIGHUP, file changes and `POST /reload` into a reload
 * of every worker.
 */
type Ask = { sy: 'ask'; id: number; what: 'status' | 'metrics' | 'reload' };
type Answer = { sy: 'answer'; id: number; value: unknown };

export async function runClusterPrimary(
  configPath: string,
  config: GatewayConfig,
  workers: number,
  logger: Logger,
): Promise<{
  url: string;
  adminUrl: string | undefined;
  close(): Promise<void>;
  reload(): Promise<ReloadResult>;
}> {
  let current = config;
  let nextId = 1;
  const pending = new Map<number, (value: unknown) => void>();
  const live = new Set<Worker>();
  let stopping = false;

  const fork = (): Worker => {
    const worker = cluster.fork({ SWITCHYARD_GATEWAY_WORKER: '1' });
    live.add(worker);
    worker.on('message', (msg: Answer) => {
      if (msg?.sy !== 'answer') return;
      pending.get(msg.id)?.(msg.value);
      pending.delete(msg.id);
    });
    worker.once('exit', (code, signal) => {
      live.delete(worker);
      if (stopping) return;
      logger.error('gateway worker died; starting another', { code, signal });
      fork();
    });
    return worker;
  };
  const ready = Array.from({ length: workers }, () => {
    const worker = fork();
    return new Promise<string>((resolve, reject) => {
      worker.once('message', (msg: { sy?: string; url?: string }) =>
        msg?.sy === 'ready' ? resolve(msg.url!) : reject(new Error('worker failed to start')),
      );
      worker.once('exit', () => reject(new Error('gateway worker exited during startup')));
    });
  });
  const url = (await Promise.all(ready))[0]!;

  const askAll = async (what: Ask['what']): Promise<unknown[]> =>
    Promise.all(
      [...live].map(
        (worker) =>
          new Promise<unknown>((resolve) => {
            const id = nextId++;
            const timer = setTimeout(() => {
              pending.delete(id);
              resolve(undefined);
            }, 5_000);
            pending.set(id, (value) => {
              clearTimeout(timer);
              resolve(value);
            });
            worker.send({ sy: 'ask', id, what } satisfies Ask);
          }),
      ),
    );

  const reload = async (): Promise<ReloadResult> => {
    try {
      current = await loadGatewayConfig(configPath);
    } catch (error) {
      return {
        ok: false,
        error: error instanceof Error ? error.message : String(error),
        ...(error instanceof ConfigError && { problems: error.problems }),
      };
    }
    const results = (await askAll('reload')) as (ReloadResult | undefined)[];
    const failed = results.find((r) => r?.ok !== true);
    if (failed === undefined) return { ok: true };
    return failed ?? { ok: false, error: 'a worker did not answer the reload within 5 s' };
  };

  const admin =
    current.admin === undefined
      ? undefined
      : await startAdminServer({
          ...current.admin,
          backend: {
            status: async () => ({ workers: (await askAll('status')).filter(Boolean) }),
            metrics: async () =>
              renderFamilies(
                mergeFamilies(((await askAll('metrics')) as MetricFamily[][]).filter(Boolean)),
              ),
            config: () => Promise.resolve(redactConfig(current) as object),
            reload,
          },
        });

  const watcher = current.reload.watch ? watchConfig(configPath, reload, logger) : undefined;

  const close = async (): Promise<void> => {
    stopping = true;
    watcher?.close();
    const exits = [...live].map(
      (w) => new Promise<void>((resolve) => w.once('exit', () => resolve())),
    );
    for (const worker of live) worker.process.kill('SIGTERM');
    await Promise.all(exits);
    await admin?.close();
  };
  return { url, adminUrl: admin?.url, close, reload };
}

/** A cluster worker: a gateway without admin listener, answering the primary's questions. */
export async function runClusterWorker(configPath: string, logger: Logger): Promise<Gateway> {
  const gateway = await startGateway({ configPath, logger, noAdmin: true, watch: false });
  process.on('message', (msg: Ask) => {
    if (msg?.sy !== 'ask') return;
    const reply = (value: unknown) =>
      process.send?.({ sy: 'answer', id: msg.id, value } satisfies Answer);
    if (msg.what === 'status') reply(gateway.status());
    else if (msg.what === 'metrics') reply(gateway.metricFamilies());
    else void gateway.reload().then(reply);
  });
  process.send?.({ sy: 'ready', url: gateway.url });
  return gateway;
}
