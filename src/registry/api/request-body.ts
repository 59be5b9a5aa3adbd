import type { IncomingMessage } from 'node:http';
import { BadRequestError, BodyTooLargeError } from './api-errors.js';

/**
 * An over-cap body is still read (and dropped) up to this many bytes before the 413 goes out, so
 * the client has finished sending and reads the answer instead of a connection reset. Beyond it
 * the connection is closed at once.
 */
const DRAIN_LIMIT = 8 * 1024 * 1024;

/** Marks an error whose response must close the connection (the body was not drained). */
export const CLOSE_CONNECTION = Symbol('closeConnection');

/**
 * Reads a request body into one Buffer, refusing more than `maxBytes` with a `BodyTooLargeError`
 * (413). A declared `Content-Length` over the cap is refused without buffering anything.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = declaredLength(req);
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = declared !== undefined && declared > maxBytes;
    const tooLarge = () => new BodyTooLargeError(maxBytes, declared);
    if (over && (declared ?? 0) > DRAIN_LIMIT) {
      req.resume();
      reject(Object.assign(tooLarge(), { [CLOSE_CONNECTION]: true }));
      return;
    }
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (over || size > maxBytes) {
        over = true;
        chunks.length = 0;
        if (size > DRAIN_LIMIT) {
          req.removeAllListeners('data');
          req.resume();
          reject(Object.assign(tooLarge(), { [CLOSE_CONNECTION]: true }));
        }
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => {
      if (over) reject(tooLarge());
      else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    req.once('error', (error) => {
      reject(new BadRequestError('Request body could not be read', { cause: error.message }));
    });
    // A client that hangs up mid-body may end the stream without 'end' or 'error'.
    req.once('close', () => {
      if (!req.complete) reject(new BadRequestError('Request body incomplete: client went away'));
    });
  });
}

/** Parses a JSON body; a syntax error becomes a 400 in Consul's words ("Request decode failed"). */
export function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) throw new BadRequestError('Request decode failed: empty body');
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (error) {
    const detail = (error as Error).message.slice(0, 120);
    throw new BadRequestError(`Request decode failed: ${detail}`);
  }
}

function declaredLength(req: IncomingMessage): number | undefined {
  const header = req.headers['content-length'];
  if (header === undefined) return undefined;
  const n = Number(header);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}
