/** The registry's Consul-compatible DNS interface: the server, the pure answerer and its options. */
export {
  DnsServer,
  type DnsServerOptions,
  type DnsServerAddress,
  type DnsServerStats,
} from './dns-server.js';
export { answerDnsQuery, RCODE, type DnsTransport } from './dns-answer.js';
export {
  compileDnsOptions,
  DnsOptionError,
  type DnsAnswerOptions,
  type CompiledDnsOptions,
  type DnsSource,
} from './dns-options.js';
export { parseDnsName, type DnsTarget } from './dns-name.js';
