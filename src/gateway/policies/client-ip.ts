import type { IncomingMessage } from 'node:http';
import { isIP, type BlockList } from 'node:net';
import { blockListOf } from './ip-filter.js';

/**
 * The client's address: the socket peer, unless the peer is a trusted proxy — then the
 * right-most `X-Forwarded-For` entry that is not itself trusted (entries further left are
 * whatever the client claimed and are never believed).
 */
export class ClientIpResolver {
  readonly #trusted: BlockList | undefined;

  constructor(trustedProxies: readonly string[]) {
    if (trustedProxies.length === 0) return;
    this.#trusted = blockListOf(trustedProxies);
  }

  resolve(req: IncomingMessage): string {
    const peer = unmap(req.socket.remoteAddress ?? '');
    if (this.#trusted === undefined || !this.#isTrusted(peer)) return peer;
    const header = req.headers['x-forwarded-for'];
    const chain = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',');
    for (let i = chain.length - 1; i >= 0; i--) {
      const hop = unmap(chain[i]!.trim());
      if (isIP(hop) === 0) return peer; // garbage in the chain: believe nothing beyond the peer
      if (!this.#isTrusted(hop)) return hop;
    }
    return peer;
  }

  #isTrusted(ip: string): boolean {
    const version = isIP(ip);
    return version !== 0 && this.#trusted!.check(ip, version === 6 ? 'ipv6' : 'ipv4');
  }
}

/** `::ffff:10.0.0.1` → `10.0.0.1`, so IPv4 rules match dual-stack sockets. */
function unmap(ip: string): string {
  return ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
}
