/**
 * `redactConfig`: the config as the admin `/config` endpoint and the dashboard show it, with
 * every secret replaced by "[redacted]". Secrets are the keys marked with `secret()` in the
 * schema (`admin.token`, `registry.token`, …), plus the password of any URL with credentials.
 */
import { secretPaths } from './json-schema.js';
import type { GatewayConfig } from './types.js';

/** What a secret is replaced with. */
export const REDACTED = '[redacted]';

/** `scheme://user:PASSWORD@`: the password part of a URL's userinfo. */
const URL_PASSWORD = /^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@/]*@/i;

let cachedPaths: string[][] | undefined;

function patterns(): string[][] {
  cachedPaths ??= secretPaths().map((p) => p.replace(/\[\]/g, '.[]').split('.'));
  return cachedPaths;
}

/**
 * A deep copy of `config` with secrets replaced. Safe to serialize and show.
 *
 * @example res.end(JSON.stringify(redactConfig(config)));
 */
export function redactConfig(config: GatewayConfig): GatewayConfig {
  const copy = structuredClone(config) as unknown as Record<string, unknown>;
  for (const pattern of patterns()) redactAt(copy, pattern);
  redactUrlPasswords(copy);
  return copy as unknown as GatewayConfig;
}

function redactAt(node: unknown, pattern: readonly string[]): void {
  if (typeof node !== 'object' || node === null || pattern.length === 0) return;
  const [head, ...rest] = pattern as [string, ...string[]];
  const target = node as Record<string, unknown>;
  const keys = head === '*' || head === '[]' ? Object.keys(target) : [head];
  for (const key of keys) {
    if (!(key in target) || target[key] === undefined) continue;
    if (rest.length === 0) target[key] = REDACTED;
    else redactAt(target[key], rest);
  }
}

function redactUrlPasswords(node: unknown): void {
  if (typeof node !== 'object' || node === null) return;
  const target = node as Record<string, unknown>;
  for (const [key, value] of Object.entries(target)) {
    if (typeof value === 'string') target[key] = value.replace(URL_PASSWORD, `$1${REDACTED}@`);
    else redactUrlPasswords(value);
  }
}
