import type { Socket } from 'node:net';
import { answerDnsQuery, RCODE } from './dns-answer.js';
import type { CompiledDnsOptions, DnsSource } from './dns-options.js';

/** What a TCP connection needs from its server; built once and shared by every connection. */
export interface DnsTcpContext {
  readonly source: DnsSource;
  readonly options: CompiledDnsOptions;
  readonly idleTimeoutMs: number;
  readonly maxMessageBytes: number;
  /** Called once per answered query, with the response (for the server's counters). */
  readonly onAnswer: (response: Buffer) => void;
  /** Called when a frame was garbage and the connection was closed for it. */
  readonly onBadFrame: () => void;
}

/**
 * Serves DNS over one TCP connection (RFC 7766): each message is framed by a two-byte length,
 * several queries may arrive back to back and are answered in order. A garbage frame (a length of
 * 0 or above `maxMessageBytes`, or a message that is not a readable query) closes this connection
 * only. An idle connection is closed after `idleTimeoutMs`. When the peer stops reading our
 * answers, we stop answering and reading until the socket drains, so a client that pipelines
 * queries without reading cannot make us buffer answers without bound.
 */
export function serveDnsTcpConnection(socket: Socket, context: DnsTcpContext): void {
  let pending: Buffer | undefined;
  let blocked = false;
  socket.setNoDelay(true);
  socket.setTimeout(context.idleTimeoutMs);
  socket.on('timeout', () => socket.destroy());
  socket.on('error', () => {
    // ECONNRESET and the like: the connection is gone, which is all we need to know.
  });
  const drainQueries = (): void => {
    const buffer = pending;
    if (buffer === undefined) return;
    pending = undefined;
    let offset = 0;
    while (buffer.length - offset >= 2 && !blocked) {
      const length = buffer.readUInt16BE(offset);
      if (length === 0 || length > context.maxMessageBytes) return badFrame(socket, context);
      if (buffer.length - offset - 2 < length) break;
      const frame = buffer.subarray(offset + 2, offset + 2 + length);
      offset += 2 + length;
      const result = answer(socket, frame, context);
      if (result === 'closed') return;
      blocked = result === 'blocked';
    }
    // Bounded: unread queries wait here only while the peer is not reading our answers, and
    // reading stops then, so at most one chunk plus one frame is held.
    if (offset < buffer.length) pending = buffer.subarray(offset);
  };
  socket.on('data', (chunk: Buffer) => {
    pending = pending === undefined ? chunk : Buffer.concat([pending, chunk]);
    drainQueries();
    if (blocked) socket.pause();
  });
  socket.on('drain', () => {
    blocked = false;
    drainQueries();
    if (blocked) return;
    socket.resume();
  });
}

/** Answers one framed query: 'blocked' when the peer is not reading, 'closed' after garbage. */
function answer(
  socket: Socket,
  frame: Buffer,
  context: DnsTcpContext,
): 'ok' | 'blocked' | 'closed' {
  const response = answerDnsQuery(frame, context.source, context.options, 'tcp');
  if (response === undefined) {
    badFrame(socket, context);
    return 'closed';
  }
  context.onAnswer(response);
  const framed = Buffer.allocUnsafe(2 + response.length);
  framed.writeUInt16BE(response.length, 0);
  response.copy(framed, 2);
  if ((response[3]! & 0xf) === RCODE.FORMERR) {
    // Tell the client why, then close: after garbage, the stream's framing cannot be trusted.
    socket.end(framed);
    context.onBadFrame();
    return 'closed';
  }
  return socket.write(framed) ? 'ok' : 'blocked';
}

function badFrame(socket: Socket, context: DnsTcpContext): void {
  context.onBadFrame();
  socket.destroy();
}
