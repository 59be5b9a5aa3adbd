import dnsPacket, { type Answer, type OptAnswer, type Packet, type Question } from 'dns-packet';
import type { HealthEntry } from '../catalog/model.js';
import { parseDnsName, type DnsTarget } from './dns-name.js';
import type { CompiledDnsOptions, DnsSource } from './dns-options.js';
import {
  addressRecord,
  eligibleEntries,
  ipFamily,
  serviceRecords,
  shuffle,
  soaRecord,
  wantsFamily,
  type RecordSet,
} from './dns-records.js';
import { fitRecords, nameLength, recordLength } from './fit-records.js';

/** Response codes (RFC 1035 §4.1.1, RFC 6891 for BADVERS). */
export const RCODE = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  /** Extended (EDNS0) code 16: upper 8 bits 1 in the OPT record, lower 4 bits 0 in the header. */
  BADVERS: 16,
} as const;

/** The transport a query arrived on: it sets the size limit (512 / EDNS0 size, or 65535). */
export type DnsTransport = 'udp' | 'tcp';

const HEADER_BYTES = 12;
const QR = 0x8000;
const AA = 0x0400;
const TC = 0x0200;
const RD = 0x0100;
const CLASSIC_UDP_LIMIT = 512;
const TCP_LIMIT = 65_535;
const EMPTY_SET: RecordSet = { answers: [], extras: [] };

/**
 * Answers one DNS query packet from `source`; returns the response packet, or `undefined` when the
 * packet must be dropped (shorter than a header, or itself a response: answering those would let
 * two servers bounce packets forever). Never throws: malformed input gets FORMERR, a failure of
 * ours SERVFAIL. Pure apart from `options.random` and `options.now`.
 *
 * @example
 * const response = answerDnsQuery(packet, catalog, compileDnsOptions(), 'udp');
 */
export function answerDnsQuery(
  query: Buffer,
  source: DnsSource,
  options: CompiledDnsOptions,
  transport: DnsTransport,
): Buffer | undefined {
  if (query.length < HEADER_BYTES) return undefined;
  const id = query.readUInt16BE(0);
  const flags = query.readUInt16BE(2);
  if ((flags & QR) !== 0) return undefined;
  const opcode = (flags >> 11) & 0xf;
  const rd = flags & RD;
  if (opcode !== 0) return headerOnly(id, opcode, rd, RCODE.NOTIMP);
  if (query.readUInt16BE(4) !== 1) return headerOnly(id, 0, rd, RCODE.FORMERR);
  let packet: dnsPacket.DecodedPacket;
  try {
    packet = dnsPacket.decode(query);
  } catch {
    return headerOnly(id, 0, rd, RCODE.FORMERR);
  }
  const question = packet.questions?.[0];
  const opt = findOpt(packet.additionals);
  if (question === undefined || !isEchoable(question.name) || opt === null) {
    return headerOnly(id, 0, rd, RCODE.FORMERR);
  }
  try {
    return respond(id, rd, question, opt, source, options, transport);
  } catch {
    // A bug or a failing source must cost one answer, not the server.
    return headerOnly(id, 0, rd, RCODE.SERVFAIL);
  }
}

function respond(
  id: number,
  rd: number,
  question: Question,
  opt: OptAnswer | undefined,
  source: DnsSource,
  options: CompiledDnsOptions,
  transport: DnsTransport,
): Buffer {
  const reply = optRecord(options, 0);
  if (opt !== undefined && opt.ednsVersion !== 0) {
    reply.extendedRcode = RCODE.BADVERS >> 4;
    return encode(id, AA | rd, question, [], [], [reply]);
  }
  const qclass = question.class ?? 'IN';
  // Other classes (CHAOS…) are not ours; dns-packet cannot echo unknown ones, so header only.
  if (qclass !== 'IN' && qclass !== 'ANY') return headerOnly(id, 0, rd, RCODE.REFUSED);
  if (question.type === 'AXFR' || question.type === 'IXFR') {
    return encode(id, rd | RCODE.REFUSED, question, [], [], opt ? [reply] : []);
  }
  const target = parseDnsName(question.name, options.domainLabels, source.node.datacenter);
  if (target.kind === 'outside') {
    // We are not a recursor: a name outside our zone is refused, not looked up.
    return encode(id, rd | RCODE.REFUSED, question, [], [], opt ? [reply] : []);
  }
  const set = recordsFor(target, question, source, options);
  if (set === undefined) {
    return encode(
      id,
      AA | rd | RCODE.NXDOMAIN,
      question,
      [],
      [soaRecord(options)],
      opt ? [reply] : [],
    );
  }
  if (set.answers.length === 0) {
    // NODATA: the name exists but has no record of this type; the SOA lets resolvers cache that.
    return encode(id, AA | rd, question, [], [soaRecord(options)], opt ? [reply] : []);
  }
  const limit = transport === 'tcp' ? TCP_LIMIT : udpLimit(opt, options);
  const used = HEADER_BYTES + nameLength(question.name) + 4 + (opt ? recordLength(reply) : 0);
  const fitted = fitRecords(set, used, limit);
  const additionals = opt ? [...fitted.additionals, reply] : fitted.additionals;
  // Consul sends as many records as fit; TC tells the client to ask again over TCP for the rest.
  return encode(
    id,
    AA | rd | (fitted.truncated ? TC : 0),
    question,
    fitted.answers,
    [],
    additionals,
  );
}

/** The records answering `target`, or `undefined` for a name that does not exist (NXDOMAIN). */
function recordsFor(
  target: Exclude<DnsTarget, { kind: 'outside' }>,
  question: Question,
  source: DnsSource,
  options: CompiledDnsOptions,
): RecordSet | undefined {
  const qname = question.name;
  const qtype: string = question.type; // may be ANY or UNKNOWN_<n>, beyond dns-packet's types
  switch (target.kind) {
    case 'unknown':
      return undefined;
    case 'apex':
      return qtype === 'SOA' || qtype === 'ANY'
        ? { answers: [soaRecord(options)], extras: [undefined] }
        : EMPTY_SET;
    case 'node': {
      const { node } = source;
      if (target.name.toLowerCase() !== node.name.toLowerCase()) return undefined;
      return addressSet(qname, node.address, qtype, options.ttl);
    }
    case 'addr':
      return wantsFamily(qtype, target.family)
        ? {
            answers: [addressRecord(qname, target.address, target.family, options.ttl)],
            extras: [undefined],
          }
        : EMPTY_SET;
    case 'service': {
      const entries = lookup(source, target.name, target.tag, options.onlyPassing);
      // Consul answers NXDOMAIN when no healthy instance matches (hashicorp/consul GH-1143).
      if (entries.length === 0) return undefined;
      if (qtype !== 'A' && qtype !== 'AAAA' && qtype !== 'ANY' && qtype !== 'SRV') return EMPTY_SET;
      shuffle(entries, options.random);
      return serviceRecords(entries, qname, qtype, source.node, options);
    }
  }
}

/**
 * Eligible instances of `name`. The name is tried as asked, then lower-cased, so `WEB.service`
 * finds `web` (DNS names are case-insensitive; the catalog's keys may not be).
 */
function lookup(
  source: DnsSource,
  name: string,
  tag: string | undefined,
  onlyPassing: boolean,
): HealthEntry[] {
  const options = { passingOnly: onlyPassing };
  const entries = eligibleEntries(source.healthOf(name, options), tag, onlyPassing);
  const lower = name.toLowerCase();
  if (entries.length > 0 || lower === name) return entries;
  return eligibleEntries(source.healthOf(lower, options), tag, onlyPassing);
}

function addressSet(qname: string, address: string, qtype: string, ttl: number): RecordSet {
  const family = ipFamily(address);
  if (family === 0 || !wantsFamily(qtype, family)) return EMPTY_SET;
  return {
    answers: [addressRecord(qname, address, family, ttl)],
    extras: [undefined],
  };
}

function udpLimit(opt: OptAnswer | undefined, options: CompiledDnsOptions): number {
  if (opt === undefined) return CLASSIC_UDP_LIMIT;
  // RFC 6891 §6.2.5: sizes below 512 are treated as 512.
  return Math.max(CLASSIC_UDP_LIMIT, Math.min(opt.udpPayloadSize, options.maxUdpPayload));
}

/** The query's OPT record; `null` when the EDNS0 rules are broken (two OPTs, or not at root). */
function findOpt(additionals: readonly Answer[] | undefined): OptAnswer | undefined | null {
  let found: OptAnswer | undefined;
  for (const record of additionals ?? []) {
    if (record.type !== 'OPT') continue;
    if (found !== undefined || (record.name !== '.' && record.name !== '')) return null;
    found = record;
  }
  return found;
}

function optRecord(options: CompiledDnsOptions, extendedRcode: number): OptAnswer {
  return {
    name: '.',
    type: 'OPT',
    udpPayloadSize: options.maxUdpPayload,
    extendedRcode,
    ednsVersion: 0,
    flags: 0,
    flag_do: false,
    options: [],
  };
}

/**
 * True when dns-packet will encode `name` back to the bytes that were asked: printable ASCII,
 * labels of 1–63 bytes, at most 253 characters. Anything else gets FORMERR rather than an answer
 * whose question differs from the query's.
 */
function isEchoable(name: string): boolean {
  if (name === '.') return true;
  if (name.length === 0 || name.length > 253) return false;
  let label = 0;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0x2e) {
      if (label === 0) return false;
      label = 0;
    } else if (c <= 0x20 || c >= 0x7f || ++label > 63) {
      return false;
    }
  }
  return label > 0;
}

function encode(
  id: number,
  flags: number,
  question: Question,
  answers: Answer[],
  authorities: Answer[],
  additionals: Answer[],
): Buffer {
  const packet: Packet = {
    id,
    type: 'response',
    flags,
    questions: [question],
    answers,
    authorities,
    additionals,
  };
  return dnsPacket.encode(packet);
}

/** A response with only a header: for queries whose question we cannot (or will not) read. */
function headerOnly(id: number, opcode: number, rd: number, rcode: number): Buffer {
  const out = Buffer.alloc(HEADER_BYTES);
  out.writeUInt16BE(id, 0);
  out.writeUInt16BE(QR | (opcode << 11) | rd | rcode, 2);
  return out;
}
