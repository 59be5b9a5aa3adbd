import { SwitchyardError } from '../../../core/errors.js';
import type { PolicyAnswer } from '../policy.js';

/** The realm every Bearer challenge names. */
export const REALM = 'switchyard';

/** RFC 7230 token: what a header name may be. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** A bad policy option, thrown at construction (config time), never per request. */
export function invalidOption(option: string, message: string): SwitchyardError {
  return new SwitchyardError('SY_GW_AUTH_INVALID_OPTION', `${option}: ${message}`, {
    details: { option },
  });
}

/** Lower-cases and checks a configured header name. */
export function headerName(option: string, name: unknown): string {
  if (typeof name !== 'string' || !HEADER_NAME.test(name))
    throw invalidOption(option, `not a valid header name: ${JSON.stringify(name)}`);
  return name.toLowerCase();
}

// Our descriptions are fixed strings, but quote-escape anyway: a challenge is a header value.
function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&').replace(/[^\t\x20-\x7e]/g, '')}"`;
}

/** A Bearer challenge (RFC 6750 §3); no `error` when the request carried no credential. */
export function bearerChallenge(error?: string, description?: string, scope?: string): string {
  let value = `Bearer realm=${quoted(REALM)}`;
  if (error !== undefined) value += `, error=${quoted(error)}`;
  if (description !== undefined) value += `, error_description=${quoted(description)}`;
  if (scope !== undefined) value += `, scope=${quoted(scope)}`;
  return value;
}

/** 401 `SY_GW_AUTH_INVALID`. */
export function unauthorized(message: string, challenge?: string): PolicyAnswer {
  return {
    status: 401,
    ...(challenge !== undefined && { headers: { 'www-authenticate': challenge } }),
    body: { code: 'SY_GW_AUTH_INVALID', message },
  };
}

/** 403 `SY_GW_AUTH_FORBIDDEN`. */
export function forbidden(message: string, challenge?: string): PolicyAnswer {
  return {
    status: 403,
    ...(challenge !== undefined && { headers: { 'www-authenticate': challenge } }),
    body: { code: 'SY_GW_AUTH_FORBIDDEN', message },
  };
}

/** 503 `SY_GW_AUTH_UNAVAILABLE`: the auth service failed, so the request is refused. */
export function authUnavailable(message: string): PolicyAnswer {
  return { status: 503, body: { code: 'SY_GW_AUTH_UNAVAILABLE', message } };
}

/** The first value of a request header (Node joins most repeats; `set-cookie`-like arrays are not expected here). */
export function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
