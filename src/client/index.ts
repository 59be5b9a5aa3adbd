/**
 * `switchyard/client`: the SDK a Node service uses to register itself (TTL heartbeats,
 * re-registration, graceful shutdown, health handlers) and to call other services with
 * client-side discovery, shared balancers, outlier ejection and the resilience policies.
 */
export { registry, RegistryClient } from './registry-client.js';
export type { RegistryOptions, Registration } from './registry-client.js';
export type {
  SelfRegistrationOptions,
  TtlCheck,
  HttpCheck,
  TcpCheck,
} from './registration-spec.js';
export type { ShutdownOptions, ShutdownHandle } from './graceful-shutdown.js';
export type { HealthBody, HealthHandlerOptions, FastifyReplyLike } from './health-handler.js';
export { ServiceClient } from './service-client.js';
export type { EndpointState } from './service-client.js';
export type { ServiceOptions, RetryOptions } from './service-options.js';
export type { ServiceFetchInit, ServiceBody } from './request-init.js';
export { ClientResponse } from './client-response.js';
export { ClientError } from './client-errors.js';
export type { ClientErrorCode } from './client-errors.js';
export type { ClientEvent, ClientEventListener } from './client-events.js';
export { parseTraceparent, formatTraceparent } from '../core/trace-context.js';
export type { BalancerKind } from '../core/upstream/balancer.js';
export type { OutlierDetectorOptions } from '../core/upstream/outlier-detector.js';
