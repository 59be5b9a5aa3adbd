import { readOptions } from '../blocking-query.js';
import type { Exchange } from '../exchange.js';
import type { RouteTable } from '../route-table.js';

/**
 * Consul's `/v1/status/leader` and `/v1/status/peers`. This registry is its own single server,
 * so the leader is this node on Consul's server RPC port (clients only check that one exists).
 */
export function statusRoutes(table: RouteTable): void {
  table.add('GET', '/v1/status/leader', statusLeader).add('GET', '/v1/status/peers', statusPeers);
}

function statusLeader(x: Exchange): void {
  readOptions(x);
  x.send(leaderAddress(x));
}

function statusPeers(x: Exchange): void {
  readOptions(x);
  x.send([leaderAddress(x)]);
}

function leaderAddress(x: Exchange): string {
  const address = x.catalog.node.address;
  return address.includes(':') ? `[${address}]:8300` : `${address}:8300`;
}
