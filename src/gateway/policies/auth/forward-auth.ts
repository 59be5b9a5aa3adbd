import type { TLSSocket } from 'node:tls';
import { Agent, request } from 'undici';
import type { PolicyAnswer, PolicyContext, RequestPolicy } from '../policy.js';
import {
  authUnavailable,
  firstHeader,
  forbidden,
  headerName,
  invalidOption,
  unauthorized,
} from './auth-answers.js';

export interface ForwardAuthOptions {
  /** The auth service endpoint; asked with GET for every request. */
  readonly url: string;
  /** Headers of a 2xx auth answer copied onto the upstream request (owned: client copies are dropped). */
  readonly copyHeaders?: readonly string[];
  /** Request headers passed to the auth service. Default `authorization`, `cookie`. */
  readonly requestHeaders?: readonly string[];
  /** A copied header whose value becomes `ctx.consumer` (e.g. `X-User-ID`), for consumer rate limits. */
  readonly consumerHeader?: string;
  /** Whole sub-request deadline (connect, headers). Default 2000 ms. */
  readonly timeoutMs?: number;
  /** Only `false` is supported: the auth service never sees the request body. */
  readonly forwardBody?: false;
}

/**
 * Forward authentication (NGINX `auth_request`, Traefik forwardAuth): each request is checked by a
 * GET to an auth service carrying the original method, URI, host, protocol and credentials. 2xx
 * admits it and copies `copyHeaders` upstream; 401/403 go back to the client (with the service's
 * `WWW-Authenticate`); anything else — another status, a timeout, a refused connection — is a 503:
 * an auth outage never opens the door.
 *
 * @example
 * const auth = forwardAuth({ url: 'http://127.0.0.1:9000/validate', copyHeaders: ['X-User-ID'] });
 */
export function forwardAuth(options: ForwardAuthOptions): RequestPolicy {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw invalidOption('forward.url', `not a URL: ${JSON.stringify(options.url)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw invalidOption('forward.url', 'must be an http or https URL');
  if (options.forwardBody !== undefined && options.forwardBody !== false)
    throw invalidOption('forward.forwardBody', 'forwarding the body is not supported');
  const timeoutMs = options.timeoutMs ?? 2000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw invalidOption('forward.timeoutMs', 'must be a positive number');
  const copy = (options.copyHeaders ?? []).map((h) => headerName('forward.copyHeaders', h));
  const pass = (options.requestHeaders ?? ['authorization', 'cookie']).map((h) =>
    headerName('forward.requestHeaders', h),
  );
  const consumerHeader =
    options.consumerHeader === undefined
      ? undefined
      : headerName('forward.consumerHeader', options.consumerHeader);
  if (consumerHeader !== undefined && !copy.includes(consumerHeader))
    throw invalidOption('forward.consumerHeader', 'must be one of copyHeaders');
  const target = url.href;
  const agent = new Agent({
    connect: { timeout: timeoutMs },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });

  async function check(ctx: PolicyContext): Promise<PolicyAnswer> {
    const req = ctx.req;
    const headers: Record<string, string> = {
      'x-forwarded-method': req.method ?? 'GET',
      'x-forwarded-uri': req.url ?? '/',
      'x-forwarded-proto': (req.socket as TLSSocket | undefined)?.encrypted ? 'https' : 'http',
      'x-forwarded-for': ctx.clientIp,
      'x-request-id': ctx.requestId,
    };
    const host = firstHeader(req.headers.host ?? req.headers[':authority']);
    if (host !== undefined) headers['x-forwarded-host'] = host;
    for (const name of pass) {
      const value = req.headers[name];
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(target, {
        method: 'GET',
        headers,
        dispatcher: agent,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const why = /Timeout/.test((error as Error).name) ? 'timed out' : 'unreachable';
      return authUnavailable(`Auth service ${why}`);
    }
    // The answer body is never used; read it off (bounded) so the connection is reused.
    res.body.dump({ limit: 65_536 }).catch(() => {});
    const status = res.statusCode;
    if (status >= 200 && status < 300) {
      for (const name of copy) {
        const value = res.headers[name];
        if (value === undefined) continue;
        const text = Array.isArray(value) ? value.join(', ') : value;
        ctx.upstreamHeaders.push([name, text]);
        if (name === consumerHeader) ctx.consumer = text;
      }
      return undefined;
    }
    if (status === 401 || status === 403) {
      const challenge = res.headers['www-authenticate'];
      const value = Array.isArray(challenge) ? challenge.join(', ') : challenge;
      return status === 401
        ? unauthorized('The auth service refused the credentials', value)
        : forbidden('The auth service denied access', value);
    }
    return authUnavailable(`Auth service answered ${status}`);
  }

  return {
    name: 'forward-auth',
    ownedHeaders: [...new Set(copy)],
    apply: check,
    async close() {
      await agent.close();
    },
  };
}
