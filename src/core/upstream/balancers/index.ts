/** Load balancers shared by the gateway and the client SDK; see `createBalancer`. */
export { createBalancer, BALANCER_KINDS } from './create-balancer.js';
export type { BalancerOptions } from './balancer-options.js';
export { RoundRobinBalancer } from './round-robin.js';
export { WeightedBalancer } from './weighted.js';
export { RandomBalancer } from './random.js';
export { LeastRequestBalancer } from './least-request.js';
export { ConsistentHashBalancer, hashKey32 } from './consistent-hash.js';
export { PeakEwmaBalancer } from './peak-ewma.js';
export { PowerOfTwoChoicesBalancer } from './power-of-two-choices.js';
export { weightOf } from './endpoint-list.js';
export type { Balancer, BalancerKind } from '../balancer.js';
export { requestStarted, requestFinished } from '../balancer.js';
export { Endpoint, endpointSpecFromUrl, type EndpointSpec } from '../endpoint.js';
