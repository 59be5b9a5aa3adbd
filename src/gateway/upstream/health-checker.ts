import { Agent, request } from 'undici';
import type { Endpoint } from '../../core/upstream/endpoint.js';
import type { UpstreamTls } from './pool-manager.js';

export interface HealthCheckOptions {
  readonly path: string;
  readonly interval: number;
  readonly timeout: number;
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
  /** Inclusive status ranges that count as healthy, e.g. [[200, 399]]. */
  readonly expectStatus: readonly (readonly [number, number])[];
}

interface State {
  healthy: boolean;
  streak: number;
}

/**
 * Active HTTP health checks: every `interval`, `GET path` on each endpoint; `unhealthyThreshold`
 * failures in a row mark it unhealthy, `healthyThreshold` successes in a row healthy again.
 * Endpoints start healthy (a new registry instance already passed the registry's own checks).
 */
export class HealthChecker {
  readonly #options: HealthCheckOptions;
  readonly #onChange: () => void;
  readonly #state = new Map<string, State>();
  #endpoints: readonly Endpoint[] = [];
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #closed = false;
  readonly #agent: Agent;

  constructor(options: HealthCheckOptions, onChange: () => void, tls?: UpstreamTls) {
    this.#options = options;
    this.#onChange = onChange;
    // Its own short-lived connections: a check must not queue behind proxied traffic.
    this.#agent = new Agent({ connect: { timeout: options.timeout, ...tls }, pipelining: 0 });
    this.#timer = setInterval(() => void this.runOnce(), options.interval);
    this.#timer.unref();
  }

  setEndpoints(endpoints: readonly Endpoint[]): void {
    this.#endpoints = endpoints;
    const ids = new Set(endpoints.map((e) => e.id));
    for (const id of this.#state.keys()) if (!ids.has(id)) this.#state.delete(id);
  }

  isHealthy(endpoint: Endpoint): boolean {
    return this.#state.get(endpoint.id)?.healthy ?? true;
  }

  /** Checks every endpoint once (the timer calls this; tests call it directly). */
  async runOnce(): Promise<void> {
    if (this.#running || this.#closed) return;
    this.#running = true;
    try {
      const results = await Promise.all(this.#endpoints.map((e) => this.#probe(e)));
      let changed = false;
      this.#endpoints.forEach((endpoint, i) => {
        if (this.#record(endpoint.id, results[i] === true)) changed = true;
      });
      if (changed && !this.#closed) this.#onChange();
    } finally {
      this.#running = false;
    }
  }

  status(): { id: string; healthy: boolean }[] {
    return this.#endpoints.map((e) => ({ id: e.id, healthy: this.isHealthy(e) }));
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
    void this.#agent.close().catch(() => undefined);
  }

  async #probe(endpoint: Endpoint): Promise<boolean> {
    try {
      const res = await request(endpoint.url + this.#options.path, {
        method: 'GET',
        headersTimeout: this.#options.timeout,
        bodyTimeout: this.#options.timeout,
        dispatcher: this.#agent,
        headers: { 'user-agent': 'switchyard-gateway-health-check' },
      });
      await res.body.dump();
      return this.#options.expectStatus.some(
        ([lo, hi]) => res.statusCode >= lo && res.statusCode <= hi,
      );
    } catch {
      return false;
    }
  }

  /** Returns true when the endpoint's health flipped. */
  #record(id: string, ok: boolean): boolean {
    let state = this.#state.get(id);
    if (state === undefined) this.#state.set(id, (state = { healthy: true, streak: 0 }));
    if (ok === state.healthy) {
      state.streak = 0;
      return false;
    }
    state.streak++;
    const needed = ok ? this.#options.healthyThreshold : this.#options.unhealthyThreshold;
    if (state.streak < needed) return false;
    state.healthy = ok;
    state.streak = 0;
    return true;
  }
}
