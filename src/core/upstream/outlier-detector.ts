import { systemClock, type Clock, type TimerHandle } from '../../resilience/clock.js';
import { parseDuration, type Duration } from '../../resilience/options.js';
import { describeValue, invalidOption } from './balancers/balancer-options.js';
import type { Endpoint } from './endpoint.js';

/**
 * How a request to an endpoint failed. `connect`, `reset` and `timeout` are local-origin
 * (gateway) failures; `5xx` is a response the endpoint sent.
 */
export type OutlierFailureKind = 'connect' | 'reset' | 'timeout' | '5xx';

export interface OutlierDetectorOptions {
  /** Consecutive 5xx responses that eject an endpoint (a `connect` failure counts too). 0 disables. Default 5. */
  readonly consecutive5xx?: number;
  /** Consecutive `connect`/`reset`/`timeout` failures that eject an endpoint. 0 disables. Default 1. */
  readonly consecutiveConnectFailures?: number;
  /** First ejection lasts this long; the n-th, n × as long. Default 30 s. */
  readonly baseEjectionTime?: Duration;
  /** Cap on one ejection (never below `baseEjectionTime`). Default 300 s. */
  readonly maxEjectionTime?: Duration;
  /** Most of the set that may be ejected at once, in percent (see the class doc). 0 disables ejection. Default 50. */
  readonly maxEjectionPercent?: number;
  readonly clock?: Clock;
}

/** One current ejection, for the admin API. `until` is in the detector clock's time. */
export interface EjectionInfo {
  readonly id: string;
  readonly until: number;
  readonly remainingMs: number;
  /** How many times in a row (net of decay) the endpoint has been ejected: the time multiplier. */
  readonly count: number;
}

interface HostState {
  endpoint: Endpoint;
  consecutive5xx: number;
  consecutiveLocal: number;
  ejected: boolean;
  until: number;
  /** Ejection multiplier; decays by one per `baseEjectionTime` spent un-ejected. */
  count: number;
  /** Start of the current healthy stretch, from which `count` decays. */
  healthySince: number;
}

/**
 * Passive health checking with Envoy's outlier-detection semantics: an endpoint that fails N
 * times in a row is ejected for `baseEjectionTime × (times ejected)`, capped at
 * `maxEjectionTime`; the multiplier drops by one for each `baseEjectionTime` the endpoint then
 * stays un-ejected. One clock timer, for the soonest expiry, brings endpoints back.
 *
 * Never more than `maxEjectionPercent` of the set is ejected, with two adjustments: a set of two
 * or more may always eject one (so a 2-endpoint pool at 50% — or a 3-endpoint one at 10% — can
 * fail over), and one endpoint is always kept, even at 100%. So `available()` is never empty
 * while the set is not: when everything fails, traffic still goes somewhere (Envoy reaches the
 * same place through its panic threshold). A failing endpoint the cap keeps in service is ejected
 * on its next failure after room frees up.
 *
 * @example
 * const outliers = new OutlierDetector({ consecutive5xx: 5, baseEjectionTime: '30s' });
 * outliers.onChange((available) => balancer.update(available));
 * outliers.setEndpoints(endpoints);
 * // per response:
 * if (status >= 500) outliers.failure(ep, '5xx'); else outliers.success(ep);
 */
export class OutlierDetector {
  readonly #threshold5xx: number;
  readonly #thresholdLocal: number;
  readonly #base: number;
  readonly #max: number;
  readonly #maxCount: number;
  readonly #percent: number;
  readonly #clock: Clock;
  #hosts = new Map<string, HostState>();
  #order: HostState[] = [];
  #available: readonly Endpoint[] = [];
  #ejected = 0;
  #listeners: readonly ((available: readonly Endpoint[]) => void)[] = [];
  #timer: TimerHandle = undefined;
  #timerAt = Infinity;
  #stopped = false;
  readonly #onTimer = (): void => {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = this.#clock.now();
    let changed = false;
    for (const host of this.#order) {
      if (host.ejected && host.until <= now) {
        this.#uneject(host, now);
        changed = true;
      }
    }
    this.#schedule();
    if (changed) this.#changed();
  };

  constructor(options: OutlierDetectorOptions = {}) {
    this.#threshold5xx = count('consecutive5xx', options.consecutive5xx, 5);
    this.#thresholdLocal = count(
      'consecutiveConnectFailures',
      options.consecutiveConnectFailures,
      1,
    );
    this.#base = duration('baseEjectionTime', options.baseEjectionTime, 30_000);
    this.#max = Math.max(this.#base, duration('maxEjectionTime', options.maxEjectionTime, 300_000));
    this.#maxCount = this.#base > 0 ? Math.max(1, Math.ceil(this.#max / this.#base)) : 1;
    const percent = options.maxEjectionPercent ?? 50;
    if (typeof percent !== 'number' || !(percent >= 0 && percent <= 100)) {
      throw invalidOption('maxEjectionPercent', `expected 0..100, got ${String(percent)}`);
    }
    this.#percent = percent;
    const clock = options.clock ?? systemClock;
    if (typeof clock?.now !== 'function' || typeof clock.setTimeout !== 'function') {
      throw invalidOption('clock', 'expected a Clock (now, setTimeout, clearTimeout)');
    }
    this.#clock = clock;
  }

  /** Endpoints ejected right now. */
  get ejectedCount(): number {
    return this.#ejected;
  }

  /**
   * Replaces the endpoint set. Counters and ejections are kept by id; an endpoint that left and
   * comes back starts fresh. If the set shrank below what the cap allows, the ejections closest
   * to expiry end early.
   */
  setEndpoints(endpoints: readonly Endpoint[]): void {
    const hosts = new Map<string, HostState>();
    const order: HostState[] = [];
    const now = this.#clock.now();
    for (const endpoint of endpoints) {
      if (hosts.has(endpoint.id)) continue;
      const host = this.#hosts.get(endpoint.id) ?? {
        endpoint,
        consecutive5xx: 0,
        consecutiveLocal: 0,
        ejected: false,
        until: 0,
        count: 0,
        healthySince: now,
      };
      host.endpoint = endpoint;
      hosts.set(endpoint.id, host);
      order.push(host);
    }
    this.#hosts = hosts;
    this.#order = order;
    this.#ejected = order.filter((h) => h.ejected).length;
    while (this.#ejected > this.#maxEjectable()) {
      let soonest: HostState | undefined;
      for (const h of order) if (h.ejected && (!soonest || h.until < soonest.until)) soonest = h;
      this.#uneject(soonest!, now);
    }
    if (!this.#stopped) this.#schedule();
    this.#changed();
  }

  /** Records a successful response (any non-5xx status): the consecutive counters restart. */
  // hot path: one map lookup and two stores per request; no allocation.
  success(endpoint: Endpoint): void {
    const host = this.#hosts.get(endpoint.id);
    if (host === undefined) return;
    host.consecutive5xx = 0;
    host.consecutiveLocal = 0;
  }

  /** Records a failed request; ejects the endpoint if that makes N in a row. */
  failure(endpoint: Endpoint, kind: OutlierFailureKind): void {
    const host = this.#hosts.get(endpoint.id);
    if (host === undefined || host.ejected || this.#stopped) return;
    if (kind === '5xx') {
      host.consecutive5xx++;
      host.consecutiveLocal = 0; // the connection worked
    } else {
      host.consecutiveLocal++;
      if (kind === 'connect') host.consecutive5xx++; // Envoy counts it as a gateway 5xx too
    }
    const t5 = this.#threshold5xx;
    const tl = this.#thresholdLocal;
    if ((t5 > 0 && host.consecutive5xx >= t5) || (tl > 0 && host.consecutiveLocal >= tl)) {
      this.#eject(host);
    }
  }

  /**
   * The endpoints not ejected, in `setEndpoints` order. The same array (by reference) is
   * returned until the set changes, so the hot path may read it freely; never mutate it.
   */
  available(): readonly Endpoint[] {
    return this.#available;
  }

  isEjected(endpoint: Endpoint): boolean {
    return this.#hosts.get(endpoint.id)?.ejected ?? false;
  }

  /** Current ejections, soonest to end first. */
  ejections(): EjectionInfo[] {
    const now = this.#clock.now();
    return this.#order
      .filter((h) => h.ejected)
      .sort((a, b) => a.until - b.until)
      .map((h) => ({
        id: h.endpoint.id,
        until: h.until,
        remainingMs: Math.max(0, h.until - now),
        count: h.count,
      }));
  }

  /**
   * Calls `listener` with the new `available()` array whenever it changes (ejection, return,
   * `setEndpoints`). Returns a function that removes the listener.
   */
  onChange(listener: (available: readonly Endpoint[]) => void): () => void {
    this.#listeners = [...this.#listeners, listener];
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  /** Cancels the timer. Ejections in place stay until the next `setEndpoints`; failures are ignored. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }

  #maxEjectable(): number {
    const n = this.#order.length;
    if (n < 2 || this.#percent === 0) return 0;
    return Math.min(n - 1, Math.max(1, Math.floor((n * this.#percent) / 100)));
  }

  #eject(host: HostState): void {
    if (this.#ejected >= this.#maxEjectable()) return;
    const now = this.#clock.now();
    const decayed = this.#base > 0 ? Math.floor((now - host.healthySince) / this.#base) : 0;
    host.count = Math.min(this.#maxCount, Math.max(0, host.count - decayed) + 1);
    host.until = now + Math.min(this.#base * host.count, this.#max);
    host.ejected = true;
    host.consecutive5xx = 0;
    host.consecutiveLocal = 0;
    this.#ejected++;
    this.#schedule();
    this.#changed();
  }

  #uneject(host: HostState, now: number): void {
    host.ejected = false;
    host.healthySince = now;
    host.consecutive5xx = 0;
    host.consecutiveLocal = 0;
    this.#ejected--;
  }

  /** Keeps one timer, set for the soonest ejection to end. */
  #schedule(): void {
    let at = Infinity;
    for (const h of this.#order) if (h.ejected && h.until < at) at = h.until;
    if (at === this.#timerAt) return;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = at;
    if (at !== Infinity) {
      this.#timer = this.#clock.setTimeout(this.#onTimer, Math.max(0, at - this.#clock.now()));
    }
  }

  /** Rebuilds `available()` and tells listeners, unless it holds the same endpoints as before. */
  #changed(): void {
    const next: Endpoint[] = [];
    for (const h of this.#order) if (!h.ejected) next.push(h.endpoint);
    const prev = this.#available;
    if (next.length === prev.length && next.every((ep, i) => ep === prev[i])) return;
    this.#available = next;
    for (const listener of this.#listeners) listener(next);
  }
}

function count(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw invalidOption(option, `expected an integer >= 0, got ${describeValue(value)}`);
  }
  return value;
}

function duration(option: string, value: Duration | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  try {
    return parseDuration(option, value);
  } catch (error) {
    throw invalidOption(option, (error as Error).message);
  }
}
