import type { IncomingMessage } from 'node:http';
import { SwitchyardError } from '../../core/errors.js';

/** Raised while streaming a chunked body that grows past the route's limit. */
export class BodyTooLargeError extends SwitchyardError {
  constructor(limit: number) {
    super('SY_GW_BODY_TOO_LARGE', `request body exceeds ${limit} bytes`, {
      status: 413,
      details: { limit },
    });
  }
}

/** True when the request carries a body (a length above zero, or chunked framing). */
export function hasRequestBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  if (length !== undefined) return length !== '0';
  if (req.headers['transfer-encoding'] !== undefined) return true;
  // HTTP/2 has no framing headers: a stream that is still open may carry a body.
  return (
    req.httpVersionMajor === 2 &&
    !req.readableEnded &&
    req.method !== 'GET' &&
    req.method !== 'HEAD'
  );
}

/**
 * Streams a body of unknown length to the upstream, failing with `BodyTooLargeError` once it
 * passes `limit` bytes (so a chunked upload cannot dodge `maxBodySize`). Backpressure is kept:
 * the upstream pulls chunks.
 */
export async function* limitedBody(req: IncomingMessage, limit: number): AsyncGenerator<Buffer> {
  let seen = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    seen += chunk.length;
    if (seen > limit) throw new BodyTooLargeError(limit);
    yield chunk;
  }
}
