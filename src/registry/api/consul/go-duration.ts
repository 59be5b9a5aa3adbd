/**
 * Go's duration syntax, as Consul's clients send it (`10s`, `1m30s`, `500ms`, `1.5h`, `0`) and as
 * Consul prints it (`1m30s`, `1h0m0s`). Switchyard keeps durations as milliseconds; only the
 * Consul translator speaks Go durations.
 */

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3, // U+00B5 micro sign
  μs: 1e-3, // U+03BC Greek mu, which Go also accepts
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;
const MAX_TEXT = 64;

/**
 * Parses a non-negative Go duration to milliseconds; undefined when malformed or negative.
 *
 * @example
 * parseGoDuration('1m30s'); // 90000
 * parseGoDuration('250ms'); // 250
 * parseGoDuration('10'); // undefined (Go needs a unit, except for "0")
 */
export function parseGoDuration(text: string): number | undefined {
  if (text.length === 0 || text.length > MAX_TEXT) return undefined;
  let s = text;
  if (s[0] === '+') s = s.slice(1);
  if (s === '0') return 0;
  let total = 0;
  let at = 0;
  while (at < s.length) {
    PART.lastIndex = at;
    const m = PART.exec(s);
    if (!m) return undefined;
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    at = PART.lastIndex;
  }
  return at === 0 || !Number.isFinite(total) ? undefined : total;
}

/**
 * Formats milliseconds the way Go's `time.Duration.String()` does, which is what Consul shows.
 *
 * @example
 * formatGoDuration(90_000); // '1m30s'
 * formatGoDuration(3_600_000); // '1h0m0s'
 * formatGoDuration(500); // '500ms'
 */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return ms >= 1 ? `${trim(ms)}ms` : `${trim(ms * 1000)}µs`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = (ms % 60_000) / 1000;
  if (hours > 0) return `${hours}h${minutes}m${trim(seconds)}s`;
  if (minutes > 0) return `${minutes}m${trim(seconds)}s`;
  return `${trim(seconds)}s`;
}

/** Drops float noise (0.1 + 0.2) and trailing zeros, as Go's integer arithmetic never shows any. */
function trim(n: number): string {
  return String(Number(n.toFixed(6)));
}
