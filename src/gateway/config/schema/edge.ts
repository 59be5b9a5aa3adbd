/**
 * The edge-policy sections (issue 5): `auth` and `rateLimit` per route, and the top-level
 * `consumers`, `redis` and `trustedProxies` they use.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { duration, headerName, httpUrl, secret } from './scalars.js';

const RATE = /^\d+(\.\d+)?\s*(r)?\s*\/\s*(\d+\s*)?(ms|s|m|h|sec|second|min|minute|hour)$/i;

const rate = z.union([
  z.number().positive(),
  z.string().regex(RATE, { error: 'expected a rate like "100/s", "10r/s", "600/m" or "5/10s"' }),
]);

const stringList = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

const jwtSchema = z
  .strictObject({
    secret: secret(
      z.string().min(32, { error: 'an HMAC secret needs at least 32 bytes' }),
    ).optional(),
    publicKey: z.string().min(1).optional().meta({ description: 'PEM text or a file path' }),
    jwks: httpUrl('the JWKS URL').optional(),
    issuer: stringList.optional(),
    audience: stringList.optional(),
    algorithms: z.array(z.string().min(1)).optional(),
    leeway: duration().optional(),
    requiredScopes: z.array(z.string().min(1)).optional(),
    scopeClaim: z.string().min(1).optional(),
    claimsToHeaders: z.record(z.string().min(1), headerName()).optional(),
    header: headerName().optional(),
  })
  .superRefine((jwt, ctx) => {
    const keys = [jwt.secret, jwt.publicKey, jwt.jwks].filter((k) => k !== undefined).length;
    if (keys !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: `give exactly one of secret, publicKey, jwks (got ${keys})`,
      });
    }
  });

const apiKeySchema = z.strictObject({
  header: headerName().optional(),
  query: z.string().min(1).optional(),
});

const forwardSchema = z.strictObject({
  url: httpUrl('the auth service URL'),
  copyHeaders: z.array(headerName()).optional(),
  requestHeaders: z.array(headerName()).optional(),
  timeout: duration({ positive: true }).optional(),
});

/** `routes[].auth`: exactly one of jwt, apiKey, forward. */
export const authSchema = z
  .strictObject({
    jwt: jwtSchema.optional(),
    apiKey: apiKeySchema.optional(),
    forward: forwardSchema.optional(),
  })
  .superRefine((auth, ctx) => {
    const given = Object.values(auth).filter((v) => v !== undefined).length;
    if (given !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: `give exactly one of jwt, apiKey, forward (got ${given})`,
      });
    }
  });

const KEY = /^(ip|consumer|header:[!#$%&'*+.^_`|~0-9A-Za-z-]+|claim:[^\s]+)$/;

/** `routes[].rateLimit`. */
export const rateLimitSchema = z.strictObject({
  rate,
  burst: z.int().min(0).optional(),
  nodelay: z.boolean().optional(),
  delay: z.int().min(0).optional(),
  algorithm: z.enum(['token-bucket', 'leaky-bucket', 'sliding-window']).optional(),
  key: z
    .string()
    .regex(KEY, { error: 'expected ip, consumer, header:NAME or claim:NAME' })
    .optional(),
  scope: z.enum(['local', 'cluster']).optional(),
  onRedisError: z.enum(['allow', 'deny']).optional(),
});

/** `consumers[]`: who may call with an API key. */
export const consumerSchema = z.strictObject({
  name: z.string().min(1),
  apiKeys: z
    .array(secret(z.string().min(8, { error: 'an API key needs at least 8 characters' })))
    .min(1),
});

/** `redis`: shared rate limits (and later the shared cache). */
export const redisSchema = z.strictObject({
  address: z
    .string()
    .regex(/^rediss?:\/\/[^\s]+$/, { error: 'expected redis://host:port or rediss://host:port' }),
});

/** `trustedProxies[]`: addresses or CIDR blocks whose `X-Forwarded-For` is believed. */
export const trustedProxySchema = z.string().refine(
  (value) => {
    const [ip, bits, extra] = value.split('/');
    if (extra !== undefined || ip === undefined || isIP(ip) === 0) return false;
    if (bits === undefined) return true;
    const n = Number(bits);
    return Number.isInteger(n) && n >= 0 && n <= (isIP(ip) === 4 ? 32 : 128);
  },
  { error: 'expected an IP address or a CIDR block like 10.0.0.0/8' },
);

export type AuthInput = z.output<typeof authSchema>;
export type RateLimitInput = z.output<typeof rateLimitSchema>;
export type ConsumerInput = z.output<typeof consumerSchema>;

/** `routes[].aggregate.<part>`: one upstream call of a BFF aggregation route. */
export const aggregatePartSchema = z.strictObject({
  service: z.string().min(1),
  path: z
    .string()
    .regex(/^\/(?!\/)[^\s#]*$/, { error: 'expected a path like /users/:userId?limit=5' }),
  timeout: duration({ positive: true }).optional(),
  optional: z.boolean().optional(),
});

/** Part names become JSON keys next to `_errors`, so they start with a letter. */
export const aggregatePartName = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, {
  error: 'a part name starts with a letter (letters, digits, _ and -)',
});

/** `routes[].cache`: cache GET answers (RFC 9111 rules; the route's `ttl` is an upper bound). */
export const cacheSchema = z.strictObject({
  ttl: duration({ positive: true }),
  maxEntries: z.int().min(1).optional(),
  maxBodySize: z
    .int()
    .min(1)
    .optional()
    .meta({ description: 'bytes; larger answers are not cached' }),
  vary: z.array(headerName()).optional(),
  scope: z.enum(['local', 'cluster']).optional(),
});

/** `routes[].cors`: CORS answered at the gateway. */
export const corsSchema = z.strictObject({
  origins: z
    .array(
      z.string().regex(/^(\*|https?:\/\/[^\s/]+)$/, {
        error: 'expected "*" or an origin like https://app.example',
      }),
    )
    .min(1),
  methods: z.array(z.string().min(1)).optional(),
  headers: z.array(headerName()).optional(),
  exposeHeaders: z.array(headerName()).optional(),
  credentials: z.boolean().optional(),
  maxAge: duration().optional(),
});
