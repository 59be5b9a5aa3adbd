import type { IncomingMessage, ServerResponse } from 'node:http';

/** The JSON a health endpoint answers. */
export interface HealthBody {
  readonly status: 'passing' | 'critical';
  /** Why it is critical: `shutting down`, or the custom check's failure. */
  readonly reason?: string;
}

/** Options of `healthHandler()` / `fastifyHealth()`. */
export interface HealthHandlerOptions {
  /** Your own readiness check (database reachable…); false or a throw answers 503. */
  readonly check?: () => boolean | Promise<boolean>;
}

/** The subset of a Fastify reply the handler uses (no dependency on fastify's types). */
export interface FastifyReplyLike {
  code(status: number): unknown;
  header(name: string, value: string): unknown;
}

/** The state the handlers read: true from the first shutdown signal on. */
export interface HealthState {
  readonly shuttingDown: boolean;
}

/**
 * A `/health` handler for node:http and Express (same signature): 200 `{"status":"passing"}`,
 * or 503 `{"status":"critical","reason":"shutting down"}` from the moment shutdown starts, so a
 * registry's HTTP check (and a Kubernetes readiness probe) fails at once instead of after a
 * few probe intervals. While shutting down the answer also carries `Connection: close`.
 *
 * @example
 * const health = sy.healthHandler();
 * createServer((req, res) => (req.url === '/health' ? health(req, res) : app(req, res)));
 */
export function createHealthHandler(
  state: HealthState,
  options: HealthHandlerOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void evaluate(state, options).then((body) => {
      if (res.writableEnded || res.destroyed) return;
      const json = JSON.stringify(body);
      res.statusCode = body.status === 'passing' ? 200 : 503;
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.setHeader('cache-control', 'no-store');
      if (state.shuttingDown) res.shouldKeepAlive = false;
      res.setHeader('content-length', Buffer.byteLength(json));
      res.end(req.method === 'HEAD' ? undefined : json);
    });
  };
}

/**
 * The same for Fastify: `fastify.get('/health', sy.fastifyHealth())`. Sets the status code and
 * returns the JSON body for Fastify to serialize.
 *
 * @example
 * fastify.get('/health', sy.fastifyHealth({ check: () => db.isConnected() }));
 */
export function createFastifyHealth(
  state: HealthState,
  options: HealthHandlerOptions = {},
): (request: unknown, reply: FastifyReplyLike) => Promise<HealthBody> {
  return async (_request, reply) => {
    const body = await evaluate(state, options);
    reply.code(body.status === 'passing' ? 200 : 503);
    reply.header('cache-control', 'no-store');
    if (state.shuttingDown) reply.header('connection', 'close');
    return body;
  };
}

async function evaluate(state: HealthState, options: HealthHandlerOptions): Promise<HealthBody> {
  if (state.shuttingDown) return { status: 'critical', reason: 'shutting down' };
  if (options.check === undefined) return { status: 'passing' };
  try {
    return (await options.check())
      ? { status: 'passing' }
      : { status: 'critical', reason: 'check failed' };
  } catch (error) {
    return { status: 'critical', reason: error instanceof Error ? error.message : String(error) };
  }
}
