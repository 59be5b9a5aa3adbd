import { SwitchyardError } from '../../core/errors.js';

/**
 * One thing wrong with a config file. `line`/`column` are 1-based; 0 means the problem concerns
 * the whole file (unreadable, too large, empty). `path` is `routes[2].service` style, `''` for
 * the document itself.
 */
export interface ConfigProblem {
  file: string;
  line: number;
  column: number;
  path: string;
  message: string;
}

/** How many problems the error message spells out; `problems` always holds them all. */
const MESSAGE_PROBLEMS = 50;

/**
 * Formats a problem as `file:line:col path: message`.
 *
 * @example formatProblem(p) // 'gateway.yaml:14:14 routes[2].service: unknown service "paymnt"'
 */
export function formatProblem(p: ConfigProblem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}:${p.column}` : p.file;
  return p.path ? `${where} ${p.path}: ${p.message}` : `${where}: ${p.message}`;
}

/**
 * A gateway config that cannot be used, with every problem found (not just the first).
 *
 * @example
 * try { await loadGatewayConfig('gateway.yaml') } catch (e) {
 *   if (e instanceof ConfigError) for (const p of e.problems) console.error(formatProblem(p));
 * }
 */
export class ConfigError extends SwitchyardError {
  readonly file: string;
  readonly problems: readonly ConfigProblem[];

  constructor(file: string, problems: readonly ConfigProblem[]) {
    const shown = problems.slice(0, MESSAGE_PROBLEMS).map(formatProblem);
    if (problems.length > shown.length) shown.push(`… and ${problems.length - shown.length} more`);
    const count = `${problems.length} problem${problems.length === 1 ? '' : 's'}`;
    super(
      'SY_GW_CONFIG_INVALID',
      `invalid gateway config ${file} (${count}):\n${shown.join('\n')}`,
      {
        details: { file, problems },
      },
    );
    this.file = file;
    this.problems = problems;
  }
}
