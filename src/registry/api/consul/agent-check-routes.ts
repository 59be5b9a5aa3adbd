import { UnknownCheckError, UnknownServiceError } from '../../catalog/catalog-errors.js';
import type { HealthStatus } from '../../catalog/model.js';
import { BadRequestError, clip } from '../api-errors.js';
import type { Exchange } from '../exchange.js';
import type { RouteTable } from '../route-table.js';
import { decodeCheckRegistration, decodeCheckUpdate } from './decode-check.js';

const MAX_NOTE = 4096;

/**
 * Consul's `/v1/agent/check/*`: register, deregister, and the TTL reports pass / warn / fail
 * (`?note=` becomes the output) and update (`{Status, Output}`). Each report restarts the TTL.
 * As in Consul, only TTL checks take reports: the registry runs HTTP and TCP checks itself.
 */
export function agentCheckRoutes(table: RouteTable): void {
  table
    .add('PUT', '/v1/agent/check/register', registerCheck)
    .add('PUT', '/v1/agent/check/deregister/*', deregisterCheck)
    .add('PUT', '/v1/agent/check/pass/*', (x) => report(x, 'passing'))
    .add('PUT', '/v1/agent/check/warn/*', (x) => report(x, 'warning'))
    .add('PUT', '/v1/agent/check/fail/*', (x) => report(x, 'critical'))
    .add('PUT', '/v1/agent/check/update/*', updateCheck);
}

async function registerCheck(x: Exchange): Promise<void> {
  const spec = decodeCheckRegistration(await x.jsonBody());
  try {
    await x.catalog.registerCheck(spec);
  } catch (error) {
    // Consul answers a check for a service it does not have with a 400, not a 404.
    if (error instanceof UnknownServiceError) {
      throw new BadRequestError(`ServiceID: service "${clip(error.serviceId, 60)}" does not exist`);
    }
    throw error;
  }
  x.sendEmpty(200, x.catalog.index);
}

async function deregisterCheck(x: Exchange): Promise<void> {
  await x.catalog.deregisterCheck(x.requiredParam('check ID'));
  x.sendEmpty(200, x.catalog.index);
}

function report(x: Exchange, status: HealthStatus): Promise<void> {
  const id = ttlCheckId(x);
  const note = x.queryString === '' ? null : x.query.get('note');
  return finish(x, x.catalog.updateCheck(id, status, note?.slice(0, MAX_NOTE) ?? ''));
}

async function updateCheck(x: Exchange): Promise<void> {
  const id = ttlCheckId(x);
  const { status, output } = decodeCheckUpdate(await x.jsonBody());
  await finish(x, x.catalog.updateCheck(id, status, output));
}

async function finish(x: Exchange, update: Promise<unknown>): Promise<void> {
  await update;
  x.sendEmpty(200, x.catalog.index);
}

/** The check ID from the path; it must name an existing TTL check. */
function ttlCheckId(x: Exchange): string {
  const id = x.requiredParam('check ID');
  const check = x.catalog.getCheck(id);
  if (!check || check.definition.type === 'serf') throw new UnknownCheckError(id);
  if (check.definition.type !== 'ttl') {
    throw new BadRequestError(
      `Check "${clip(id, 60)}" is not a TTL check; only TTL checks take reports`,
    );
  }
  return id;
}
