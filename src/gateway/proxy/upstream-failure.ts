import type { GatewayErrorCode } from './error-response.js';

/** How a try failed, in the vocabulary of `retries.on` and outlier detection. */
export type FailureKind = 'connect' | 'reset' | 'timeout' | 'bad-response';

const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

/** Classifies an undici/socket error from a try. */
export function classifyFailure(error: unknown): FailureKind {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (CONNECT_CODES.has(code)) return 'connect';
    if (TIMEOUT_CODES.has(code)) return 'timeout';
    if (RESET_CODES.has(code)) return 'reset';
  }
  return 'bad-response';
}

/** The gateway error a failed try becomes when it is not retried. */
export function failureCode(kind: FailureKind): GatewayErrorCode {
  switch (kind) {
    case 'connect':
      return 'SY_GW_UPSTREAM_UNAVAILABLE';
    case 'reset':
      return 'SY_GW_UPSTREAM_RESET';
    case 'timeout':
      return 'SY_GW_UPSTREAM_TIMEOUT';
    default:
      return 'SY_GW_UPSTREAM_BAD_RESPONSE';
  }
}
