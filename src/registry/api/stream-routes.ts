import type { Change } from '../catalog/watch-hub.js';
import { BadRequestError, hasControlCharacters, TooManyWatchersError } from './api-errors.js';
import { MAX_NAME } from './consul/lenient-object.js';
import type { Exchange } from './exchange.js';
import type { RouteTable } from './route-table.js';

/**
 * `GET /v1/switchyard/stream[?service=NAME][&passing]`: a Server-Sent Events push stream of
 * health changes, so gateways and dashboards hear of a change at once without long-poll churn.
 *
 * Events (each `data` is one JSON line, `id` is the registry index):
 * - `snapshot` first: `{"index":N,"services":{"<name>":[<health entries>], ...}}` — every
 *   service, or just `NAME` (possibly `[]`) with `?service=`.
 * - `change` per changed service: `{"service":"<name>","index":N,"entries":[...]}`; `entries`
 *   has the same shape as `GET /v1/health/service/<name>` and is `[]` when the service is gone.
 * - a `: heartbeat` comment every `streamHeartbeatMs` (default 15 s) keeps proxies from timing out.
 *
 * Changes within one tick are coalesced per service, and a slow reader never makes the stream
 * buffer more than one pending event per service (the latest state wins).
 */
export function streamRoutes(table: RouteTable): void {
  table.add('GET', '/v1/switchyard/stream', openStream);
}

function openStream(x: Exchange): void {
  const service = streamService(x);
  const passing = x.flag('passing');
  const { ctx, catalog, res } = x;
  if (ctx.watchers.active >= ctx.watchers.limit) throw new TooManyWatchersError(ctx.watchers.limit);
  ctx.watchers.active++;

  const dirty = new Set<string>();
  let flushing: NodeJS.Immediate | undefined;
  let blocked = false;

  const event = (name: string, index: number, json: string) =>
    res.write(`id: ${index}\nevent: ${name}\ndata: ${json}\n\n`);
  const flush = () => {
    flushing = undefined;
    if (blocked) return;
    for (const name of dirty) {
      dirty.delete(name);
      const index = catalog.serviceIndex(name);
      const entries = ctx.health.json(name, passing);
      const data = `{"service":${JSON.stringify(name)},"index":${index},"entries":${entries}}`;
      if (!event('change', index, data)) {
        blocked = true;
        return;
      }
    }
  };
  const onChange = (change: Change) => {
    if (change.kind === 'service') dirty.add(change.name);
    else if (service !== undefined) dirty.add(service);
    else for (const name of catalog.serviceTags().keys()) dirty.add(name);
    flushing ??= setImmediate(flush);
  };
  const unsubscribe = catalog.hub.subscribe(
    service === undefined
      ? (c) => c.kind !== 'kv'
      : (c) => c.kind === 'node' || (c.kind === 'service' && c.name === service),
    onChange,
  );
  const heartbeat = setInterval(() => {
    if (!blocked) res.write(': heartbeat\n\n');
  }, ctx.streamHeartbeatMs);
  heartbeat.unref();
  const end = () => {
    res.shouldKeepAlive = false;
    res.end();
  };
  ctx.held.add(end);
  res.on('drain', () => {
    blocked = false;
    flush();
  });
  res.once('close', () => {
    unsubscribe();
    clearInterval(heartbeat);
    if (flushing) clearImmediate(flushing);
    ctx.held.delete(end);
    ctx.watchers.active--;
  });

  const index = service === undefined ? catalog.servicesIndex : catalog.serviceIndex(service);
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache',
    'X-Accel-Buffering': 'no',
    'X-Consul-Index': String(index),
  });
  res.write('retry: 2000\n\n');
  event('snapshot', catalog.index, snapshot(x, service, passing));
}

function streamService(x: Exchange): string | undefined {
  if (x.queryString === '') return undefined;
  const name = x.query.get('service');
  if (name === null) return undefined;
  if (name === '' || name.length > MAX_NAME || hasControlCharacters(name)) {
    throw new BadRequestError('?service: expected a service name');
  }
  return name;
}

function snapshot(x: Exchange, service: string | undefined, passing: boolean): string {
  const names = service === undefined ? [...x.catalog.serviceTags().keys()] : [service];
  const parts = names.map((n) => `${JSON.stringify(n)}:${x.ctx.health.json(n, passing)}`);
  return `{"index":${x.catalog.index},"services":{${parts.join(',')}}}`;
}
