import { z } from 'zod';
import type { BalancerKind } from '../../../core/upstream/balancer.js';
import { DEFAULTS } from '../defaults.js';
import { duration, originUrl, withDefault } from './scalars.js';

/** Every balancer kind, in the order the docs list them. */
export const BALANCER_KINDS = [
  'round-robin',
  'weighted',
  'random',
  'least-request',
  'consistent-hash',
  'peak-ewma',
] as const satisfies readonly BalancerKind[];
// Fails to compile if `BalancerKind` gains a kind this list lacks.
const _allBalancers: Exclude<BalancerKind, (typeof BALANCER_KINDS)[number]> extends never
  ? true
  : never = true;

/** A service name: what routes refer to and (by default) what the registry is asked for. */
export const SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

const count = (min: number, max: number) => z.int().min(min).max(max);

const targetSchema = z.union([
  originUrl(),
  z.strictObject({
    url: originUrl(),
    weight: withDefault(count(1, 10_000), DEFAULTS.targetWeight),
  }),
]);

const discoverySchema = z.strictObject({
  service: z.string().regex(SERVICE_NAME).optional().meta({
    description: 'the name in the registry; default: this service key',
  }),
  tags: z.array(z.string().min(1)).optional(),
  passingOnly: withDefault(z.boolean(), DEFAULTS.discoveryPassingOnly),
});

const dnsSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9])?\.?$/, {
    error: 'expected a DNS name like api.internal or _http._tcp.api.service.consul',
  }),
  type: z.enum(['A', 'SRV']).optional().meta({ description: 'default: SRV if name starts with _' }),
  port: count(1, 65535).optional(),
  interval: withDefault(duration({ positive: true }), '5s'),
});

const HASH_ON =
  /^(?:(header):([!#$%&'*+.^_`|~0-9A-Za-z-]+)|(cookie):([!#$%&'*+.^_`|~0-9A-Za-z-]+)|ip)$/;

const hashOnSchema = z
  .string()
  .regex(HASH_ON, { error: 'expected header:NAME, cookie:NAME or ip' })
  .transform((value) => {
    const m = HASH_ON.exec(value)!;
    if (m[1] === 'header') return { kind: 'header' as const, name: m[2]!.toLowerCase() };
    if (m[3] === 'cookie') return { kind: 'cookie' as const, name: m[4]! };
    return { kind: 'ip' as const };
  });

const circuitBreakerSchema = z.union([
  z.boolean(),
  z.strictObject({
    failureThreshold: withDefault(count(1, 10_000), DEFAULTS.circuitBreaker.failureThreshold),
    cooldown: withDefault(duration({ positive: true }), '30s'),
    successThreshold: withDefault(count(1, 1000), DEFAULTS.circuitBreaker.successThreshold),
  }),
]);

const o = DEFAULTS.outlierDetection;
const outlierDetectionSchema = z.union([
  z.boolean(),
  z.strictObject({
    consecutive5xx: withDefault(count(1, 10_000), o.consecutive5xx),
    consecutiveConnectFailures: withDefault(count(1, 10_000), o.consecutiveConnectFailures),
    baseEjectionTime: withDefault(duration({ positive: true }), '30s'),
    maxEjectionTime: withDefault(duration({ positive: true }), '300s'),
    maxEjectionPercent: withDefault(z.number().min(0).max(100), o.maxEjectionPercent),
  }),
]);

const STATUS_RANGE = /^([1-5]\d\d)-([1-5]\d\d)$|^([1-5])xx$/;
const statusRangeSchema = z
  .union([
    count(100, 599),
    z.string().regex(STATUS_RANGE, { error: 'expected a status, "200-399" or "2xx"' }),
  ])
  .transform((value, ctx): [number, number] => {
    if (typeof value === 'number') return [value, value];
    const m = STATUS_RANGE.exec(value)!;
    if (m[3] !== undefined) return [Number(m[3]) * 100, Number(m[3]) * 100 + 99];
    const range: [number, number] = [Number(m[1]), Number(m[2])];
    if (range[0] > range[1])
      ctx.addIssue({ code: 'custom', message: 'range is backwards', input: value });
    return range;
  });

const h = DEFAULTS.healthCheck;
const healthCheckSchema = z.union([
  z.boolean(),
  z.strictObject({
    path: withDefault(
      z.string().regex(/^\/\S*$/, { error: 'expected a path starting with /' }),
      h.path,
    ),
    interval: withDefault(duration({ positive: true }), '5s'),
    timeout: withDefault(duration({ positive: true }), '2s'),
    healthyThreshold: withDefault(count(1, 100), h.healthyThreshold),
    unhealthyThreshold: withDefault(count(1, 100), h.unhealthyThreshold),
    expectStatus: withDefault(z.array(statusRangeSchema).min(1), ['200-399']),
  }),
]);

const poolSchema = z.strictObject({
  connections: withDefault(count(1, 100_000), DEFAULTS.pool.connections),
  keepAliveTimeout: withDefault(duration(), '30s'),
});

const upstreamTlsSchema = z.strictObject({
  ca: z.string().min(1).optional().meta({ description: 'PEM CA bundle file' }),
  servername: z.string().min(1).optional(),
  rejectUnauthorized: withDefault(z.boolean(), DEFAULTS.tlsRejectUnauthorized),
});

/**
 * One entry of `services`: where its endpoints come from (`targets`, `dns`, or the registry when
 * neither is given), how to balance, and how to protect it.
 */
export const serviceSchema = z.strictObject({
  targets: z.array(targetSchema).optional(),
  dns: dnsSchema.optional(),
  discovery: discoverySchema.optional(),
  balancer: withDefault(z.enum(BALANCER_KINDS), DEFAULTS.balancer),
  hashOn: hashOnSchema.optional(),
  circuitBreaker: withDefault(circuitBreakerSchema, true),
  outlierDetection: withDefault(outlierDetectionSchema, true),
  healthCheck: healthCheckSchema.optional(),
  pool: poolSchema.optional(),
  tls: upstreamTlsSchema.optional(),
});

export type ServiceInput = z.output<typeof serviceSchema>;
