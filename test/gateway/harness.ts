import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/core/logger.js';
import { startGateway, type Gateway } from '../../src/gateway/gateway-server.js';

/** A real upstream on port 0 that echoes what it received (or runs `handler`). */
export interface Upstream {
  readonly url: string;
  readonly port: number;
  readonly name: string;
  /** Requests seen, in order. */
  readonly seen: { method: string; url: string; headers: IncomingMessage['headers'] }[];
  server: Server;
  close(): Promise<void>;
}

export type UpstreamHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  upstream: Upstream,
) => void;

/** Echo: JSON with the upstream's name, method, url and headers. */
export const echo: UpstreamHandler = (req, res, upstream) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.stringify({
      name: upstream.name,
      method: req.method,
      url: req.url,
      headers: req.headers,
      bodyLength: Buffer.concat(chunks).length,
    });
    res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': upstream.name });
    res.end(body);
  });
};

export async function startUpstream(
  name: string,
  handler: UpstreamHandler = echo,
  port = 0,
): Promise<Upstream> {
  const seen: Upstream['seen'] = [];
  const upstream = { name, seen } as unknown as Upstream & { url: string; port: number };
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    handler(req, res, upstream);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actual = (server.address() as AddressInfo).port;
  Object.assign(upstream, {
    server,
    port: actual,
    url: `http://127.0.0.1:${actual}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
  return upstream;
}

/** Writes `yaml` to a fresh temp dir and returns the file path. */
export function writeConfig(yaml: string, dir = mkdtempSync(join(tmpdir(), 'sy-gw-'))): string {
  const file = join(dir, 'gateway.yaml');
  writeFileSync(file, yaml);
  return file;
}

/** Starts a gateway on 127.0.0.1:0 from YAML text (no access log, silent). */
export async function gatewayFrom(yaml: string): Promise<Gateway & { configPath: string }> {
  const configPath = writeConfig(yaml);
  const gateway = await startGateway({ configPath, logger: silentLogger, accessLog: false });
  return Object.assign(gateway, { configPath });
}

/** GET (or other) through undici-free global fetch with a parsed JSON body when there is one. */
export async function call(
  url: string,
  init: RequestInit = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON bodies
): Promise<{ status: number; headers: Headers; text: string; json: any }> {
  const res = await fetch(url, init);
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}
