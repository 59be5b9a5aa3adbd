/** A location inside the config document: keys and list indexes, e.g. `['routes', 2, 'service']`. */
export type ConfigPath = readonly (string | number)[];

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * Formats a path the way problems name it: `routes[2].service`, `services.user-service.pool`,
 * and `services["a.b"]` for keys that would be ambiguous.
 *
 * @example formatPath(['routes', 2, 'service']) // 'routes[2].service'
 */
export function formatPath(path: ConfigPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}
