// HTTP clients of the registry load. Throughput phases: undici's Pool when the project has undici
// in node_modules, else node:http with a keep-alive Agent (what a Node user of the API runs).
// Watchers: one raw socket each (see blockingGet). The body is read to its last byte (that is
// when an answer is complete) but only kept when asked for, so a 10k-instance answer costs the
// client no JSON parse inside the timed loop.
import http from 'node:http';
import { Buffer } from 'node:buffer';
import { connect } from 'node:net';

const JSON_HEADERS = { 'content-type': 'application/json' };

/** An error for a non-2xx answer (counted by the loop, shown with the first one). */
function statusError(method, path, status, text) {
  return new Error(`${method} ${path} → ${status}${text ? `: ${text.slice(0, 200)}` : ''}`);
}

async function undiciClient(base, connections) {
  let undici;
  try {
    undici = await import('undici');
  } catch {
    return undefined;
  }
  const pool = new undici.Pool(base, { connections, pipelining: 1 });
  return {
    kind: 'undici Pool',
    async request(method, path, body, keep = false) {
      const res = await pool.request({
        method,
        path,
        body,
        headers: body === undefined ? undefined : JSON_HEADERS,
      });
      let bytes = 0;
      const chunks = keep || res.statusCode >= 300 ? [] : undefined;
      for await (const c of res.body) {
        bytes += c.length;
        chunks?.push(c);
      }
      const text = chunks && Buffer.concat(chunks).toString();
      if (res.statusCode >= 300) throw statusError(method, path, res.statusCode, text);
      return { status: res.statusCode, index: res.headers['x-consul-index'], bytes, text };
    },
    close: () => pool.close(),
  };
}

function nodeHttpClient(base, maxSockets) {
  const url = new URL(base);
  const agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  return {
    kind: 'node:http Agent (keepAlive)',
    request(method, path, body, keep = false) {
      return new Promise((resolve, reject) => {
        const headers =
          body === undefined
            ? undefined
            : { ...JSON_HEADERS, 'content-length': String(Buffer.byteLength(body)) };
        const req = http.request(
          { host: url.hostname, port: url.port, method, path, agent, headers },
          (res) => {
            let bytes = 0;
            const chunks = keep || res.statusCode >= 300 ? [] : undefined;
            res.on('data', (c) => {
              bytes += c.length;
              chunks?.push(c);
            });
            res.on('error', reject);
            res.on('end', () => {
              const text = chunks && Buffer.concat(chunks).toString();
              if (res.statusCode >= 300) reject(statusError(method, path, res.statusCode, text));
              else
                resolve({
                  status: res.statusCode,
                  index: res.headers['x-consul-index'],
                  bytes,
                  text,
                });
            });
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    },
    close: async () => agent.destroy(),
  };
}

/** A client with up to `connections` keep-alive connections to `base` (http://host:port). */
export async function httpClient(base, connections) {
  return (await undiciClient(base, connections)) ?? nodeHttpClient(base, connections);
}

/**
 * A blocking GET on its own raw connection, for the watcher phase: a thousand watchers stand for
 * a thousand separate clients, so each costs this one load process as little as possible (no
 * http.ClientRequest, a Content-Length scan instead of a parser). `onSent` fires once the request
 * is written; `done` resolves when the answer's last byte arrived (or with `{ error }`).
 */
export function blockingGet(base, path, onSent) {
  const url = new URL(base);
  const socket = connect(Number(url.port), url.hostname);
  socket.setNoDelay(true);
  socket.setEncoding('latin1'); // one char per byte, so lengths are byte counts
  const done = new Promise((resolve) => {
    let text = '';
    let need = -1;
    let head = '';
    socket.on('connect', () =>
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`, onSent),
    );
    socket.on('data', (chunk) => {
      text += chunk;
      if (need < 0) {
        const end = text.indexOf('\r\n\r\n');
        if (end < 0) return;
        head = text.slice(0, end);
        const length = /^content-length: *(\d+)/im.exec(head);
        if (!length) {
          resolve({ error: new Error(`no Content-Length: ${head}`), at: performance.now() });
          socket.destroy();
          return;
        }
        need = end + 4 + Number(length[1]);
      }
      if (text.length < need) return;
      resolve({
        status: Number(head.slice(9, 12)),
        index: Number(/^x-consul-index: *(\d+)/im.exec(head)?.[1]),
        at: performance.now(),
      });
      // kept open until the round ends: closing now would load the server with 1,000 hang-ups
      // while it is still answering the other watchers
    });
    socket.on('error', (error) => resolve({ error, at: performance.now() }));
    socket.on('close', () => resolve({ error: new Error('closed'), at: performance.now() }));
  });
  return { done, abort: () => socket.destroy() };
}
