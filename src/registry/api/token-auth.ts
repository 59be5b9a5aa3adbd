import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Decides whether a request carries the registry's token. */
export type TokenCheck = (req: IncomingMessage) => boolean;

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/**
 * Compiles the token check once: `null` when no token is configured (the check is then skipped,
 * not run), otherwise a function that accepts `X-Consul-Token: <token>` or
 * `Authorization: Bearer <token>`. Both sides are SHA-256 digested first so `timingSafeEqual`
 * always compares equal-length buffers and the comparison leaks neither content nor length.
 *
 * @example
 * const check = tokenCheck('s3cret');
 * check?.(req); // true only when the request carries s3cret
 */
export function tokenCheck(token: string | undefined): TokenCheck | null {
  if (token === undefined) return null;
  const expected = digest(token);
  return (req) => {
    const given = presentedToken(req);
    // Compare even when absent, so a missing token costs the same as a wrong one.
    const ok = timingSafeEqual(digest(given ?? ''), expected);
    return ok && given !== undefined;
  };
}

/** The token a request presents, from `X-Consul-Token` or an `Authorization: Bearer` header. */
export function presentedToken(req: IncomingMessage): string | undefined {
  const header = req.headers['x-consul-token'];
  if (typeof header === 'string' && header !== '') return header;
  const auth = req.headers.authorization;
  if (auth === undefined) return undefined;
  return BEARER.exec(auth)?.[1];
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
