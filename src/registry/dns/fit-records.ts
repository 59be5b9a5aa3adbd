import type { Answer } from 'dns-packet';
import type { RecordSet } from './dns-records.js';

/**
 * Encoded sizes, computed the way dns-packet encodes (it never compresses names), so a response
 * can be cut to a size limit without encoding it again and again.
 */

/** Bytes of `name` on the wire: one length byte per label plus the label bytes plus the root. */
export function nameLength(name: string): number {
  const bare = name.replace(/^\.|\.$/g, '');
  return bare === '' ? 1 : Buffer.byteLength(bare) + 2;
}

/** Bytes of one resource record (the kinds this server emits). */
export function recordLength(record: Answer): number {
  // name + type(2) + class(2) + ttl(4) + rdlength(2) + rdata; OPT has the same fixed part.
  const fixed = nameLength(record.name) + 10;
  switch (record.type) {
    case 'A':
      return fixed + 4;
    case 'AAAA':
      return fixed + 16;
    case 'SRV':
      return fixed + 6 + nameLength(record.data.target);
    case 'SOA':
      return fixed + 20 + nameLength(record.data.mname) + nameLength(record.data.rname);
    case 'OPT':
      return fixed; // we send no EDNS options
    default:
      throw new Error(`no size rule for ${record.type} records`);
  }
}

/** The answers and additionals that fit, and whether any answer had to be left out. */
export interface FittedRecords {
  readonly answers: Answer[];
  readonly additionals: Answer[];
  readonly truncated: boolean;
}

/**
 * Keeps the longest prefix of `set.answers` (with each one's additional record, once per name) that
 * fits in `limit` bytes, given `used` bytes already taken by the header, question and OPT record.
 * Consul does the same: as many answers as fit, additionals kept in step with them.
 */
export function fitRecords(set: RecordSet, used: number, limit: number): FittedRecords {
  const { answers, extras } = set;
  const additionals: Answer[] = [];
  let seen: Set<string> | undefined;
  let size = used;
  let kept = 0;
  for (; kept < answers.length; kept++) {
    const extra = extras[kept];
    const extraKey = extra === undefined ? undefined : `${extra.type} ${extra.name.toLowerCase()}`;
    const needsExtra = extraKey !== undefined && !(seen?.has(extraKey) ?? false);
    const cost = recordLength(answers[kept]!) + (needsExtra ? recordLength(extra!) : 0);
    if (size + cost > limit) break;
    size += cost;
    if (needsExtra) {
      (seen ??= new Set()).add(extraKey);
      additionals.push(extra!);
    }
  }
  const truncated = kept < answers.length;
  return { answers: truncated ? answers.slice(0, kept) : answers, additionals, truncated };
}
