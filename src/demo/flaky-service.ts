import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the demo service does with each request. */
export type ServiceMode = 'healthy' | 'failing' | 'slow';

/**
 * A real HTTP service on a loopback port whose behaviour the demo switches: healthy (200),
 * failing (500) or slow (answers after `slowMs`). It counts the requests that reach it, so the
 * demo can show that an open breaker sends none.
 */
export class FlakyService {
  mode: ServiceMode = 'healthy';
  hits = 0;
  readonly #server: Server;

  constructor(readonly slowMs = 2000) {
    this.#server = createServer((req, res) => {
      this.hits++;
      req.resume();
      if (this.mode === 'failing') {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end('{"error":"injected failure"}');
      } else if (this.mode === 'slow') {
        const timer = setTimeout(() => res.end('{"ok":true,"slow":true}'), this.slowMs);
        res.on('close', () => clearTimeout(timer));
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      }
    });
  }

  /** Listens on 127.0.0.1 and an ephemeral port; resolves to the base URL. */
  async start(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(0, '127.0.0.1', resolve);
    });
    const { port } = this.#server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
