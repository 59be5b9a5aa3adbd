import { SwitchyardError } from '../../core/errors.js';
import type { StoreWrite } from './registry-store.js';

/**
 * The store is the last line of defence against a corrupt registry: every implementation checks a
 * whole batch here before touching its data, so a bad write (a caller bug, never user input — the
 * API layer validates that) fails the batch with a clear error and nothing of it is applied.
 * Only the shape a reload needs is checked; the catalog owns the semantics.
 */

const CHECK_TYPES: ReadonlySet<string> = new Set(['ttl', 'http', 'tcp', 'maintenance']);
const STATUSES: ReadonlySet<string> = new Set(['passing', 'warning', 'critical']);
const UINT64_MAX = 18446744073709551615n;

/** Throws `SY_REG_STORE_INVALID_WRITE` naming the first bad write and field; returns on success. */
export function validateStoreWrites(writes: readonly StoreWrite[]): void {
  for (let i = 0; i < writes.length; i++) {
    const problem = writeProblem(writes[i]);
    if (problem !== undefined) {
      const op = (writes[i] as { op?: unknown } | undefined)?.op;
      throw new SwitchyardError(
        'SY_REG_STORE_INVALID_WRITE',
        `store write ${i} (${String(op)}) is invalid: ${problem}; nothing in the batch was applied`,
        { details: { index: i, op, problem } },
      );
    }
  }
}

function writeProblem(write: StoreWrite | undefined): string | undefined {
  if (typeof write !== 'object' || write === null) return 'not an object';
  switch (write.op) {
    case 'putService':
      return serviceProblem(write.service as unknown as Record<string, unknown>);
    case 'putCheck':
      return checkProblem(write.check as unknown as Record<string, unknown>);
    case 'putKv':
      return kvProblem(write.entry as unknown as Record<string, unknown>);
    case 'deleteService':
    case 'deleteCheck':
      return nonEmptyString(write.id) ? undefined : 'id must be a non-empty string';
    case 'deleteKv':
      return nonEmptyString(write.key) ? undefined : 'key must be a non-empty string';
    case 'setIndex':
      return isIndex(write.index) ? undefined : 'index must be a non-negative safe integer';
    default:
      return `unknown op`;
  }
}

function serviceProblem(s: Record<string, unknown> | undefined): string | undefined {
  if (!isObject(s)) return 'service must be an object';
  if (!nonEmptyString(s.id)) return 'service.id must be a non-empty string';
  if (!nonEmptyString(s.name)) return 'service.name must be a non-empty string';
  if (typeof s.address !== 'string') return 'service.address must be a string';
  const port = s.port;
  if (!Number.isInteger(port) || (port as number) < 0 || (port as number) > 65535)
    return 'service.port must be an integer 0-65535';
  if (!Array.isArray(s.tags) || !s.tags.every((t) => typeof t === 'string'))
    return 'service.tags must be an array of strings';
  if (!isStringRecord(s.meta)) return 'service.meta must be an object of strings';
  const w = s.weights as Record<string, unknown> | undefined;
  if (!isObject(w) || !Number.isFinite(w.passing) || !Number.isFinite(w.warning))
    return 'service.weights must be { passing, warning } numbers';
  if (typeof s.enableTagOverride !== 'boolean')
    return 'service.enableTagOverride must be a boolean';
  return indexProblem('service', s);
}

function checkProblem(c: Record<string, unknown> | undefined): string | undefined {
  if (!isObject(c)) return 'check must be an object';
  const d = c.definition as Record<string, unknown> | undefined;
  if (!isObject(d)) return 'check.definition must be an object';
  if (!nonEmptyString(d.id)) return 'check.definition.id must be a non-empty string';
  if (typeof d.name !== 'string') return 'check.definition.name must be a string';
  if (d.serviceId !== undefined && !nonEmptyString(d.serviceId))
    return 'check.definition.serviceId must be a non-empty string or undefined';
  if (typeof d.type !== 'string' || !CHECK_TYPES.has(d.type))
    return 'check.definition.type must be ttl, http, tcp or maintenance';
  if (typeof c.status !== 'string' || !STATUSES.has(c.status))
    return 'check.status must be passing, warning or critical';
  if (typeof c.output !== 'string') return 'check.output must be a string';
  return indexProblem('check', c);
}

function kvProblem(e: Record<string, unknown> | undefined): string | undefined {
  if (!isObject(e)) return 'entry must be an object';
  if (!nonEmptyString(e.key)) return 'entry.key must be a non-empty string';
  if (!(e.value instanceof Uint8Array)) return 'entry.value must be a Uint8Array';
  if (typeof e.flags !== 'string' || !/^\d{1,20}$/.test(e.flags) || BigInt(e.flags) > UINT64_MAX)
    return 'entry.flags must be a uint64 as a decimal string';
  if (!isIndex(e.lockIndex)) return 'entry.lockIndex must be a non-negative safe integer';
  return indexProblem('entry', e);
}

function indexProblem(what: string, r: Record<string, unknown>): string | undefined {
  if (!isIndex(r.createIndex)) return `${what}.createIndex must be a non-negative safe integer`;
  if (!isIndex(r.modifyIndex)) return `${what}.modifyIndex must be a non-negative safe integer`;
  return undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function nonEmptyString(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0;
}

function isIndex(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0;
}

function isStringRecord(v: unknown): boolean {
  if (!isObject(v) || Array.isArray(v)) return false;
  for (const key in v) if (typeof v[key] !== 'string') return false;
  return true;
}
