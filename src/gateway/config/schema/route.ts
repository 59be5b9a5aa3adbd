import { z } from 'zod';
import { DEFAULTS } from '../defaults.js';
import {
  aggregatePartName,
  aggregatePartSchema,
  authSchema,
  cacheSchema,
  corsSchema,
  rateLimitSchema,
  trustedProxySchema,
} from './edge.js';
import { didYouMean } from '../did-you-mean.js';
import {
  inferMatchType,
  literalPrefix,
  pathProblem,
  patternParams,
  patternProblem,
} from './route-path.js';
import {
  duration,
  headerName,
  headerValue,
  hostPattern,
  oneOrMany,
  regex,
  size,
  withDefault,
} from './scalars.js';

/** The methods a route may match (any case in the file; upper-case once normalized). */
export const HTTP_METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'PATCH',
  'OPTIONS',
  'TRACE',
  'CONNECT',
] as const;

/** What `retries.on` may list. */
export const RETRY_ON = ['connect-failure', 'reset', '5xx', 'timeout'] as const;

/** Headers a route may not add or set: they describe the connection, not the message. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'content-length',
]);

const path = z.string().superRefine((value, ctx) => {
  const problem = pathProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: `path ${problem}`, input: value });
});

const method = z.string().superRefine((value, ctx) => {
  if (!(HTTP_METHODS as readonly string[]).includes(value.toUpperCase())) {
    ctx.addIssue({
      code: 'custom',
      message: `unknown HTTP method "${value}"${didYouMean(value.toUpperCase(), HTTP_METHODS)}`,
      input: value,
    });
  }
});

const headerMatchSchema = z.union([
  headerValue(),
  z
    .strictObject({
      exact: headerValue().optional(),
      prefix: z.string().min(1).optional(),
      regex: regex().optional(),
      present: z.literal(true).optional(),
    })
    .meta({ minProperties: 1, maxProperties: 1 })
    .check((ctx) => {
      // an unknown key (e.g. `prefx`) was already reported; "got 0" would only add noise
      if (ctx.issues.length > 0) return;
      const given = Object.keys(ctx.value).length;
      if (given !== 1) {
        ctx.issues.push({
          code: 'custom',
          message: `give exactly one of exact, prefix, regex, present (got ${given})`,
          input: ctx.value,
        });
      }
    }),
]);

const matchSchema = z
  .strictObject({
    path,
    type: z.enum(['prefix', 'exact', 'pattern']).optional().meta({
      description: 'default: pattern if path has :param or *, else prefix',
    }),
    host: oneOrMany(hostPattern()).optional(),
    method: oneOrMany(method).optional(),
    headers: z.record(headerName(), headerMatchSchema).optional(),
  })
  .superRefine((match, ctx) => {
    if (inferMatchType(match.path, match.type) !== 'pattern') return;
    const problem = patternProblem(match.path);
    if (problem)
      ctx.addIssue({ code: 'custom', message: problem, path: ['path'], input: match.path });
  });

const setHeaderName = headerName().refine((name) => !HOP_BY_HOP.has(name.toLowerCase()), {
  error: 'a hop-by-hop or framing header cannot be set by a route',
});

const headerOpsSchema = z.strictObject({
  add: z.record(setHeaderName, headerValue()).optional(),
  set: z.record(setHeaderName, headerValue()).optional(),
  remove: z.array(headerName()).optional(),
});

const retriesSchema = z.union([
  z.boolean(),
  z
    .strictObject({
      attempts: withDefault(z.int().min(1).max(10), DEFAULTS.attemptsWithRetries),
      on: withDefault(z.array(z.enum(RETRY_ON)), [...DEFAULTS.retryOn]),
      statuses: z.array(z.int().min(100).max(599)).optional(),
      perTryTimeout: duration({ positive: true }).optional(),
      backoff: z
        .strictObject({
          base: withDefault(duration({ positive: true }), '25ms'),
          max: withDefault(duration({ positive: true }), '250ms'),
        })
        .optional(),
      budget: z
        .strictObject({
          ratio: withDefault(z.number().min(0).max(1), DEFAULTS.budget.ratio),
          minPerSecond: withDefault(z.number().min(0), DEFAULTS.budget.minPerSecond),
        })
        .optional(),
      nonIdempotent: withDefault(z.boolean(), DEFAULTS.nonIdempotent),
    })
    .superRefine((retries, ctx) => {
      const base = retries.backoff?.base ?? DEFAULTS.backoff.base;
      const max = retries.backoff?.max ?? DEFAULTS.backoff.max;
      if (base > max) {
        ctx.addIssue({
          code: 'custom',
          message: `backoff base (${base} ms) is above max (${max} ms)`,
          path: ['backoff'],
        });
      }
    }),
]);

/** One entry of `routes`: what requests it takes and the service it sends them to. */
export const routeSchema = z
  .strictObject({
    name: z.string().min(1).optional().meta({ description: 'default: routes[i]' }),
    match: matchSchema,
    service: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'required unless aggregate is given' }),
    stripPrefix: z.union([z.boolean(), path]).optional(),
    rewrite: path.optional(),
    timeouts: z
      .strictObject({
        connect: withDefault(duration({ positive: true }), '5s'),
        read: withDefault(duration({ positive: true }), '30s'),
        total: duration({ positive: true }).optional(),
      })
      .optional(),
    retries: retriesSchema.optional(),
    headers: z
      .strictObject({ request: headerOpsSchema.optional(), response: headerOpsSchema.optional() })
      .optional(),
    websocket: withDefault(z.boolean(), DEFAULTS.websocket),
    maxBodySize: size().optional().meta({ description: 'default: limits.maxBodySize' }),
    aggregate: z.record(aggregatePartName, aggregatePartSchema).optional(),
    auth: authSchema.optional(),
    cache: cacheSchema.optional(),
    cors: corsSchema.optional(),
    ipAllow: z.array(trustedProxySchema).optional(),
    ipDeny: z.array(trustedProxySchema).optional(),
    rateLimit: rateLimitSchema.optional(),
  })
  .superRefine((route, ctx) => {
    if (route.service === undefined && route.aggregate === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'missing required key "service" (or "aggregate", for a BFF aggregation route)',
        path: ['service'],
      });
    } else if (route.service !== undefined && route.aggregate !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'give service (proxy) or aggregate (BFF aggregation), not both',
        path: ['aggregate'],
      });
    } else if (route.aggregate !== undefined && Object.keys(route.aggregate).length === 0) {
      ctx.addIssue({ code: 'custom', message: 'needs at least one part', path: ['aggregate'] });
    }
    const type = inferMatchType(route.match.path, route.match.type);
    const literal = literalPrefix(route.match.path, type);
    if (route.stripPrefix !== undefined && route.stripPrefix !== false && route.rewrite) {
      ctx.addIssue({
        code: 'custom',
        message: 'give stripPrefix or rewrite, not both (rewrite replaces the whole path)',
        path: ['rewrite'],
      });
    }
    if (route.stripPrefix === true && type === 'pattern') {
      ctx.addIssue({
        code: 'custom',
        message: 'stripPrefix: true needs a prefix or exact match; give the prefix to strip',
        path: ['stripPrefix'],
      });
    }
    if (typeof route.stripPrefix === 'string' && !literal.startsWith(route.stripPrefix)) {
      ctx.addIssue({
        code: 'custom',
        message: `"${route.stripPrefix}" is not a prefix of match.path "${route.match.path}"`,
        path: ['stripPrefix'],
      });
    }
    if (route.rewrite) {
      const params = type === 'pattern' ? patternParams(route.match.path) : [];
      for (const m of route.rewrite.matchAll(/\/:([A-Za-z_][A-Za-z0-9_]*)/g)) {
        if (!params.includes(m[1]!)) {
          ctx.addIssue({
            code: 'custom',
            message: `rewrite uses :${m[1]}, which match.path does not capture`,
            path: ['rewrite'],
          });
        }
      }
      const wildcard = type === 'pattern' && route.match.path.endsWith('/*');
      if (route.rewrite.split('/').includes('*') && !wildcard) {
        ctx.addIssue({
          code: 'custom',
          message: 'rewrite uses *, but match.path has no * segment',
          path: ['rewrite'],
        });
      }
    }
  });

export type RouteInput = z.output<typeof routeSchema>;
