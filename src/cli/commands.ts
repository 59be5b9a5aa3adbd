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
};
