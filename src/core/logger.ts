/**
 * A minimal structured logger: one JSON line per event on stderr (`{"time","level","name","msg",...}`),
 * so output is machine-readable from day one. The telemetry part may later put pino behind the same
 * interface; callers depend only on `Logger`.
 */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

/** A logger named `name` writing lines at or above `level` (default from SWITCHYARD_LOG_LEVEL, else info). */
export function createLogger(
  name: string,
  level: LogLevel = (process.env.SWITCHYARD_LOG_LEVEL as LogLevel | undefined) ?? 'info',
  write: (line: string) => void = (line) => process.stderr.write(line),
): Logger {
  const min = RANK[level] ?? RANK.info;
  const log =
    (lvl: Exclude<LogLevel, 'silent'>) => (msg: string, fields?: Record<string, unknown>) => {
      if (RANK[lvl] < min) return;
      write(
        `${JSON.stringify({ time: new Date().toISOString(), level: lvl, name, msg, ...fields })}\n`,
      );
    };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

/** A logger that drops everything (tests, embedded use). */
export const silentLogger: Logger = createLogger('silent', 'silent');
