/**
 * Every default of the gateway config, in one place: `normalize` applies them, the schema
 * publishes them in the JSON Schema, and docs/reference/gateway-config.md lists them.
 * Durations in ms, sizes in bytes.
 */
export const DEFAULTS = {
  /** Host used when a listen address gives only a port (`:8080` or `8080`). */
  host: '127.0.0.1',
  admin: { host: '127.0.0.1', port: 9901 },
  adminListen: '127.0.0.1:9901',
  workers: 1,
  limits: {
    maxHeaderSize: 16 * 1024,
    maxBodySize: 10 * 1024 * 1024,
    requestTimeout: 60_000,
    headersTimeout: 10_000,
    keepAliveTimeout: 5_000,
    drainTimeout: 30_000,
  },
  accessLog: true,
  reloadWatch: true,
  http2: false,
  tlsMinVersion: 'TLSv1.2',
  balancer: 'round-robin',
  targetWeight: 1,
  discoveryPassingOnly: true,
  dnsInterval: 5_000,
  circuitBreaker: { failureThreshold: 5, cooldown: 30_000, successThreshold: 2 },
  outlierDetection: {
    consecutive5xx: 5,
    consecutiveConnectFailures: 1,
    baseEjectionTime: 30_000,
    maxEjectionTime: 300_000,
    maxEjectionPercent: 50,
  },
  healthCheck: {
    path: '/health',
    interval: 5_000,
    timeout: 2_000,
    healthyThreshold: 2,
    unhealthyThreshold: 2,
    expectStatus: [[200, 399]] as [number, number][],
  },
  pool: { connections: 128, keepAliveTimeout: 30_000 },
  tlsRejectUnauthorized: true,
  timeouts: { connect: 5_000, read: 30_000 },
  /** `attempts` when a route has no `retries` (1 = no retries). */
  attemptsWithoutRetries: 1,
  /** `attempts` when a route has a `retries` block without `attempts`. */
  attemptsWithRetries: 3,
  retryOn: ['connect-failure', 'reset', '5xx'] as const,
  backoff: { base: 25, max: 250 },
  budget: { ratio: 0.2, minPerSecond: 10 },
  nonIdempotent: false,
  websocket: true,
} as const;
