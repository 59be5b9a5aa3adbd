/**
 * An upstream endpoint: one address a request can be sent to, plus the live counters that
 * balancers and outlier detection read. Shared by the gateway and the client SDK, which is why it
 * lives in `core` (the client may import only `core` and `resilience`).
 *
 * Endpoints are mutable on purpose: the proxy increments `inflight` and records latency on the
 * same object the balancer reads, with no lookups or allocation per request.
 */
export interface EndpointSpec {
  /** Stable identity across updates (registry instance ID, or `host:port`). */
  readonly id: string;
  /** Origin, e.g. `http://127.0.0.1:8002` (no path). */
  readonly url: string;
  /** Relative weight for weighted balancers; default 1. */
  readonly weight?: number;
  readonly tags?: readonly string[];
  readonly meta?: Readonly<Record<string, string>>;
}

export class Endpoint {
  readonly id: string;
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly protocol: 'http:' | 'https:';
  readonly weight: number;
  readonly tags: readonly string[];
  readonly meta: Readonly<Record<string, string>>;
  /** Requests sent and not yet finished (least-request, peak-EWMA). */
  inflight = 0;
  /** Peak-EWMA latency estimate in ms (0 = no sample yet). */
  ewmaMs = 0;
  /** Clock time (ms) of the last EWMA update. */
  ewmaAt = 0;

  constructor(spec: EndpointSpec) {
    const u = new URL(spec.url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      throw new TypeError(`endpoint ${spec.id}: url must be http(s), got ${spec.url}`);
    }
    this.id = spec.id;
    this.url = u.origin;
    this.protocol = u.protocol;
    this.host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
    this.port = u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
    this.weight = spec.weight ?? 1;
    this.tags = spec.tags ?? [];
    this.meta = spec.meta ?? {};
  }
}

/** Builds an `EndpointSpec` from a URL string, with `host:port` as the id. */
export function endpointSpecFromUrl(url: string, weight?: number): EndpointSpec {
  const u = new URL(url);
  return { id: u.host, url: u.origin, ...(weight !== undefined && { weight }) };
}
