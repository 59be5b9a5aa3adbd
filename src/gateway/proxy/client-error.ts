import type { Duplex } from 'node:stream';
import { errorBody, type GatewayErrorCode } from './error-response.js';
import { newRequestId } from '../../core/trace-context.js';

/**
 * Answers what Node's HTTP parser refused before a request existed: oversized headers (431),
 * a request not received in time (408), and malformed or smuggling-shaped requests — e.g. both
 * `Content-Length` and `Transfer-Encoding`, duplicate lengths, bad chunking (400). The connection
 * is closed afterwards: after a framing error nothing more on it can be trusted. Returns the
 * status sent, or undefined when the socket was already unusable.
 */
export function handleClientError(
  error: Error & { code?: string },
  socket: Duplex,
): number | undefined {
  if (
    !socket.writable ||
    (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent
  ) {
    socket.destroy();
    return undefined;
  }
  const [status, code, text] = classify(error.code);
  const requestId = newRequestId();
  const body = errorBody(code, requestId, error.code);
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
      `x-request-id: ${requestId}\r\nconnection: close\r\n\r\n${body}`,
  );
  return status;
}

function classify(code: string | undefined): [number, GatewayErrorCode, string] {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return [431, 'SY_GW_HEADERS_TOO_LARGE', 'Request Header Fields Too Large'];
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'ERR_HTTP_HEADERS_TIMEOUT':
      return [408, 'SY_GW_REQUEST_TIMEOUT', 'Request Timeout'];
    default:
      return [400, 'SY_GW_BAD_REQUEST', 'Bad Request'];
  }
}
