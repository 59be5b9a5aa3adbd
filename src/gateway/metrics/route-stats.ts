/** Latency histogram bounds in seconds (Prometheus `le` labels). */
export const LATENCY_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;
const BOUNDS_MS = LATENCY_BUCKETS.map((s) => s * 1000);

/**
 * Per-route counters, kept as plain numbers and rendered by the metrics collector at scrape time:
 * recording a request is a Map update and a short bucket scan, with no label hashing.
 */
export class RouteStats {
  readonly route: string;
  readonly service: string;
  /** status code → count */
  readonly byStatus = new Map<number, number>();
  /** Non-cumulative bucket counts; the last slot is +Inf. */
  readonly buckets = new Float64Array(LATENCY_BUCKETS.length + 1);
  latencySumMs = 0;
  count = 0;
  retries = 0;
  inflight = 0;

  constructor(route: string, service: string) {
    this.route = route;
    this.service = service;
  }

  // hot path: once per finished request
  record(status: number, latencyMs: number): void {
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
    let i = 0;
    while (i < BOUNDS_MS.length && latencyMs > BOUNDS_MS[i]!) i++;
    this.buckets[i]!++;
    this.latencySumMs += latencyMs;
    this.count++;
  }

  /** Snapshot for the admin API and the dashboard. */
  toJSON(): object {
    return {
      route: this.route,
      service: this.service,
      requests: this.count,
      inflight: this.inflight,
      retries: this.retries,
      byStatus: Object.fromEntries(this.byStatus),
      latency: { sumMs: this.latencySumMs, buckets: Array.from(this.buckets) },
    };
  }
}
