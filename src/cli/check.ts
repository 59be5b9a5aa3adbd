import { parseArgs } from 'node:util';
import { formatProblem } from '../gateway/config/config-error.js';
import { loadGatewayConfig } from '../gateway/config/load-config.js';
import { ConfigError } from '../gateway/config/config-error.js';
import { redactConfig } from '../gateway/config/redact.js';
import { precedenceReason, routePrecedence } from '../gateway/config/route-precedence.js';
import type { GatewayConfig, RouteConfig, ServiceConfig } from '../gateway/config/types.js';
import { UsageError } from './usage-error.js';

/**
 * `switchyard check <file> [--routes] [--json]`: validates a gateway config without starting
 * anything. Exit 0 and a summary when valid; exit 1 and every problem (`file:line:col path:
 * message`, on stderr) when not; exit 2 on a usage error.
 */
export async function run(args: string[]): Promise<number> {
  let parsed: { values: { routes: boolean; json: boolean }; positionals: string[] };
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        routes: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const [file, ...extra] = parsed.positionals;
  if (file === undefined)
    throw new UsageError('check needs a config file: switchyard check gateway.yaml');
  if (extra.length > 0) throw new UsageError(`check takes one file, got also: ${extra.join(' ')}`);

  let config: GatewayConfig;
  try {
    config = await loadGatewayConfig(file);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const n = error.problems.length;
    process.stderr.write(
      `${error.problems.map(formatProblem).join('\n')}\n${file}: ${n} problem${n === 1 ? '' : 's'}\n`,
    );
    return 1;
  }
  if (parsed.values.json) {
    process.stdout.write(`${JSON.stringify(redactConfig(config), null, 2)}\n`);
  } else if (parsed.values.routes) {
    process.stdout.write(routeTable(config.routes, true));
  } else {
    process.stdout.write(summary(file, config));
  }
  return 0;
}

function summary(file: string, config: GatewayConfig): string {
  const services = Object.values(config.services);
  const lines = [
    `${file}: valid`,
    `  listen    ${address(config.listen)}${config.listen.tls ? ' (TLS)' : ''}${config.listen.http2 ? ' (HTTP/2)' : ''}`,
    `  admin     ${config.admin ? address(config.admin) + (config.admin.token ? ' (token)' : '') : 'off'}`,
    `  registry  ${config.registry?.address ?? 'none'}`,
    `  workers   ${config.workers}`,
    `  services  ${services.length}`,
    ...services.map((s) => `    ${s.name}: ${describeService(s)}`),
    `  routes    ${config.routes.length}, in precedence order:`,
  ];
  return `${lines.join('\n')}\n${routeTable(config.routes, false)}`;
}

function address(a: { host: string; port: number }): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

function describeService(s: ServiceConfig): string {
  const source =
    s.source.kind === 'static'
      ? `${s.source.targets.length} target${s.source.targets.length === 1 ? '' : 's'}`
      : s.source.kind === 'dns'
        ? `dns ${s.source.type} ${s.source.name}`
        : `registry "${s.source.service}"${s.source.passingOnly ? ' (passing only)' : ''}`;
  return `${source}, ${s.balancer}`;
}

/** The routes in precedence order as an aligned table; `why` adds the reason column. */
function routeTable(routes: readonly RouteConfig[], why: boolean): string {
  const header = ['#', 'name', 'match', 'host', 'method', 'headers', 'service'];
  if (why) header.push('why here');
  const rows = routePrecedence(routes).map((r, i) => {
    const row = [
      String(i + 1),
      r.name,
      `${r.match.type} ${r.match.path}`,
      r.match.hosts.join(',') || '*',
      r.match.methods.join(',') || '*',
      r.match.headers
        .map((h) => (h.kind === 'present' ? h.name : `${h.name}(${h.kind})`))
        .join(',') || '-',
      r.service,
    ];
    if (why) row.push(precedenceReason(r));
    return row;
  });
  if (rows.length === 0) return '    (no routes: every request gets 404)\n';
  const table = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
  return table
    .map(
      (row) =>
        `    ${row.map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ')}`,
    )
    .join('\n')
    .concat('\n');
}
