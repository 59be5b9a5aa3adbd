/** Endpoint sources: where the gateway and the client SDK learn the endpoints of a service. */
export {
  sameEndpoints,
  sortById,
  type EndpointSource,
  type SourceStatus,
} from './endpoint-source.js';
export { BaseEndpointSource } from './base-endpoint-source.js';
export { staticSource } from './static-source.js';
export { registrySource } from './registry-source.js';
export type { RegistrySourceOptions } from './registry-source-options.js';
export { dnsSource, type DnsResolver, type DnsSourceOptions } from './dns-source.js';
export { endpointsFromHealth, type HealthEndpoints, type HealthFilter } from './consul-health.js';
export {
  DiscoveryError,
  InvalidSourceOptionError,
  type DiscoveryErrorCode,
} from './discovery-errors.js';
export { QueryPacer } from './query-pacer.js';
