import cluster from 'node:cluster';
import { parseArgs } from 'node:util';
import { createLogger } from '../core/logger.js';
import { ConfigError } from '../gateway/config/config-error.js';
import { loadGatewayConfig } from '../gateway/config/load-config.js';
import { runClusterPrimary, runClusterWorker } from '../gateway/cluster.js';
import { startGateway } from '../gateway/gateway-server.js';
import { UsageError } from './usage-error.js';

/** `switchyard gateway --config gateway.yaml [--workers N]`: the API gateway, until SIGTERM/SIGINT. */
export async function run(args: string[]): Promise<number> {
  let values: { config?: string | undefined; workers?: string | undefined };
  try {
    ({ values } = parseArgs({
      args,
      options: { config: { type: 'string', short: 'c' }, workers: { type: 'string' } },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const configPath = values.config ?? process.env.SWITCHYARD_GATEWAY_CONFIG;
  if (configPath === undefined) throw new UsageError('gateway needs --config FILE');
  const logger = createLogger('gateway');

  if (cluster.isWorker && process.env.SWITCHYARD_GATEWAY_WORKER === '1') {
    const gateway = await runClusterWorker(configPath, logger);
    await stopSignal();
    await gateway.close();
    // The IPC channel to the primary would keep this process alive.
    if (process.connected) process.disconnect();
    return 0;
  }

  let config;
  try {
    config = await loadGatewayConfig(configPath);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
  const workers = values.workers === undefined ? config.workers : Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) {
    throw new UsageError(`--workers must be an integer from 1 to 256, got ${values.workers}`);
  }

  const running =
    workers > 1
      ? await runClusterPrimary(configPath, config, workers, logger)
      : await startGateway({ configPath, config, logger });
  process.stdout.write(
    `switchyard gateway: ${running.url}` +
      (running.adminUrl ? `, admin ${running.adminUrl}` : '') +
      `, ${plural(config.routes.length, 'route')}, ${plural(workers, 'worker')}\n`,
  );
  const onHup = () =>
    void running.reload().then((result) => {
      process.stdout.write(
        result.ok
          ? 'switchyard gateway: config reloaded\n'
          : `switchyard gateway: reload failed, the previous config keeps serving: ${result.error}\n`,
      );
    });
  process.on('SIGHUP', onHup);
  await stopSignal();
  process.off('SIGHUP', onHup);
  process.stdout.write('switchyard gateway: draining in-flight requests\n');
  await running.close();
  return 0;
}

function stopSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
