import { SwitchyardError } from '../../../core/errors.js';

/** A response body stream: undici's `BodyReadable`, a Node `Readable`, any byte iterable. */
export type ByteStream = AsyncIterable<Uint8Array> & { destroy?(error?: Error): unknown };

/**
 * Reads a whole response body, refusing more than `maxBytes`: at the first chunk past the limit
 * the stream is destroyed (so the connection is not kept reading a huge answer) and
 * `SY_GW_AGGREGATE_BODY_TOO_LARGE` is thrown. For the gateway's aggregate `call`.
 *
 * @example
 * const { statusCode, headers, body } = await request(url, { signal });
 * return { status: statusCode, headers, body: await readBoundedBody(body, init.maxBodyBytes) };
 */
export async function readBoundedBody(stream: ByteStream, maxBytes: number): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.byteLength;
    if (size > maxBytes) {
      const error = bodyTooLarge(maxBytes);
      stream.destroy?.(error);
      throw error;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/** `SY_GW_AGGREGATE_BODY_TOO_LARGE`: a part answered more than `maxBodyBytes`. */
export function bodyTooLarge(maxBytes: number): SwitchyardError {
  return new SwitchyardError(
    'SY_GW_AGGREGATE_BODY_TOO_LARGE',
    `body is over the ${maxBytes}-byte limit`,
    { status: 502, details: { maxBytes } },
  );
}
