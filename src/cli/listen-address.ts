import { UsageError } from './usage-error.js';

/** A `host:port` (or `:port`, or `[v6]:port`) flag value; the host defaults to loopback. */
export function parseListenAddress(flag: string, value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) {
    throw new UsageError(`${flag}: expected host:port (e.g. 127.0.0.1:8500), got "${value}"`);
  }
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}
