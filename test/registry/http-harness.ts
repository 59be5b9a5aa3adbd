import { request } from 'node:http';
import { createLogger } from '../../src/core/logger.js';
import { Catalog } from '../../src/registry/catalog/catalog.js';
import {
  startRegistryHttp,
  type RegistryHttp,
  type RegistryHttpOptions,
} from '../../src/registry/api/http-server.js';
import { MemoryStore } from '../../src/registry/store/memory-store.js';

/** A registry HTTP API on 127.0.0.1:0 over a MemoryStore catalog, with its error log captured. */
export interface Harness {
  readonly catalog: Catalog;
  readonly api: RegistryHttp;
  readonly url: string;
  readonly port: number;
  /** Error log lines (500s): a test that expects none asserts this stays empty. */
  readonly errors: string[];
  close(): Promise<void>;
}

export async function startHarness(
  options: Partial<Omit<RegistryHttpOptions, 'catalog'>> = {},
): Promise<Harness> {
  const catalog = await Catalog.open({
    store: new MemoryStore(),
    node: { name: 'node-1', address: '127.0.0.1' },
  });
  const errors: string[] = [];
  const logger = createLogger('test', 'error', (line) => errors.push(line));
  const api = await startRegistryHttp({ catalog, host: '127.0.0.1', port: 0, logger, ...options });
  return {
    catalog,
    api,
    url: api.url,
    port: api.port,
    errors,
    async close() {
      await api.close();
      await catalog.close();
    },
  };
}

/** Rejects if `promise` has not settled within `ms` (a bounded wait, never a sleep). */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves once `predicate()` holds, checking after each event-loop turn; bounded by `ms`. */
export function until(predicate: () => boolean, ms: number, what: string): Promise<void> {
  return within(
    new Promise<void>((resolve) => {
      const check = () => (predicate() ? resolve() : setImmediate(check));
      check();
    }),
    ms,
    what,
  );
}

/** A PUT with a JSON (or raw string) body. */
export function put(
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, {
    method: 'PUT',
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** A raw HTTP/1.1 request: the path is sent exactly as given (fetch would normalize it). */
export function rawRequest(
  port: number,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method, path, headers: options.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Registers `id` of service `name` with a TTL check in `status` (default passing). */
export async function register(
  url: string,
  name: string,
  id: string,
  status: 'passing' | 'warning' | 'critical' = 'passing',
  extra: Record<string, unknown> = {},
): Promise<void> {
  const res = await put(`${url}/v1/agent/service/register`, {
    Name: name,
    ID: id,
    Address: '127.0.0.1',
    Port: 8080,
    Check: { TTL: '30s', Status: status },
    ...extra,
  });
  if (res.status !== 200) throw new Error(`register ${id}: ${res.status} ${await res.text()}`);
}

// Consul JSON as the tests read it (only the fields they look at; Consul's names).

export interface ConsulCheckJson {
  readonly CheckID: string;
  readonly Name: string;
  readonly Status: string;
  readonly Notes: string;
  readonly Output: string;
  readonly ServiceID: string;
  readonly ServiceName: string;
  readonly ServiceTags: string[];
  readonly Type: string;
  readonly Definition: Record<string, unknown>;
}

export interface ConsulServiceJson {
  readonly ID: string;
  readonly Service: string;
  readonly Address: string;
  readonly Port: number;
  readonly Tags: string[];
  readonly Meta: Record<string, string>;
  readonly Weights: { Passing: number; Warning: number };
  readonly TaggedAddresses?: Record<string, unknown>;
}

export interface ConsulHealthEntryJson {
  readonly Node: { readonly Node: string; readonly Datacenter: string };
  readonly Service: ConsulServiceJson;
  readonly Checks: ConsulCheckJson[];
}

export interface ConsulCatalogServiceJson {
  readonly ServiceID: string;
  readonly ServiceName: string;
  readonly ServiceAddress: string;
  readonly ServicePort: number;
  readonly Node: string;
  readonly Address: string;
}

export interface ConsulKvJson {
  readonly Key: string;
  readonly Value: string | null;
  readonly Flags: number;
  readonly ModifyIndex: number;
}
