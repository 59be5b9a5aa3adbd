import type { Catalog } from '../../catalog/catalog.js';
import type { CheckState, HealthStatus } from '../../catalog/model.js';
import { BadRequestError, clip } from '../api-errors.js';
import { answerBlocking } from '../blocking-query.js';
import type { Exchange } from '../exchange.js';
import type { RouteTable } from '../route-table.js';
import { encodeCheck } from './consul-json.js';

const STATES: ReadonlySet<string> = new Set(['any', 'passing', 'warning', 'critical']);

/**
 * Consul's `/v1/health/*`: service (with `passing` and repeatable `tag`; `near`, `dc`,
 * `node-meta`, `filter` are accepted and ignored), checks of a service, checks of the node and
 * checks by state. All are blocking-capable.
 */
export function healthRoutes(table: RouteTable): void {
  table
    .add('GET', '/v1/health/service/*', healthService)
    .add('GET', '/v1/health/checks/*', healthChecks)
    .add('GET', '/v1/health/node/*', healthNode)
    .add('GET', '/v1/health/state/*', healthState);
}

/** hot path: discovery polls and watches; the answer is cached JSON text per service. */
function healthService(x: Exchange): void | Promise<void> {
  const name = x.requiredParam('service name');
  const passing = x.flag('passing');
  const tags = x.queryString === '' ? [] : x.query.getAll('tag');
  return answerBlocking(x, { kind: 'service', name }, (index) => {
    x.sendJson(x.ctx.health.bytes(name, passing, tags), index);
  });
}

/** The service-level checks of every instance of a service. */
function healthChecks(x: Exchange): void | Promise<void> {
  const name = x.requiredParam('service name');
  return answerBlocking(x, { kind: 'service', name }, (index) => {
    const catalog = x.catalog;
    const out: Record<string, unknown>[] = [];
    for (const entry of catalog.healthOf(name)) {
      for (const c of entry.checks) {
        if (c.definition.serviceId !== undefined)
          out.push(encodeCheck(c, catalog.node.name, entry.service));
      }
    }
    x.send(out, index);
  });
}

/** Every check on the node (node-level and service-level); [] for any other node name. */
function healthNode(x: Exchange): void | Promise<void> {
  const node = x.requiredParam('node name');
  return answerBlocking(x, { kind: 'checks' }, (index) => {
    const catalog = x.catalog;
    const ours = node === catalog.node.name || node === catalog.node.id;
    x.send(ours ? encodeChecks(catalog, () => true) : [], index);
  });
}

/** Checks in one state, or all with `any`. */
function healthState(x: Exchange): void | Promise<void> {
  const state = x.requiredParam('check state');
  if (!STATES.has(state)) {
    throw new BadRequestError(
      `Invalid check state "${clip(state, 40)}": use any, passing, warning or critical`,
    );
  }
  const want = state as HealthStatus | 'any';
  return answerBlocking(x, { kind: 'checks' }, (index) => {
    x.send(
      encodeChecks(x.catalog, (c) => want === 'any' || c.status === want),
      index,
    );
  });
}

/** All checks that pass `keep`, encoded, each with its service's name and tags. */
export function encodeChecks(
  catalog: Catalog,
  keep: (check: CheckState) => boolean,
): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const c of catalog.checks()) {
    if (!keep(c)) continue;
    const serviceId = c.definition.serviceId;
    const service = serviceId === undefined ? undefined : catalog.getService(serviceId);
    out.push(encodeCheck(c, catalog.node.name, service));
  }
  return out;
}
