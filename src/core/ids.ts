import { randomBytes } from 'node:crypto';

/** A random hex id of `bytes` bytes (request ids, instance ids, trace ids). */
export function randomId(bytes = 8): string {
  return randomBytes(bytes).toString('hex');
}
