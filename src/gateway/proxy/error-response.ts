import type { ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';

/** The gateway's own answers (never an upstream's), each with a stable code and status. */
export const GATEWAY_ERRORS = {
  SY_GW_ROUTE_NOT_FOUND: { status: 404, message: 'no route matches this request' },
  SY_GW_BAD_PATH: { status: 400, message: 'the request path is not acceptable' },
  SY_GW_BAD_REQUEST: { status: 400, message: 'the request is malformed' },
  SY_GW_BODY_TOO_LARGE: { status: 413, message: 'the request body is larger than allowed' },
  SY_GW_HEADERS_TOO_LARGE: {
    status: 431,
    message: 'the request headers are larger than allowed',
  },
  SY_GW_REQUEST_TIMEOUT: { status: 408, message: 'the request was not received in time' },
  SY_GW_NO_ENDPOINTS: { status: 503, message: 'the service has no available endpoints' },
  SY_GW_CIRCUIT_OPEN: { status: 503, message: "the service's circuit breaker is open" },
  SY_GW_UPSTREAM_UNAVAILABLE: { status: 502, message: 'the upstream could not be reached' },
  SY_GW_UPSTREAM_RESET: { status: 502, message: 'the upstream closed the connection' },
  SY_GW_UPSTREAM_BAD_RESPONSE: { status: 502, message: 'the upstream sent an invalid response' },
  SY_GW_UPSTREAM_TIMEOUT: { status: 504, message: 'the upstream did not answer in time' },
  SY_GW_INTERNAL: { status: 500, message: 'the gateway failed to handle this request' },
} as const;

export type GatewayErrorCode = keyof typeof GATEWAY_ERRORS;

/** The JSON body of a gateway error: small, with the request id that matches the access log. */
export function errorBody(code: GatewayErrorCode, requestId: string, detail?: string): string {
  const { message } = GATEWAY_ERRORS[code];
  return JSON.stringify({
    error: { code, message: detail === undefined ? message : `${message}: ${detail}`, requestId },
  });
}

/**
 * Answers with a gateway error unless a response already began (then the connection is cut, so
 * the client sees a truncated response rather than a wrong one).
 */
export function sendError(
  res: ServerResponse | Http2ServerResponse,
  code: GatewayErrorCode,
  requestId: string,
  extraHeaders?: Record<string, string>,
  detail?: string,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = errorBody(code, requestId, detail);
  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-request-id': requestId,
    ...extraHeaders,
  };
  (res as ServerResponse).writeHead(GATEWAY_ERRORS[code].status, headers);
  res.end(body);
}
