import assert from 'node:assert/strict';
import { silentLogger } from '../../src/core/logger.js';
import type { EndpointSpec } from '../../src/core/upstream/endpoint.js';
import type {
  EndpointSource,
  SourceStatus,
} from '../../src/core/upstream/discovery/endpoint-source.js';
import { startRegistry, type RunningRegistry } from '../../src/registry/registry-server.js';
import { put, until, within } from '../registry/http-harness.js';

export { put, until, within };

/** A registry on 127.0.0.1 (port 0 unless given) with an in-memory store and a fixed node. */
export function startTestRegistry(
  options: { port?: number; dns?: boolean; token?: string } = {},
): Promise<RunningRegistry> {
  return startRegistry({
    http: { host: '127.0.0.1', port: options.port ?? 0 },
    dns: options.dns ? { host: '127.0.0.1', port: 0 } : false,
    dataDir: ':memory:',
    node: { name: 'node-1', address: '127.0.0.1' },
    logger: silentLogger,
    ...(options.token !== undefined && { token: options.token, requireTokenForReads: true }),
  });
}

/** Registers an instance of `name` through the Consul API, with a passing TTL check `service:<id>`. */
export async function register(
  registryUrl: string,
  instance: {
    id: string;
    port: number;
    name?: string;
    tags?: string[];
    meta?: Record<string, string>;
    weight?: number;
  },
  headers: Record<string, string> = {},
): Promise<void> {
  const res = await put(
    `${registryUrl}/v1/agent/service/register`,
    {
      Name: instance.name ?? 'web',
      ID: instance.id,
      Address: '127.0.0.1',
      Port: instance.port,
      Tags: instance.tags ?? [],
      Meta: instance.meta ?? {},
      ...(instance.weight !== undefined && { Weights: { Passing: instance.weight, Warning: 1 } }),
      Check: { TTL: '60s', Status: 'passing' },
    },
    headers,
  );
  assert.equal(res.status, 200, await res.text());
}

/** Reports the TTL check of instance `id` as pass, warn or fail. */
export async function report(registryUrl: string, id: string, verdict: 'pass' | 'warn' | 'fail') {
  const res = await put(`${registryUrl}/v1/agent/check/${verdict}/service:${id}`);
  assert.equal(res.status, 200, await res.text());
}

export function ids(list: readonly EndpointSpec[] | undefined): string[] {
  return (list ?? []).map((e) => e.id);
}

/** The first list (current or next) satisfying `predicate`, bounded by `ms`. */
export function listWhere(
  source: EndpointSource,
  predicate: (list: readonly EndpointSpec[]) => boolean,
  ms: number,
  what: string,
): Promise<readonly EndpointSpec[]> {
  const now = source.current();
  if (now && predicate(now)) return Promise.resolve(now);
  let off = (): void => {};
  const next = new Promise<readonly EndpointSpec[]>((resolve) => {
    off = source.onUpdate((list) => {
      if (predicate(list)) resolve(list);
    });
  });
  return within(next, ms, `${what} (now ${JSON.stringify(ids(source.current()))})`).finally(off);
}

/** Resolves once `status()` satisfies `predicate`, bounded by `ms`. */
export async function statusWhere(
  source: EndpointSource,
  predicate: (status: SourceStatus) => boolean,
  ms: number,
  what: string,
): Promise<SourceStatus> {
  await until(() => predicate(source.status()), ms, `${what} (${JSON.stringify(source.status())})`);
  return source.status();
}
