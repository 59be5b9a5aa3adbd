import { SwitchyardError } from '../../core/errors.js';

/**
 * Errors the registry's HTTP layer answers with. Each carries the HTTP status Consul would use;
 * the message is the whole response body (plain text, short, naming the field or value at fault),
 * because the `consul` npm client shows a plain-text body under 80 characters as its error.
 */

/** Bad input: malformed JSON, a wrong type, a missing or out-of-range field, a bad query value. */
export class BadRequestError extends SwitchyardError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('SY_REG_BAD_REQUEST', message, { status: 400, details });
  }
}

/** A request body (or KV value) over the size cap. */
export class BodyTooLargeError extends SwitchyardError {
  constructor(
    readonly limitBytes: number,
    readonly sizeBytes: number | undefined,
  ) {
    const size = sizeBytes === undefined ? 'over' : `${sizeBytes} bytes,`;
    super('SY_REG_BODY_TOO_LARGE', `Request body too large: ${size} max ${limitBytes} bytes`, {
      status: 413,
      details: { limitBytes, sizeBytes },
    });
  }
}

/** A token is required and the request carried none or a wrong one. */
export class PermissionDeniedError extends SwitchyardError {
  constructor() {
    super('SY_REG_PERMISSION_DENIED', 'Permission denied: missing or invalid token', {
      status: 403,
    });
  }
}

/** No endpoint at this path. */
export class UnknownEndpointError extends SwitchyardError {
  constructor(readonly path: string) {
    super('SY_REG_UNKNOWN_ENDPOINT', `Unknown endpoint: ${clip(path)}`, {
      status: 404,
      details: { path: clip(path) },
    });
  }
}

/** The endpoint exists but not for this method; `allow` lists the methods it takes. */
export class MethodNotAllowedError extends SwitchyardError {
  constructor(
    readonly method: string,
    readonly allow: string,
  ) {
    super('SY_REG_METHOD_NOT_ALLOWED', `Method ${clip(method)} not allowed (use ${allow})`, {
      status: 405,
      details: { method: clip(method), allow },
    });
  }
}

/** Too many blocking queries and streams are held open at once. */
export class TooManyWatchersError extends SwitchyardError {
  constructor(readonly limit: number) {
    super('SY_REG_TOO_MANY_WATCHERS', `Too many blocking queries/streams (limit ${limit})`, {
      status: 429,
      details: { limit },
    });
  }
}

/** `startRegistryHttp` was given a bad option. */
export class InvalidHttpOptionError extends SwitchyardError {
  constructor(option: string, problem: string) {
    super('SY_REG_HTTP_INVALID_OPTION', `registry HTTP option ${option}: ${problem}`, {
      details: { option },
    });
  }
}

/** Keeps attacker-sized input out of messages and logs. */
export function clip(text: string, max = 120): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

/** True when `text` holds a control character (NUL, newline, DEL…): never valid in a name or key. */
export function hasControlCharacters(text: string): boolean {
  return CONTROL.test(text);
}
