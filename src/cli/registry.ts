import { parseArgs } from 'node:util';
import { createLogger } from '../core/logger.js';
import { startRegistry } from '../registry/registry-server.js';
import { parseListenAddress } from './listen-address.js';
import { UsageError } from './usage-error.js';

/** `switchyard registry`: the Consul-compatible registry, until SIGTERM/SIGINT. */
export async function run(args: string[]): Promise<number> {
  let values: {
    http: string;
    dns: string;
    'data-dir': string;
    token?: string | undefined;
    'token-for-reads': boolean;
    'node-name'?: string | undefined;
  };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        http: { type: 'string', default: '127.0.0.1:8500' },
        dns: { type: 'string', default: '127.0.0.1:8600' },
        'data-dir': { type: 'string', default: './data/registry' },
        token: { type: 'string' },
        'token-for-reads': { type: 'boolean', default: false },
        'node-name': { type: 'string' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const token = values.token ?? process.env.SWITCHYARD_TOKEN;
  if (values['token-for-reads'] && !token) {
    throw new UsageError('--token-for-reads needs --token (or SWITCHYARD_TOKEN)');
  }
  const logger = createLogger('registry');
  const registry = await startRegistry({
    http: parseListenAddress('--http', values.http),
    dns: values.dns === 'off' ? false : parseListenAddress('--dns', values.dns),
    dataDir: values['data-dir'],
    token,
    requireTokenForReads: values['token-for-reads'],
    node: values['node-name'] ? { name: values['node-name'] } : undefined,
    logger,
  });
  process.stdout.write(
    `switchyard registry: HTTP (Consul API) ${registry.httpUrl}` +
      (registry.dnsPort === undefined
        ? ''
        : `, DNS ${values.dns.replace(/:\d+$/, '')}:${registry.dnsPort}`) +
      `, data ${values['data-dir']}${token ? ', token required for writes' : ''}\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  logger.info('shutting down');
  await registry.close();
  return 0;
}
