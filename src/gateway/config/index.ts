/** The gateway config: load and validate a YAML file into a normalized, frozen `GatewayConfig`. */
export type * from './types.js';
export { ConfigError, formatProblem, type ConfigProblem } from './config-error.js';
export {
  loadGatewayConfig,
  parseGatewayConfig,
  MAX_CONFIG_BYTES,
  type ParseOptions,
  type ParseResult,
} from './load-config.js';
export { redactConfig, REDACTED } from './redact.js';
export { routePrecedence } from './route-precedence.js';
export { gatewayJsonSchema, secretPaths } from './json-schema.js';
export { gatewaySchema, type GatewayInput } from './schema/gateway.js';
export { DEFAULTS } from './defaults.js';
