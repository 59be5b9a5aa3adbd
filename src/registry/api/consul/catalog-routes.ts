import { answerBlocking, readOptions } from '../blocking-query.js';
import type { Exchange } from '../exchange.js';
import type { RouteTable } from '../route-table.js';
import { encodeCatalogService, encodeNode } from './consul-json.js';

/**
 * Consul's `/v1/catalog/*` reads: the service → tags map, the flat records of one service (not
 * filtered by health; repeatable `tag`), the node list and the datacenter list. All but the
 * datacenter list are blocking-capable.
 */
export function catalogRoutes(table: RouteTable): void {
  table
    .add('GET', '/v1/catalog/services', catalogServices)
    .add('GET', '/v1/catalog/service/*', catalogService)
    .add('GET', '/v1/catalog/nodes', catalogNodes)
    .add('GET', '/v1/catalog/datacenters', catalogDatacenters);
}

function catalogServices(x: Exchange): void | Promise<void> {
  return answerBlocking(x, { kind: 'services' }, (index) => {
    x.send(Object.fromEntries(x.catalog.serviceTags()), index);
  });
}

function catalogService(x: Exchange): void | Promise<void> {
  const name = x.requiredParam('service name');
  const tags = x.queryString === '' ? [] : x.query.getAll('tag');
  return answerBlocking(x, { kind: 'service', name }, (index) => {
    const node = x.catalog.node;
    const out: Record<string, unknown>[] = [];
    for (const s of x.catalog.instancesOf(name)) {
      if (tags.every((t) => s.tags.includes(t))) out.push(encodeCatalogService(s, node));
    }
    x.send(out, index);
  });
}

function catalogNodes(x: Exchange): void | Promise<void> {
  return answerBlocking(x, { kind: 'services' }, (index) => {
    x.send([encodeNode(x.catalog.node)], index);
  });
}

function catalogDatacenters(x: Exchange): void {
  readOptions(x);
  x.send([x.catalog.node.datacenter]);
}
