import { BlockList, isIP } from 'node:net';
import type { PolicyAnswer, PolicyContext, RequestPolicy } from './policy.js';

/** Builds a BlockList from addresses and CIDR blocks (already validated by the config schema). */
export function blockListOf(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [ip, bits] = entry.split('/') as [string, string | undefined];
    const type = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(ip, type);
    else list.addSubnet(ip, Number(bits), type);
  }
  return list;
}

const FORBIDDEN: PolicyAnswer = {
  status: 403,
  body: { code: 'SY_GW_IP_FORBIDDEN', message: 'requests from this address are not allowed' },
};

/**
 * IP allow/deny by address or CIDR, on the client IP (after `trustedProxies`). `deny` wins over
 * `allow`; with an `allow` list, every other address is refused. 403 `SY_GW_IP_FORBIDDEN`.
 *
 * @example ipFilter({ allow: ['10.0.0.0/8'], deny: ['10.6.6.6'] })
 */
export function ipFilter(options: {
  allow?: readonly string[];
  deny?: readonly string[];
}): RequestPolicy {
  const allow = options.allow && options.allow.length > 0 ? blockListOf(options.allow) : undefined;
  const deny = options.deny && options.deny.length > 0 ? blockListOf(options.deny) : undefined;
  return {
    name: 'ip-filter',
    ownedHeaders: [],
    apply(ctx: PolicyContext): PolicyAnswer {
      const version = isIP(ctx.clientIp);
      if (version === 0) return allow === undefined ? undefined : FORBIDDEN;
      const type = version === 6 ? 'ipv6' : 'ipv4';
      if (deny?.check(ctx.clientIp, type) === true) return FORBIDDEN;
      if (allow !== undefined && !allow.check(ctx.clientIp, type)) return FORBIDDEN;
      return undefined;
    },
  };
}
