/** `switchyard/gateway`: run the API gateway in-process, or load and check its config. */
export {
  startGateway,
  type Gateway,
  type ReloadResult,
  type StartGatewayOptions,
} from './gateway-server.js';
export { loadGatewayConfig, parseGatewayConfig } from './config/load-config.js';
export { ConfigError, type ConfigProblem } from './config/config-error.js';
export type { GatewayConfig, RouteConfig, ServiceConfig } from './config/types.js';
