/**
 * What a query name asks for, in Consul's naming scheme:
 * `[tag.]<service>.service[.<dc>.dc|.<dc>].<domain>`, RFC 2782 `_<service>._<tag|tcp>.service…`,
 * `<node>.node…` and `<hex-ip>.addr…` (the SRV targets we hand out, so clients can resolve them).
 */
export type DnsTarget =
  | { readonly kind: 'outside' }
  | { readonly kind: 'apex' }
  | { readonly kind: 'unknown' }
  | { readonly kind: 'service'; readonly name: string; readonly tag: string | undefined }
  | { readonly kind: 'node'; readonly name: string }
  | { readonly kind: 'addr'; readonly address: string; readonly family: 4 | 6 };

const OUTSIDE: DnsTarget = { kind: 'outside' };
const APEX: DnsTarget = { kind: 'apex' };
const UNKNOWN: DnsTarget = { kind: 'unknown' };
const HEX_V4 = /^[0-9a-f]{8}$/;
const HEX_V6 = /^[0-9a-f]{32}$/;

/**
 * Parses `qname` (as dns-packet decodes it: no trailing dot) against the zone `domainLabels`.
 * Labels are matched case-insensitively; the service name and tag keep the asker's case (the
 * answerer retries lower-cased). A datacenter other than `datacenter` is an unknown name.
 */
export function parseDnsName(
  qname: string,
  domainLabels: readonly string[],
  datacenter: string,
): DnsTarget {
  const labels = qname === '.' ? [] : qname.split('.');
  const zoneStart = labels.length - domainLabels.length;
  if (zoneStart < 0) return OUTSIDE;
  for (let i = 0; i < domainLabels.length; i++) {
    if (labels[zoneStart + i]!.toLowerCase() !== domainLabels[i]) return OUTSIDE;
  }
  if (zoneStart === 0) return APEX;
  let end = zoneStart;
  let dc: string | undefined;
  if (end >= 3 && labels[end - 1]!.toLowerCase() === 'dc') {
    dc = labels[end - 2];
    end -= 2;
  }
  let kind = labels[end - 1]!.toLowerCase();
  if (!isKind(kind) && dc === undefined && end >= 2 && isKind(labels[end - 2]!.toLowerCase())) {
    // Consul's legacy form without the `.dc` label: `web.service.dc1.consul`.
    dc = labels[end - 1];
    kind = labels[end - 2]!.toLowerCase();
    end -= 1;
  }
  if (!isKind(kind)) return UNKNOWN;
  if (dc !== undefined && dc.toLowerCase() !== datacenter.toLowerCase()) return UNKNOWN;
  return targetOf(kind, labels.slice(0, end - 1));
}

function isKind(label: string): label is 'service' | 'node' | 'addr' {
  return label === 'service' || label === 'node' || label === 'addr';
}

function targetOf(kind: 'service' | 'node' | 'addr', parts: readonly string[]): DnsTarget {
  const [first, second] = parts;
  if (first === undefined || first === '' || parts.length > 2) return UNKNOWN;
  if (kind === 'service') {
    if (second === undefined) return { kind, name: first, tag: undefined };
    if (first.startsWith('_') && second.startsWith('_')) {
      // RFC 2782: `_web._tcp` means "any tag", as in Consul.
      const tag = second.slice(1);
      const name = first.slice(1);
      if (name === '') return UNKNOWN;
      return { kind, name, tag: tag === '' || tag.toLowerCase() === 'tcp' ? undefined : tag };
    }
    return second === '' ? UNKNOWN : { kind, name: second, tag: first };
  }
  if (second !== undefined) return UNKNOWN;
  if (kind === 'node') return { kind, name: first };
  return addrTarget(first.toLowerCase());
}

function addrTarget(hex: string): DnsTarget {
  if (HEX_V4.test(hex)) {
    const n = Number.parseInt(hex, 16);
    return {
      kind: 'addr',
      family: 4,
      address: `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`,
    };
  }
  if (HEX_V6.test(hex)) {
    const groups: string[] = [];
    for (let i = 0; i < 32; i += 4) groups.push(hex.slice(i, i + 4));
    return { kind: 'addr', family: 6, address: groups.join(':') };
  }
  return UNKNOWN;
}

/** The `<hex>` label Consul uses for an SRV target that is an explicit service address. */
export function addrLabel(address: string, family: 4 | 6): string {
  if (family === 4) {
    let hex = '';
    for (const octet of address.split('.')) hex += Number(octet).toString(16).padStart(2, '0');
    return hex;
  }
  return expandIpv6(address)
    .map((g) => g.toString(16).padStart(4, '0'))
    .join('');
}

/** The eight 16-bit groups of a valid IPv6 address (`::` and a dotted IPv4 tail expanded). */
function expandIpv6(address: string): number[] {
  let text = address.toLowerCase();
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const o = tail.split('.').map(Number);
    const v4 = `${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
    text = text.slice(0, lastColon + 1) + v4;
  }
  const [head = '', rest] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = rest === undefined || rest === '' ? [] : rest.split(':');
  const zeros = new Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((g) => Number.parseInt(g, 16));
}
