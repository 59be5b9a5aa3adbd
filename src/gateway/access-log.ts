import type { IncomingMessage } from 'node:http';
import pino from 'pino';
import type { Exchange } from './proxy/exchange.js';

/** Writes one JSON line per request (pino, buffered: the log must not slow the proxy). */
export interface AccessLog {
  readonly exchange: (exchange: Exchange) => void;
  readonly local: (
    req: IncomingMessage,
    status: number,
    code: string,
    requestId: string,
    startedAt: number,
  ) => void;
  readonly flush: () => void;
}

/**
 * @example
 * const log = createAccessLog(); // stdout
 * log.exchange(exchange); // {"msg":"request","requestId":"…","status":200,…}
 */
export function createAccessLog(stream?: NodeJS.WritableStream): AccessLog {
  const destination = stream ?? pino.destination({ dest: 1, sync: false, minLength: 4096 });
  const log = pino(
    { base: null, timestamp: pino.stdTimeFunctions.isoTime, messageKey: 'msg' },
    destination as pino.DestinationStream,
  );
  return {
    exchange: (x) => {
      log.info(
        {
          requestId: x.requestId,
          method: x.method,
          path: x.req.url,
          route: x.route.name,
          service: x.route.service.name,
          endpoint: x.endpoint?.id,
          status: x.status === 0 ? 499 : x.status,
          tries: x.tries,
          durationMs: Math.round((performance.now() - x.startedAt) * 1000) / 1000,
          ...(x.errorCode && { code: x.errorCode }),
          client: x.req.socket.remoteAddress,
        },
        'request',
      );
    },
    local: (req, status, code, requestId, startedAt) => {
      log.info(
        {
          requestId,
          method: req.method,
          path: req.url,
          status,
          code,
          durationMs: Math.round((performance.now() - startedAt) * 1000) / 1000,
          client: req.socket.remoteAddress,
        },
        'request',
      );
    },
    flush: () => {
      const d = destination as { flushSync?: () => void };
      try {
        d.flushSync?.();
      } catch {
        // not ready yet or already closed: nothing buffered to lose
      }
    },
  };
}
