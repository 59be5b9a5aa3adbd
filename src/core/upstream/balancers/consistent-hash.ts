import type { Balancer } from '../balancer.js';
import type { Endpoint } from '../endpoint.js';
import { invalidOption, numberOption, type BalancerOptions } from './balancer-options.js';
import { EndpointList } from './endpoint-list.js';
import { RandomSource } from './random-source.js';

/** Owner ranks are packed below the 32-bit hash in one float64 to sort the ring in one pass. */
const RANK_BITS = 2 ** 20;

/**
 * 32-bit hash of a string: FNV-1a over its UTF-16 code units, then murmur3's finalizer for
 * avalanche (FNV-1a alone clusters keys that differ only in their last characters). The same
 * key gives the same value in every process, so the gateway and the client SDK agree.
 *
 * hot path: no allocation (reads `charCodeAt`, integer math only).
 *
 * @example
 * hashKey32('user-42'); // an integer in [0, 2^32)
 */
export function hashKey32(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
}

/** murmur3 fmix32: a bijection on 32-bit integers that spreads every input bit. */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Consistent hashing on a ring (ketama / Envoy ring-hash style). Each endpoint owns
 * `virtualNodes × weight` points at positions derived from its id alone, so positions survive
 * every `update()` and adding or removing one of N endpoints moves only ~1/N of the keys. A key
 * goes to the owner of the first point at or after `hashKey32(key)`.
 *
 * Without a `hashKey` a pick lands on a random point (so traffic still follows weights). With `avoid`, the walk continues clockwise
 * to the next point owned by another endpoint, which is where the key would go if `avoid` left.
 *
 * @example
 * const lb = new ConsistentHashBalancer();
 * lb.update(endpoints);
 * lb.pick('session-8f2c'); // the same endpoint every time while it stays in the set
 */
export class ConsistentHashBalancer implements Balancer {
  readonly kind = 'consistent-hash';
  readonly #list = new EndpointList();
  readonly #random: RandomSource;
  readonly #virtualNodes: number;
  readonly #maxRingSize: number;
  /** Sorted point positions. */
  #ring = new Uint32Array(0);
  /** Owner of each point, as an index into `#owners`. */
  #ringOwner = new Uint32Array(0);
  /** Endpoints ordered by id, so ties between equal positions break the same way everywhere. */
  #owners: Endpoint[] = [];
  #rank = new Map<string, number>();

  constructor(options: BalancerOptions = {}) {
    this.#random = new RandomSource(options.random, options.seed);
    this.#virtualNodes = numberOption('virtualNodes', options.virtualNodes, 160, 1);
    this.#maxRingSize = numberOption('maxRingSize', options.maxRingSize, 2 ** 20, 1);
  }

  /** Number of points on the ring (for tests and the admin API). */
  get ringSize(): number {
    return this.#ring.length;
  }

  update(endpoints: readonly Endpoint[]): void {
    this.#list.set(endpoints);
    const list = this.#list;
    const n = list.items.length;
    if (n >= RANK_BITS) throw invalidOption('endpoints', `at most ${RANK_BITS - 1} endpoints`);
    const order = list.items.map((_, i) => i);
    order.sort((x, y) => (list.items[x]!.id < list.items[y]!.id ? -1 : 1));
    const counts = new Float64Array(n);
    let total = 0;
    for (let r = 0; r < n; r++) total += counts[r] = list.weights[order[r]!]! * this.#virtualNodes;
    const scale = total > this.#maxRingSize ? this.#maxRingSize / total : 1;
    total = 0;
    for (let r = 0; r < n; r++) total += counts[r] = Math.max(1, Math.round(counts[r]! * scale));

    const packed = new Float64Array(total);
    let k = 0;
    for (let r = 0; r < n; r++) {
      const seed = hashKey32(list.items[order[r]!]!.id);
      for (let j = 0; j < counts[r]!; j++) {
        packed[k++] = mix32(seed ^ Math.imul(j + 1, 0x9e3779b9)) * RANK_BITS + r;
      }
    }
    packed.sort();
    const ring = new Uint32Array(total);
    const ringOwner = new Uint32Array(total);
    for (let i = 0; i < total; i++) {
      const p = packed[i]!;
      const r = p % RANK_BITS;
      ringOwner[i] = r;
      ring[i] = (p - r) / RANK_BITS;
    }
    this.#ring = ring;
    this.#ringOwner = ringOwner;
    this.#owners = order.map((i) => list.items[i]!);
    this.#rank = new Map(this.#owners.map((ep, r) => [ep.id, r]));
  }

  // hot path: one string hash and a binary search over a Uint32Array, O(log n); no allocation.
  pick(hashKey?: string, avoid?: Endpoint): Endpoint | undefined {
    const owners = this.#owners;
    if (owners.length < 2) return owners[0];
    const ring = this.#ring;
    const size = ring.length;
    let lo = 0;
    if (hashKey === undefined) {
      lo = this.#random.index(size);
    } else {
      const h = hashKey32(hashKey);
      let hi = size;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (ring[mid]! < h) lo = mid + 1;
        else hi = mid;
      }
      if (lo === size) lo = 0;
    }
    let owner = this.#ringOwner[lo]!;
    if (avoid !== undefined) {
      const skip = this.#rank.get(avoid.id);
      // the ring holds points of at least two owners, so this walk ends within one lap
      while (owner === skip) {
        lo = lo + 1 === size ? 0 : lo + 1;
        owner = this.#ringOwner[lo]!;
      }
    }
    return owners[owner];
  }
}
