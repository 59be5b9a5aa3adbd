import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';

/** What the admin API reads and triggers; the gateway server (or the cluster primary) provides it. */
export interface AdminBackend {
  status(): Promise<object>;
  metrics(): Promise<string>;
  config(): Promise<object>;
  reload(): Promise<{ ok: boolean; error?: string; problems?: readonly unknown[] }>;
}

export interface AdminServerOptions {
  readonly host: string;
  readonly port: number;
  readonly token?: string | undefined;
  readonly backend: AdminBackend;
}

/**
 * The gateway's admin API: `GET /status`, `GET /metrics` (Prometheus), `GET /config` (secrets
 * redacted), `POST /reload`, `GET /health`. Loopback by default; every endpoint but `/health`
 * needs the token when one is set (`Authorization: Bearer <token>` or `X-Switchyard-Token`).
 */
export async function startAdminServer(
  options: AdminServerOptions,
): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    handle(req, res, options).catch((error: unknown) => {
      json(res, 500, { error: { code: 'SY_GW_ADMIN_INTERNAL', message: String(error) } });
    });
  });
  server.maxHeadersCount = 100;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    server,
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, options: AdminServerOptions) {
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/health') return json(res, 200, { status: 'ok' });
  if (options.token !== undefined && !authorized(req, options.token)) {
    return json(res, 403, {
      error: { code: 'SY_GW_ADMIN_FORBIDDEN', message: 'the admin API needs a valid token' },
    });
  }
  const { backend } = options;
  const method = req.method ?? 'GET';
  const route = ROUTES[path ?? ''];
  if (route === undefined) {
    return json(res, 404, {
      error: { code: 'SY_GW_ADMIN_NOT_FOUND', message: `no admin endpoint ${path}` },
    });
  }
  if (route !== method) {
    res.setHeader('allow', route);
    return json(res, 405, {
      error: { code: 'SY_GW_ADMIN_METHOD', message: `${path} takes ${route}, not ${method}` },
    });
  }
  req.resume();
  switch (path) {
    case '/status':
      return json(res, 200, await backend.status());
    case '/config':
      return json(res, 200, await backend.config());
    case '/metrics': {
      const body = await backend.metrics();
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      return res.end(body);
    }
    case '/reload': {
      const result = await backend.reload();
      return json(res, result.ok ? 200 : 422, result);
    }
  }
}

const ROUTES: Record<string, string> = {
  '/status': 'GET',
  '/config': 'GET',
  '/metrics': 'GET',
  '/reload': 'POST',
};

function authorized(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization;
  const given =
    typeof header === 'string' && header.startsWith('Bearer ')
      ? header.slice(7)
      : req.headers['x-switchyard-token'];
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
