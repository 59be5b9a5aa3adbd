/** The subcommands: one file each, loaded only when run so `--help` stays instant. */
export interface CommandModule {
  run(args: string[]): Promise<number>;
}

export interface Command {
  summary: string;
  usage: string;
  load(): Promise<CommandModule>;
}

export const COMMANDS: Record<string, Command> = {
  registry: {
    summary: 'run the service registry (Consul-compatible HTTP API and DNS)',
    usage: `Usage: switchyard registry [--http 127.0.0.1:8500] [--dns 127.0.0.1:8600|off]
                          [--data-dir ./data/registry] [--token SECRET] [--token-for-reads]
                          [--node-name NAME]

Serves the Consul HTTP API (agent, health, catalog, KV, status; blocking queries) and
Consul DNS (NAME.service.consul, TAG.NAME.service.consul; A, AAAA, SRV) on loopback.
State lives in SQLite under --data-dir (":memory:" keeps nothing). With --token (or
SWITCHYARD_TOKEN) every write needs it as X-Consul-Token or "Authorization: Bearer".
SIGTERM or Ctrl-C stops it cleanly.`,
    load: () => import('./registry.js'),
  },
  gateway: {
    summary: 'run the API gateway from a YAML config',
    usage: `Usage: switchyard gateway --config gateway.yaml [--workers N]

Routes requests to upstream services (static targets, registry-discovered or DNS), with
load balancing, retries, timeouts, circuit breakers, outlier detection and active health
checks. The admin API (/status, /metrics, /config, POST /reload) listens where the config's
admin.listen says (loopback). The config reloads on file change, SIGHUP or POST /reload;
an invalid config is reported and the old one keeps serving. --workers N runs N processes
on one port. SIGTERM or Ctrl-C stops accepting, drains in-flight requests, then exits.
See docs/reference/gateway-config.md.`,
    load: () => import('./gateway.js'),
  },
  demo: {
    summary: 'run the live demo (a real service, a registry checking it, the breaker lab)',
    usage: `Usage: switchyard demo [--rate N] [--duration S]

Starts a real HTTP service on a loopback port, an in-memory registry that health-checks
it, and calls the service through the resilience pipeline (retry → circuit breaker →
timeout) while injecting failures, so you can watch the breaker trip on the 5th failure,
the registry mark the instance critical, and the breaker probe and close again.

  --rate N       calls per second (default 20)
  --duration S   stop after S seconds (default: run until Ctrl-C)`,
    load: () => import('./demo.js'),
  },
  check: {
    summary: 'validate a gateway config and show its routes in precedence order',
    usage: `Usage: switchyard check gateway.yaml [--routes] [--json]

Validates a gateway config (YAML syntax, every key and value, references between services
and routes, \${VAR} environment variables) without starting anything. Valid: prints a
summary and the route table in precedence order, exit 0. Invalid: prints every problem as
file:line:col path: message on stderr, exit 1.

  --routes   only the route table, with why each route sits where it does
  --json     the normalized config as JSON (defaults filled in, secrets redacted)

See docs/reference/gateway-config.md.`,
    load: () => import('./check.js'),
  },
};
