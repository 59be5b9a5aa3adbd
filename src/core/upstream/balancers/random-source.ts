import { invalidOption } from './balancer-options.js';

const TWO_POW_30 = 1073741824;

/**
 * The random numbers a balancer draws per pick. By default an xorshift32 generator whose state
 * lives in an `Int32Array`: `Math.random()` allocates a 16-byte heap number per call on Node 20
 * (measured), which a per-request pick must not. Seed it for reproducible tests, or inject any
 * `() => number` in [0, 1) (that path may allocate; it is for tests).
 *
 * Both methods return small integers, so their results are never boxed either.
 *
 * @example
 * const rng = new RandomSource(undefined, 42);
 * rng.index(10); // an integer in [0, 10)
 */
export class RandomSource {
  readonly #state = new Int32Array(1);
  readonly #external: (() => number) | undefined;

  constructor(random?: () => number, seed?: number) {
    if (random !== undefined && typeof random !== 'function') {
      throw invalidOption('random', 'expected a function returning a number in [0, 1)');
    }
    if (seed !== undefined && (typeof seed !== 'number' || !Number.isFinite(seed))) {
      throw invalidOption('seed', `expected a finite number, got ${String(seed)}`);
    }
    this.#external = random;
    // a zero state would stay zero forever; scramble so nearby seeds give unrelated streams
    let s = Math.imul((seed ?? Math.random() * 4294967296) | 0, 0x9e3779b1) ^ 0x5bd1e995;
    s ^= s >>> 15;
    this.#state[0] = s === 0 ? 0x2545f491 : s;
  }

  /** A uniform integer in [0, n), n ≥ 1. hot path: no allocation. */
  index(n: number): number {
    const i = Math.floor((this.next30() * n) / TWO_POW_30);
    return i < n ? i : n - 1;
  }

  /** A uniform integer in [0, 2^30) (small enough to stay an unboxed small integer). */
  next30(): number {
    const external = this.#external;
    if (external !== undefined) {
      const u = Math.floor(external() * TWO_POW_30);
      return u < 0 ? 0 : u < TWO_POW_30 ? u : TWO_POW_30 - 1;
    }
    const state = this.#state;
    let x = state[0]!;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    state[0] = x;
    return x >>> 2;
  }
}
