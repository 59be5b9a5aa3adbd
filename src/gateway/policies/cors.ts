import type { PolicyAnswer, PolicyContext, RequestPolicy } from './policy.js';

export interface CorsOptions {
  /** Allowed origins (`https://app.example`), or `['*']` for any. */
  readonly origins: readonly string[];
  readonly methods?: readonly string[];
  /** Request headers a preflight may ask for; default: whatever it asks for. */
  readonly headers?: readonly string[];
  readonly exposeHeaders?: readonly string[];
  readonly credentials?: boolean;
  readonly maxAgeSeconds?: number;
}

const DEFAULT_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * CORS at the gateway: a preflight (`OPTIONS` with `Access-Control-Request-Method`) is answered
 * here with 204 and never reaches the upstream; an actual request from an allowed origin gets
 * `Access-Control-Allow-Origin` (and credentials / exposed headers) on its response. An origin
 * that is not allowed gets no CORS headers, so the browser blocks it.
 *
 * @example cors({ origins: ['https://app.example'], credentials: true })
 */
export function cors(options: CorsOptions): RequestPolicy {
  const any = options.origins.includes('*');
  const allowed = new Set(options.origins.map((o) => o.toLowerCase()));
  const methods = (options.methods ?? DEFAULT_METHODS).map((m) => m.toUpperCase()).join(', ');
  const allowHeaders = options.headers?.join(', ');
  const expose = options.exposeHeaders?.join(', ');
  const credentials = options.credentials === true;
  const maxAge = String(options.maxAgeSeconds ?? 600);

  const allowOrigin = (origin: string): string | undefined => {
    if (any && !credentials) return '*';
    return any || allowed.has(origin.toLowerCase()) ? origin : undefined;
  };

  return {
    name: 'cors',
    ownedHeaders: [],
    apply(ctx: PolicyContext): PolicyAnswer {
      const origin = ctx.req.headers.origin;
      if (typeof origin !== 'string') return undefined;
      const value = allowOrigin(origin);
      const requested = ctx.req.headers['access-control-request-method'];
      if (ctx.req.method === 'OPTIONS' && typeof requested === 'string') {
        const headers: Record<string, string> = { vary: 'Origin' };
        if (value !== undefined) {
          headers['access-control-allow-origin'] = value;
          headers['access-control-allow-methods'] = methods;
          const asked = ctx.req.headers['access-control-request-headers'];
          const h = allowHeaders ?? (typeof asked === 'string' ? asked : undefined);
          if (h !== undefined && h !== '') headers['access-control-allow-headers'] = h;
          headers['access-control-max-age'] = maxAge;
          if (credentials) headers['access-control-allow-credentials'] = 'true';
        }
        return {
          status: 204,
          headers,
          body: { code: 'SY_GW_CORS_PREFLIGHT', message: 'preflight' },
        };
      }
      if (value === undefined) return undefined;
      const out = (ctx.responseHeaders ??= []);
      out.push('access-control-allow-origin', value, 'vary', 'Origin');
      if (credentials) out.push('access-control-allow-credentials', 'true');
      if (expose !== undefined) out.push('access-control-expose-headers', expose);
      return undefined;
    },
  };
}
