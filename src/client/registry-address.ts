import { invalidOption } from './client-errors.js';

/** Where the registry's HTTP API is and the token it takes, resolved from options and env. */
export interface RegistryTarget {
  /** Origin plus any path prefix, without a trailing slash: `http://127.0.0.1:8500`. */
  readonly address: string;
  readonly origin: string;
  readonly pathPrefix: string;
  readonly token: string | undefined;
}

const DEFAULT_ADDRESS = 'http://127.0.0.1:8500';

/**
 * The registry address: the `address` option, else `SWITCHYARD_REGISTRY`, else Consul's own
 * `CONSUL_HTTP_ADDR` (so a service already configured for Consul needs no change), else
 * `http://127.0.0.1:8500`. A bare `host:port` means `http://host:port`, as in Consul's CLI.
 * The token likewise: `token`, `SWITCHYARD_REGISTRY_TOKEN`, `CONSUL_HTTP_TOKEN`.
 *
 * @example
 * resolveRegistryTarget({ address: '10.0.0.5:8500' }).origin; // 'http://10.0.0.5:8500'
 */
export function resolveRegistryTarget(
  options: { address?: string | undefined; token?: string | undefined },
  env: NodeJS.ProcessEnv = process.env,
): RegistryTarget {
  const raw =
    options.address ?? first(env.SWITCHYARD_REGISTRY, env.CONSUL_HTTP_ADDR) ?? DEFAULT_ADDRESS;
  const option = options.address !== undefined ? 'registry.address' : 'SWITCHYARD_REGISTRY';
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalidOption(option, `not a URL: ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalidOption(option, `expected http:// or https://, got ${url.protocol}`);
  }
  if (url.search || url.hash || url.username) {
    throw invalidOption(option, 'must not carry a query, fragment or credentials');
  }
  const pathPrefix = url.pathname.replace(/\/+$/, '');
  const token = options.token ?? first(env.SWITCHYARD_REGISTRY_TOKEN, env.CONSUL_HTTP_TOKEN);
  if (token !== undefined && (token === '' || /[\r\n]/.test(token))) {
    throw invalidOption('registry.token', 'expected a non-empty single-line string');
  }
  return { address: url.origin + pathPrefix, origin: url.origin, pathPrefix, token };
}

/** The first value that is set and not empty (an exported-but-empty variable means unset). */
function first(...values: (string | undefined)[]): string | undefined {
  return values.find((v) => v !== undefined && v !== '');
}
