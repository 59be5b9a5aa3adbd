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
    summary: 'run the live demo (today: the resilience lab against a real local service)',
    usage: `Usage: switchyard demo [--rate N] [--duration S]

Starts a real HTTP service on a loopback port and calls it through the resilience
pipeline (timeout → retry → circuit breaker), injecting failures, so you can watch the
breaker trip on the 5th failure, fail fast through its cooldown, probe and close.

  --rate N       calls per second (default 20)
  --duration S   stop after S seconds (default: run until Ctrl-C)`,
    load: () => import('./demo.js'),
  },
};
