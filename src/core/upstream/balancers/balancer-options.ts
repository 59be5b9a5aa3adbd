import { SwitchyardError } from '../../errors.js';

/**
 * Options every balancer accepts (each reads the ones it needs; the rest are ignored).
 *
 * @example
 * createBalancer('consistent-hash', { virtualNodes: 100 });
 * createBalancer('random', { seed: 42 }); // reproducible
 */
export interface BalancerOptions {
  /**
   * Uniform source in [0, 1), for tests. By default balancers use their own allocation-free
   * generator (see `RandomSource`); an injected function may allocate per pick.
   */
  readonly random?: () => number;
  /** Seed for the built-in generator, for reproducible runs. Default: from `Math.random`. */
  readonly seed?: number;
  /** consistent-hash: ring points per unit of weight. Default 160 (as Envoy/ketama-style rings). */
  readonly virtualNodes?: number;
  /** consistent-hash: cap on ring points; past it every endpoint's share is scaled down. Default 2^20. */
  readonly maxRingSize?: number;
  /**
   * peak-ewma: time constant (ms) with which an idle endpoint's latency estimate decays toward 0,
   * so a once-slow endpoint is tried again. Use the same value as `requestFinished`. Default 10 s.
   */
  readonly decayMs?: number;
}

/** The error balancers and the outlier detector throw for a bad option (`details.option`). */
export function invalidOption(option: string, detail: string): SwitchyardError {
  return new SwitchyardError(
    'SY_UPSTREAM_INVALID_OPTION',
    `invalid option "${option}": ${detail}`,
    {
      details: { option },
    },
  );
}

/** `value`, or `fallback` when undefined; throws unless it is a finite number >= `min`. */
export function numberOption(
  option: string,
  value: unknown,
  fallback: number,
  min: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw invalidOption(option, `expected a number >= ${min}, got ${describeValue(value)}`);
  }
  return value;
}

/** A short, safe description of a bad option value for an error message. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null)
    return String(value);
  return typeof value;
}
