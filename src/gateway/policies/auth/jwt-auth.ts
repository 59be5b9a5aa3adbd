import { errors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import type { Clock } from '../../../resilience/clock.js';
import type { PolicyAnswer, PolicyContext, RequestPolicy } from '../policy.js';
import {
  bearerChallenge,
  firstHeader,
  forbidden,
  headerName,
  invalidOption,
  unauthorized,
} from './auth-answers.js';
import { JwksCache, type JwksCacheOptions } from './jwks-cache.js';
import { resolveJwtKey } from './jwt-key.js';

export interface JwtAuthOptions {
  /** HMAC secret (HS256/384/512), at least 32 bytes. */
  readonly secret?: string;
  /** PEM public key (or certificate): RSA, RSA-PSS, EC P-256/384/521, Ed25519. */
  readonly publicKey?: string;
  /** JWKS URL; keys are cached (see `JwksCache`). */
  readonly jwks?: string;
  readonly issuer?: string | string[];
  readonly audience?: string | string[];
  /** Default: every algorithm of the key's family; never `none`, never across families. */
  readonly algorithms?: string[];
  /** Clock skew allowed on `exp` and `nbf`. Default 30 s. */
  readonly leewayMs?: number;
  /** Every one of these must be in the scope claim, else 403 `insufficient_scope`. */
  readonly requiredScopes?: string[];
  /** A space-separated string or an array of strings. Default `scope`. */
  readonly scopeClaim?: string;
  /** Claim name → upstream header name, e.g. `{ sub: 'X-User-ID' }`. */
  readonly claimsToHeaders?: Record<string, string>;
  /** Where the token is. Default `authorization` (`Bearer <token>`); another header holds the bare token. */
  readonly header?: string;
  /** Refuse tokens without `exp` (they would never expire). Default true. */
  readonly requireExp?: boolean;
  /** Longer tokens are refused unparsed. Default 8 KiB. */
  readonly maxTokenBytes?: number;
  /** Verified tokens kept (until expiry, at most `cacheTtlMs`) to skip the signature check. Default 1000; 0 disables. */
  readonly cacheSize?: number;
  /** Longest a verified token is trusted without a new check (bounds a revoked JWKS key's reach). Default 60 s. */
  readonly cacheTtlMs?: number;
  /** Wall-clock milliseconds since the epoch, for `exp`/`nbf`. Default `Date.now`. */
  readonly now?: () => number;
  /** Monotonic clock for the JWKS refresh schedule. */
  readonly clock?: Clock;
  /** JWKS fetch tuning (timeout, refresh interval, max age, max size). */
  readonly jwksOptions?: Omit<JwksCacheOptions, 'url' | 'clock'>;
}

/** A verified token, ready to admit a request without crypto. */
interface Verified {
  readonly claims: Readonly<Record<string, unknown>>;
  readonly sub: string | undefined;
  readonly headers: readonly [string, string][];
  readonly hasScopes: boolean;
  /** Epoch ms after which the entry must not be used (exp + leeway, capped by cacheTtlMs). */
  readonly until: number;
}

/**
 * JWT bearer authentication: verifies the signature (secret, PEM or JWKS), `exp`/`nbf` with
 * leeway, `iss`, `aud` and required scopes; sets `ctx.claims`, `ctx.consumer` (`sub`) and the
 * mapped claim headers. 401 (`invalid_token`) or 403 (`insufficient_scope`) with a Bearer challenge.
 *
 * @example
 * const auth = jwtAuth({ jwks: 'http://127.0.0.1:9000/.well-known/jwks.json',
 *   issuer: 'https://auth.example', audience: 'api', claimsToHeaders: { sub: 'X-User-ID' } });
 */
export function jwtAuth(options: JwtAuthOptions): RequestPolicy {
  const source = resolveJwtKey(options);
  const jwks =
    source.kind === 'jwks'
      ? new JwksCache({ ...options.jwksOptions, url: source.url, clock: options.clock })
      : undefined;
  const check =
    source.kind === 'jwks'
      ? (token: string, o: JWTVerifyOptions) => jwtVerify(token, jwks!.getKey, o)
      : (token: string, o: JWTVerifyOptions) => jwtVerify(token, source.key, o);
  const leewayMs = nonNegative('leewayMs', options.leewayMs ?? 30_000);
  const maxTokenBytes = nonNegative('maxTokenBytes', options.maxTokenBytes ?? 8192);
  const cacheSize = nonNegative('cacheSize', options.cacheSize ?? 1000);
  const cacheTtlMs = nonNegative('cacheTtlMs', options.cacheTtlMs ?? 60_000);
  const now = options.now ?? Date.now;
  const header = headerName('jwt.header', options.header ?? 'authorization');
  const bearer = header === 'authorization';
  const scopeClaim = options.scopeClaim ?? 'scope';
  const required = options.requiredScopes ?? [];
  const mapped = Object.entries(options.claimsToHeaders ?? {}).map(
    ([claim, name]) => [claim, headerName(`jwt.claimsToHeaders.${claim}`, name)] as const,
  );
  const verifyOptions: JWTVerifyOptions = {
    algorithms: source.algorithms,
    clockTolerance: leewayMs / 1000,
    ...(options.issuer !== undefined && { issuer: options.issuer }),
    ...(options.audience !== undefined && { audience: options.audience }),
    ...(options.requireExp !== false && { requiredClaims: ['exp'] }),
  };
  const cache = new Map<string, Verified>();

  function admit(ctx: PolicyContext, v: Verified): PolicyAnswer {
    if (!v.hasScopes) {
      const scope = required.join(' ');
      return forbidden(
        `Token lacks required scopes: ${scope}`,
        bearerChallenge('insufficient_scope', 'token lacks required scopes', scope),
      );
    }
    ctx.claims = v.claims;
    if (v.sub !== undefined) ctx.consumer = v.sub;
    for (const h of v.headers) ctx.upstreamHeaders.push(h);
    return undefined;
  }

  async function verify(ctx: PolicyContext, token: string): Promise<PolicyAnswer> {
    let payload: JWTPayload;
    const at = now();
    try {
      ({ payload } = await check(token, { ...verifyOptions, currentDate: new Date(at) }));
    } catch (error) {
      const why = describe(error);
      return unauthorized(`Invalid token: ${why}`, bearerChallenge('invalid_token', why));
    }
    const claims = Object.freeze(payload) as Readonly<Record<string, unknown>>;
    const exp = typeof payload.exp === 'number' ? payload.exp * 1000 + leewayMs : Infinity;
    const v: Verified = {
      claims,
      sub: typeof payload.sub === 'string' ? payload.sub : undefined,
      headers: claimHeaders(claims, mapped),
      hasScopes: required.length === 0 || hasScopes(claims[scopeClaim], required),
      until: Math.min(exp, at + cacheTtlMs),
    };
    if (cacheSize > 0) {
      // Oldest-first eviction: cheap, and a hot token is simply re-verified once per eviction.
      if (cache.size >= cacheSize) cache.delete(cache.keys().next().value!);
      cache.set(token, v);
    }
    return admit(ctx, v);
  }

  return {
    name: 'jwt-auth',
    ownedHeaders: [...new Set(mapped.map(([, name]) => name))],
    // hot path: a cached token is admitted synchronously (no promise, no crypto).
    apply(ctx) {
      const token = extractToken(firstHeader(ctx.req.headers[header]), bearer);
      if (token === undefined) return unauthorized('Missing bearer token', bearerChallenge());
      if (token.length > maxTokenBytes)
        return unauthorized(
          'Invalid token: too large',
          bearerChallenge('invalid_token', 'token too large'),
        );
      const hit = cache.get(token);
      if (hit !== undefined) {
        if (now() < hit.until) return admit(ctx, hit);
        cache.delete(token);
      }
      return verify(ctx, token);
    },
    async close() {
      cache.clear();
      await jwks?.close();
    },
  };
}

function extractToken(value: string | undefined, bearer: boolean): string | undefined {
  if (value === undefined) return undefined;
  let token = value.trim();
  if (bearer || /^bearer\s/i.test(token)) {
    if (!/^bearer\s/i.test(token)) return undefined;
    token = token.slice(7).trim();
  }
  return token === '' ? undefined : token;
}

function hasScopes(value: unknown, required: readonly string[]): boolean {
  const granted =
    typeof value === 'string'
      ? value.split(' ')
      : Array.isArray(value)
        ? value.filter((s): s is string => typeof s === 'string')
        : [];
  return required.every((s) => granted.includes(s));
}

// Values a header cannot carry safely (objects, control or non-ASCII characters) are left out,
// not mangled: the client's copy was stripped, so the upstream sees no header rather than a wrong one.
function claimHeaders(
  claims: Readonly<Record<string, unknown>>,
  mapped: readonly (readonly [string, string])[],
): [string, string][] {
  const out: [string, string][] = [];
  for (const [claim, name] of mapped) {
    const v = claims[claim];
    const text =
      typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'
        ? String(v)
        : Array.isArray(v) && v.every((x) => typeof x === 'string')
          ? v.join(',')
          : undefined;
    if (text !== undefined && /^[\x20-\x7e]*$/.test(text)) out.push([name, text]);
  }
  return out;
}

// Fixed descriptions: never echo token content into a response header.
function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'token expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return 'token not yet valid';
    if (error.claim === 'iss') return 'unexpected issuer';
    if (error.claim === 'aud') return 'unexpected audience';
    if (error.claim === 'exp') return 'token has no expiry';
    return `claim check failed: ${error.claim.replace(/[^\w.-]/g, '')}`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'invalid signature';
  if (error instanceof errors.JWKSNoMatchingKey) return 'no matching key';
  if (error instanceof errors.JWKSMultipleMatchingKeys) return 'no matching key';
  return 'malformed token';
}

function nonNegative(option: string, value: number): number {
  if (!Number.isFinite(value) || value < 0)
    throw invalidOption(`jwt.${option}`, 'must be a non-negative number');
  return value;
}
