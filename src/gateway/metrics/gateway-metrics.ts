import type { Snapshot } from '../runtime/snapshot.js';
import type { MetricFamily, Sample } from './metric-families.js';
import { LATENCY_BUCKETS } from './route-stats.js';

/** Counters that are not per route: answers the gateway gave itself, reloads. */
export class GatewayCounters {
  /** `code` → count, for 4xx/5xx the gateway answered without an upstream. */
  readonly local = new Map<string, { status: number; count: number }>();
  reloadsOk = 0;
  reloadsFailed = 0;

  countLocal(code: string, status: number): void {
    const entry = this.local.get(code);
    if (entry === undefined) this.local.set(code, { status, count: 1 });
    else entry.count++;
  }
}

const BREAKER_STATES = ['CLOSED', 'OPEN', 'HALF_OPEN', 'ISOLATED'] as const;

/** Every gateway metric family, read from the live snapshot and counters. */
export function collectGatewayMetrics(
  snapshot: Snapshot,
  counters: GatewayCounters,
): MetricFamily[] {
  const requests: Sample[] = [];
  const duration: Sample[] = [];
  const retries: Sample[] = [];
  const inflight: Sample[] = [];
  for (const route of snapshot.routes) {
    const s = route.stats;
    const labels = { route: s.route, service: s.service };
    for (const [status, count] of s.byStatus) {
      requests.push({ labels: { ...labels, status: String(status) }, value: count });
    }
    let cumulative = 0;
    LATENCY_BUCKETS.forEach((le, i) => {
      cumulative += s.buckets[i]!;
      duration.push({
        labels: { ...labels, le: String(le) },
        value: cumulative,
        suffix: '_bucket',
      });
    });
    cumulative += s.buckets[LATENCY_BUCKETS.length]!;
    duration.push({ labels: { ...labels, le: '+Inf' }, value: cumulative, suffix: '_bucket' });
    duration.push({ labels, value: s.latencySumMs / 1000, suffix: '_sum' });
    duration.push({ labels, value: s.count, suffix: '_count' });
    retries.push({ labels: { route: s.route }, value: s.retries });
    inflight.push({ labels: { route: s.route }, value: s.inflight });
  }

  const endpoints: Sample[] = [];
  const breaker: Sample[] = [];
  for (const svc of snapshot.services.values()) {
    const total = svc.endpoints.length;
    const available = svc.available.length;
    const ejected = svc.outlier?.ejectedCount ?? 0;
    endpoints.push(
      { labels: { service: svc.name, state: 'available' }, value: available },
      { labels: { service: svc.name, state: 'ejected' }, value: ejected },
      { labels: { service: svc.name, state: 'total' }, value: total },
    );
    if (svc.breaker !== undefined) {
      const state = svc.breaker.state;
      for (const s of BREAKER_STATES) {
        breaker.push({ labels: { service: svc.name, state: s }, value: state === s ? 1 : 0 });
      }
    }
  }

  const local: Sample[] = [...counters.local].map(([code, e]) => ({
    labels: { code, status: String(e.status) },
    value: e.count,
  }));

  return [
    {
      name: 'switchyard_gateway_requests_total',
      help: 'Proxied requests by route, service and status.',
      type: 'counter',
      samples: requests,
    },
    {
      name: 'switchyard_gateway_request_duration_seconds',
      help: 'Time from request to the end of the response, by route.',
      type: 'histogram',
      samples: duration,
    },
    {
      name: 'switchyard_gateway_retries_total',
      help: 'Retries sent, by route.',
      type: 'counter',
      samples: retries,
    },
    {
      name: 'switchyard_gateway_requests_in_flight',
      help: 'Requests being proxied now, by route.',
      type: 'gauge',
      samples: inflight,
    },
    {
      name: 'switchyard_gateway_local_responses_total',
      help: 'Answers the gateway gave itself (no route, bad path, limits), by code.',
      type: 'counter',
      samples: local,
    },
    {
      name: 'switchyard_gateway_upstream_endpoints',
      help: 'Endpoints per service: total, available (healthy and not ejected), ejected by outlier detection.',
      type: 'gauge',
      samples: endpoints,
      merge: 'max',
    },
    {
      name: 'switchyard_gateway_circuit_breaker_state',
      help: "1 for the service breaker's current state (summed over workers).",
      type: 'gauge',
      samples: breaker,
    },
    {
      name: 'switchyard_gateway_config_reloads_total',
      help: 'Config reloads by result.',
      type: 'counter',
      samples: [
        { labels: { result: 'success' }, value: counters.reloadsOk },
        { labels: { result: 'failure' }, value: counters.reloadsFailed },
      ],
    },
  ];
}
