import { UnknownCheckError, UnknownServiceError } from '../../catalog/catalog-errors.js';
import { BadRequestError, clip } from '../api-errors.js';
import { answerBlocking, readOptions } from '../blocking-query.js';
import type { Exchange } from '../exchange.js';
import type { RouteTable } from '../route-table.js';
import { agentCheckRoutes } from './agent-check-routes.js';
import { encodeAgentService, encodeNode } from './consul-json.js';
import { decodeServiceRegistration } from './decode-service.js';
import { encodeChecks } from './health-routes.js';

/** The Consul version this API matches, for clients that feature-detect from `agent/self`. */
export const CONSUL_COMPAT_VERSION = '1.17.0';
const MAINTENANCE_DEFAULT_NOTE =
  'Maintenance mode is enabled for this service, but no reason was provided. This is a default message.';

/**
 * Consul's `/v1/agent/*`: service register / deregister / maintenance, the service and check
 * lists (blocking-capable), one service, `self` and `members`; check routes are in
 * agent-check-routes.ts. Writes answer 200 with an empty body once the change is durable.
 */
export function agentRoutes(table: RouteTable): void {
  table
    .add('PUT', '/v1/agent/service/register', registerService)
    .add('PUT', '/v1/agent/service/deregister/*', deregisterService)
    .add('PUT', '/v1/agent/service/maintenance/*', maintenance)
    .add('GET', '/v1/agent/service/*', agentService)
    .add('GET', '/v1/agent/services', agentServices)
    .add('GET', '/v1/agent/checks', agentChecks)
    .add('GET', '/v1/agent/self', agentSelf)
    .add('GET', '/v1/agent/members', agentMembers);
  agentCheckRoutes(table);
}

async function registerService(x: Exchange): Promise<void> {
  const replaceExistingChecks = x.flag('replace-existing-checks');
  const { spec, checks } = decodeServiceRegistration(await x.jsonBody());
  await x.catalog.registerService(spec, checks, { replaceExistingChecks });
  x.sendEmpty(200, x.catalog.index);
}

/** Unknown IDs are a no-op, as in Consul. */
async function deregisterService(x: Exchange): Promise<void> {
  await x.catalog.deregisterService(x.requiredParam('service ID'));
  x.sendEmpty(200, x.catalog.index);
}

/** Adds (or removes) the critical `_service_maintenance:<id>` check that takes it out of answers. */
async function maintenance(x: Exchange): Promise<void> {
  const id = x.requiredParam('service ID');
  const enable = x.queryString === '' ? null : x.query.get('enable');
  if (enable === null) throw new BadRequestError('Missing value for enable');
  if (enable !== 'true' && enable !== 'false') {
    throw new BadRequestError(`Invalid value for enable: ${JSON.stringify(clip(enable, 40))}`);
  }
  const catalog = x.catalog;
  if (!catalog.getService(id)) throw new UnknownServiceError(id);
  const checkId = `_service_maintenance:${id}`;
  if (enable === 'true' && !catalog.getCheck(checkId)) {
    const reason = x.query.get('reason') ?? '';
    await catalog.registerCheck({
      definition: {
        id: checkId,
        name: 'Service Maintenance Mode',
        serviceId: id,
        notes: reason === '' ? MAINTENANCE_DEFAULT_NOTE : reason.slice(0, 4096),
        type: 'maintenance',
        successBeforePassing: 0,
        failuresBeforeCritical: 0,
      },
      status: 'critical',
    });
  } else if (enable === 'false') {
    await catalog.deregisterCheck(checkId).catch((error: unknown) => {
      if (!(error instanceof UnknownCheckError)) throw error;
    });
  }
  x.sendEmpty(200, catalog.index);
}

function agentService(x: Exchange): void {
  readOptions(x);
  const service = x.catalog.getService(x.requiredParam('service ID'));
  if (!service) throw new UnknownServiceError(x.param);
  x.send(encodeAgentService(service, x.catalog.node.datacenter), x.catalog.servicesIndex);
}

function agentServices(x: Exchange): void | Promise<void> {
  return answerBlocking(x, { kind: 'services' }, (index) => {
    const dc = x.catalog.node.datacenter;
    const out: Record<string, unknown> = {};
    for (const s of x.catalog.services()) out[s.id] = encodeAgentService(s, dc);
    x.send(out, index);
  });
}

/** The agent's own checks, keyed by ID (the node's `serfHealth` is a catalog check, not one). */
function agentChecks(x: Exchange): void | Promise<void> {
  return answerBlocking(x, { kind: 'checks' }, (index) => {
    const out: Record<string, unknown> = {};
    for (const c of encodeChecks(x.catalog, (c) => c.definition.type !== 'serf')) {
      out[c.CheckID as string] = c;
    }
    x.send(out, index);
  });
}

function agentSelf(x: Exchange): void {
  readOptions(x);
  const node = x.catalog.node;
  x.send({
    Config: {
      Datacenter: node.datacenter,
      PrimaryDatacenter: node.datacenter,
      NodeName: node.name,
      NodeID: node.id,
      Server: true,
      Revision: 'switchyard',
      Version: CONSUL_COMPAT_VERSION,
    },
    DebugConfig: {},
    Coord: { Vec: [0, 0, 0, 0, 0, 0, 0, 0], Error: 1.5, Adjustment: 0, Height: 1e-5 },
    Member: member(x),
    Stats: {},
    Meta: encodeNode(node).Meta,
  });
}

function agentMembers(x: Exchange): void {
  readOptions(x);
  x.send([member(x)]);
}

function member(x: Exchange): Record<string, unknown> {
  const node = x.catalog.node;
  return {
    Name: node.name,
    Addr: node.address,
    Port: 8301,
    Tags: {
      role: 'consul',
      dc: node.datacenter,
      id: node.id,
      port: '8300',
      build: CONSUL_COMPAT_VERSION,
    },
    Status: 1,
    ProtocolMin: 1,
    ProtocolMax: 5,
    ProtocolCur: 2,
    DelegateMin: 2,
    DelegateMax: 5,
    DelegateCur: 4,
  };
}
