import type { Endpoint } from '../core/upstream/endpoint.js';
import type { ClientResponse } from './client-response.js';
import { describeError } from './client-errors.js';

/**
 * How one try failed. `connect`: the request never left (refused, unreachable, connect
 * timeout); `reset`: the connection broke or the answer was not HTTP; `timeout`: no headers (or
 * no body progress) within the try's timeout; `status`: a failing status (5xx by default);
 * `no-endpoints`: nothing to pick; `cancelled`: the call's signal aborted; `other`: a bug or bad
 * input, never retried.
 */
export type TryKind =
  'connect' | 'reset' | 'timeout' | 'status' | 'no-endpoints' | 'cancelled' | 'other';

/**
 * A failed try, thrown inside the policy chain (so the retry and the breaker see it) and turned
 * into the caller's answer at the end: a failing response is returned as is, anything else
 * becomes `SY_CLIENT_UPSTREAM_FAILED` or `SY_CLIENT_NO_ENDPOINTS`. Never reaches user code.
 */
export class TryFailure extends Error {
  constructor(
    readonly kind: TryKind,
    readonly endpoint: Endpoint | undefined,
    readonly retryable: boolean,
    cause: unknown,
    readonly response?: ClientResponse,
  ) {
    super(kind, { cause });
  }

  describe(): string {
    const where = this.endpoint?.id ?? '-';
    if (this.response !== undefined) return `${where}: status ${this.response.status}`;
    return `${where}: ${this.kind} (${describeError(this.cause)})`;
  }
}

const CONNECT = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const RESET = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
]);
const TIMEOUT = new Set(['SY_RES_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** Classifies an undici / socket error by its `code`. */
export function classify(error: unknown): TryKind {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return 'other';
  if (CONNECT.has(code)) return 'connect';
  if (TIMEOUT.has(code)) return 'timeout';
  if (RESET.has(code) || code.startsWith('HPE_')) return 'reset';
  if (code === 'UND_ERR_ABORTED' || code === 'ABORT_ERR') return 'cancelled';
  return 'other';
}
