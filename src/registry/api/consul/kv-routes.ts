import { BadRequestError, clip } from '../api-errors.js';
import { answerBlocking } from '../blocking-query.js';
import type { Exchange } from '../exchange.js';
import type { RouteTable } from '../route-table.js';
import { kvEntryJson } from './consul-json.js';

/** Longest KV key, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;
const UINT64_MAX = 0xffffffffffffffffn;

/**
 * Consul's `/v1/kv/<key>`: GET (`recurse`, `keys` + `separator`, `raw`; 404 when nothing is
 * there; blocking-capable), PUT (raw body up to the body cap, `flags`, `cas`; answers `true` or
 * `false`) and DELETE (`recurse`, `cas`). Keys are validated: no leading `/`, no `..` segment,
 * no control characters, at most `MAX_KEY_BYTES`.
 */
export function kvRoutes(table: RouteTable): void {
  table
    .add('GET', '/v1/kv/*', kvGet)
    .add('PUT', '/v1/kv/*', kvPut)
    .add('DELETE', '/v1/kv/*', kvDelete);
}

function kvGet(x: Exchange): void | Promise<void> {
  const key = validKey(x.param);
  if (x.flag('keys')) return kvKeys(x, key);
  const recurse = x.flag('recurse');
  if (!recurse && key === '') throw new BadRequestError('Missing key name');
  const raw = !recurse && x.flag('raw');
  return answerBlocking(x, { kind: 'kv', key, recurse }, (index) => {
    const kv = x.catalog.kv;
    if (!recurse) {
      const entry = kv.get(key);
      if (!entry) x.sendEmpty(404, index);
      else if (raw) sendRaw(x, entry.value, index);
      else x.sendJson(`[${kvEntryJson(entry)}]`, index);
      return;
    }
    const entries = kv.list(key);
    if (entries.length === 0) x.sendEmpty(404, index);
    else x.sendJson(`[${entries.map(kvEntryJson).join(',')}]`, index);
  });
}

/** Key names under a prefix; 404 when none, except at the root (an empty list there). */
function kvKeys(x: Exchange, prefix: string): void | Promise<void> {
  const separator =
    x.queryString === '' ? null : (x.query.get('separator') ?? x.query.get('seperator'));
  return answerBlocking(x, { kind: 'kv', key: prefix, recurse: true }, (index) => {
    const keys = x.catalog.kv.keys(prefix, separator || undefined);
    if (keys.length === 0 && prefix !== '') x.sendEmpty(404, index);
    else x.send(keys, index);
  });
}

async function kvPut(x: Exchange): Promise<void> {
  const key = validKey(x.param);
  if (key === '') throw new BadRequestError('Missing key name');
  if (x.queryString !== '' && (x.query.has('acquire') || x.query.has('release'))) {
    throw new BadRequestError('Sessions are not supported: acquire/release');
  }
  const flags = uint64(x, 'flags');
  const cas = uint64(x, 'cas');
  const value = await x.body();
  const ok = await x.catalog.kvPut(key, new Uint8Array(value), {
    flags: flags ?? '0',
    cas: cas === undefined ? undefined : Number(cas),
  });
  x.sendJson(ok ? 'true' : 'false', x.catalog.index);
}

async function kvDelete(x: Exchange): Promise<void> {
  const key = validKey(x.param);
  const recurse = x.flag('recurse');
  const cas = uint64(x, 'cas');
  if (recurse && cas !== undefined) throw new BadRequestError('Conflicting flags: recurse and cas');
  if (!recurse && key === '') throw new BadRequestError('Missing key name');
  const ok = await x.catalog.kvDelete(key, {
    recurse,
    cas: cas === undefined ? undefined : Number(cas),
  });
  x.sendJson(ok ? 'true' : 'false', x.catalog.index);
}

/** `?raw`: the value bytes, typed so a browser never sniffs or runs them (as Consul does). */
function sendRaw(x: Exchange, value: Uint8Array, index: number): void {
  x.res.writeHead(200, {
    'Content-Type': 'text/plain',
    'Content-Length': value.length,
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': 'sandbox',
    'X-Consul-Index': String(index),
    'X-Consul-KnownLeader': 'true',
    'X-Consul-LastContact': '0',
  });
  x.res.end(value);
}

/** A KV key from the path ('' allowed here; each method decides whether it may be empty). */
export function validKey(key: string): string {
  if (key === '') return key;
  if (key.startsWith('/')) throw new BadRequestError(`Invalid key: must not begin with "/"`);
  const bytes = Buffer.byteLength(key);
  if (bytes > MAX_KEY_BYTES) {
    throw new BadRequestError(`Invalid key: ${bytes} bytes long, max ${MAX_KEY_BYTES}`);
  }
  if (key === '..' || key.startsWith('../') || key.endsWith('/..') || key.includes('/../')) {
    throw new BadRequestError(`Invalid key "${clip(key, 40)}": ".." path segments are not allowed`);
  }
  return key;
}

/** A uint64 query value as a decimal string, or undefined when absent. */
function uint64(x: Exchange, name: string): string | undefined {
  if (x.queryString === '') return undefined;
  const value = x.query.get(name);
  if (value === null) return undefined;
  if (!/^\d{1,20}$/.test(value) || BigInt(value) > UINT64_MAX) {
    throw new BadRequestError(
      `Invalid ${name} ${JSON.stringify(clip(value, 40))}: expected a uint64`,
    );
  }
  return BigInt(value).toString(); // canonical: no leading zeros
}
