import type { Endpoint } from '../endpoint.js';
import type { RandomSource } from './random-source.js';

const TWO_POW_30 = 1073741824;

/**
 * The endpoint set every balancer keeps: the endpoints in the caller's order (duplicate ids
 * dropped), their weights in a typed array, and an id → index map so `avoid` is found in O(1)
 * even when the caller passes a different object for the same endpoint.
 *
 * Built once per `update()`; balancers read it on every pick without allocating. `draw` picks an
 * index in proportion to weight, leaving out up to two indices (the endpoint to avoid, and a
 * power-of-two-choices balancer's first candidate): O(1) through Vose's alias table, falling back
 * to a binary search over cumulative weights when the left-out share keeps being hit.
 *
 * @example
 * const list = new EndpointList();
 * list.set(endpoints);
 * const i = list.indexOf(avoid); // -1 when absent
 */
export class EndpointList {
  items: readonly Endpoint[] = [];
  weights: Float64Array = new Float64Array(0);
  /** cumulative[i] = weights[0] + … + weights[i]. */
  cumulative: Float64Array = new Float64Array(0);
  /** Alias table: slot i keeps i when a 30-bit draw is below aliasCut[i], else aliasOf[i]. */
  aliasCut: Float64Array = new Float64Array(0);
  aliasOf: Int32Array = new Int32Array(0);
  totalWeight = 0;
  /** True when every weight is equal, so weight-aware balancers may take a cheaper path. */
  uniformWeights = true;
  #index = new Map<string, number>();

  set(endpoints: readonly Endpoint[]): void {
    const index = new Map<string, number>();
    const items: Endpoint[] = [];
    for (const ep of endpoints) {
      if (index.has(ep.id)) continue;
      index.set(ep.id, items.length);
      items.push(ep);
    }
    const weights = new Float64Array(items.length);
    const cumulative = new Float64Array(items.length);
    let total = 0;
    let uniform = true;
    for (let i = 0; i < items.length; i++) {
      const w = weightOf(items[i]!);
      weights[i] = w;
      cumulative[i] = total += w;
      if (w !== weights[0]) uniform = false;
    }
    this.items = items;
    this.weights = weights;
    this.cumulative = cumulative;
    this.#buildAlias(weights, total);
    this.totalWeight = total;
    this.uniformWeights = uniform;
    this.#index = index;
  }

  /** Index of the endpoint with `ep.id`, or -1 (also for `undefined`). */
  indexOf(ep: Endpoint | undefined): number {
    if (ep === undefined) return -1;
    const i = this.#index.get(ep.id);
    return i === undefined ? -1 : i;
  }

  /**
   * An index drawn in proportion to weight, never `skipA` or `skipB` (-1 for none). The caller
   * guarantees some other index exists.
   *
   * hot path: O(1) expected (two random draws per try); no allocation.
   */
  draw(random: RandomSource, skipA: number, skipB: number): number {
    // rejection over the alias table is exact, and O(1) while the left-out share is small
    // (measured faster than the search even at 3 endpoints)
    const n = this.aliasOf.length;
    for (let tries = 0; tries < 4; tries++) {
      const slot = random.index(n);
      const i = random.next30() < this.aliasCut[slot]! ? slot : this.aliasOf[slot]!;
      if (i !== skipA && i !== skipB) return i;
    }
    return this.drawBySearch(random, skipA, skipB);
  }

  /** `draw` by binary search over `cumulative`: exact, O(log n), one random draw. */
  drawBySearch(random: RandomSource, skipA: number, skipB: number): number {
    const weights = this.weights;
    const cumulative = this.cumulative;
    const n = cumulative.length;
    const lo = skipA < skipB ? skipA : skipB;
    const hi = skipA < skipB ? skipB : skipA;
    let total = this.totalWeight;
    if (lo >= 0) total -= weights[lo]!;
    if (hi >= 0 && hi !== lo) total -= weights[hi]!;
    // draw over the remaining weight, then step over the left-out intervals (in ascending order)
    let r = (random.next30() / TWO_POW_30) * total;
    if (lo >= 0 && r >= cumulative[lo]! - weights[lo]!) r += weights[lo]!;
    if (hi >= 0 && hi !== lo && r >= cumulative[hi]! - weights[hi]!) r += weights[hi]!;
    let a = 0;
    let b = n - 1;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (cumulative[mid]! > r) b = mid;
      else a = mid + 1;
    }
    // float rounding can land on a left-out edge: take the nearest allowed neighbour
    for (let d = 0; d < n; d++) {
      if (a + d < n && a + d !== lo && a + d !== hi) return a + d;
      if (a - d >= 0 && a - d !== lo && a - d !== hi) return a - d;
    }
    return a;
  }

  /** Vose's alias method: n slots, each split between at most two endpoints. */
  #buildAlias(weights: Float64Array, total: number): void {
    const n = weights.length;
    const cut = new Float64Array(n);
    const alias = new Int32Array(n);
    const scaled = weights.map((w) => (w * n) / total);
    const small: number[] = [];
    const large: number[] = [];
    for (let i = 0; i < n; i++) (scaled[i]! < 1 ? small : large).push(i);
    while (small.length > 0 && large.length > 0) {
      const s = small.pop()!;
      const l = large.pop()!;
      cut[s] = scaled[s]! * TWO_POW_30;
      alias[s] = l;
      const rest = scaled[l]! + scaled[s]! - 1;
      scaled[l] = rest;
      (rest < 1 ? small : large).push(l);
    }
    // leftovers are 1 up to rounding: they keep their whole slot
    for (const i of [...large, ...small]) {
      cut[i] = TWO_POW_30;
      alias[i] = i;
    }
    this.aliasCut = cut;
    this.aliasOf = alias;
  }
}

/**
 * An endpoint's balancing weight. Weights must be positive and finite (the config layer validates
 * them); anything else counts as 1 rather than silently starving or flooding an endpoint.
 *
 * @example
 * weightOf(new Endpoint({ id: 'a', url: 'http://a', weight: 3 })); // 3
 */
export function weightOf(ep: Endpoint): number {
  const w = ep.weight;
  return w > 0 && w < Infinity ? w : 1;
}
