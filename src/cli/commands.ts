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
