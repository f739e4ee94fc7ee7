/**
 * `nft -j list ruleset` of a node whose kube-proxy runs in nftables mode (KEP 3866), as nft 1.0.6 prints it
 * (the layout of test/parse/fixtures/nft/kube-proxy.json): `table ip kube-proxy` with the services of the
 * cluster, and the `table ip6 kube-proxy` skeleton a single-stack IPv4 node still gets.
 *
 * Built as kube-proxy's first full sync writes it (setupNFTables, then one pass over the service ports),
 * so that handles come out in the order the kernel hands them: one counter per table for chains, sets,
 * rules and the anonymous set of each `numgen ... vmap { ... }`. nft lists a table's named sets and maps,
 * then its chains, then the rules chain by chain, each in creation order.
 */
import { chainHash, type Cluster, type Endpoint, type Service } from './cluster.js';
import { concat, ctStateNew, goto, jump, match, meta, nftJsonText, payload, prefix, reject, vmap, type NftJsonValue } from './nft-json.js';

export const NFT_VERSION = '1.0.6';
const NFT_RELEASE = 'Lester Gooch #5';
const TABLE = 'kube-proxy';
const MASQUERADE_MARK = 0x4000;

export interface NftCounts {
  /** Bytes of the dump (one line and its newline). */
  bytes: number;
  tables: number;
  chains: number;
  baseChains: number;
  rules: number;
  /** "ip kube-proxy" → its rules. */
  rulesByTable: Record<string, number>;
  /** Named sets and maps of table ip kube-proxy → their elements. */
  elements: Record<string, number>;
  serviceChains: number;
  endpointChains: number;
  externalChains: number;
  /** `numgen random mod N vmap { ... }`: one per service with endpoints. */
  numgenRules: number;
  dnatRules: number;
}

type Family = 'ip' | 'ip6';

/** kube-proxy's hashAndTruncate: the first 8 characters of base32(sha256(name)), then the name. */
function hashed(name: string): string {
  return `${chainHash(name).slice(0, 8)}-${name}`;
}

/** "ns/svc:port" and the protocol → "ns/svc/proto/port", the base of kube-proxy's chain names. */
function servicePortBase(service: Service): string {
  const slash = service.portName.indexOf('/');
  const colon = service.portName.lastIndexOf(':');
  const ns = service.portName.slice(0, slash);
  const name = service.portName.slice(slash + 1, colon);
  const port = service.portName.slice(colon + 1);
  return `${ns}/${name}/${service.protocol}/${port}`;
}

export function serviceChainName(service: Service): string {
  return `service-${hashed(servicePortBase(service))}`;
}

export function externalChainName(service: Service): string {
  return `external-${hashed(servicePortBase(service))}`;
}

export function endpointChainName(service: Service, endpoint: Endpoint): string {
  return `endpoint-${hashed(`${servicePortBase(service)}__${endpoint.ip}/${endpoint.port}`)}`;
}

interface SetSpec {
  kind: 'set' | 'map';
  name: string;
  handle: number;
  type: string | string[];
  comment: string;
  /** Maps: the data type. */
  map?: string;
  elem: NftJsonValue[];
}

/** One table being written by kube-proxy's transaction. */
class TableWriter {
  private handle = 0;
  private readonly chains: { name: string; handle: number; base?: { type: string; hook: string; prio: number } }[] = [];
  private readonly chainIndex = new Map<string, number>();
  private readonly rules: { chain: string; handle: number; comment?: string; expr: NftJsonValue[] }[][] = [];
  private readonly sets: SetSpec[] = [];
  private readonly setIndex = new Map<string, SetSpec>();

  constructor(
    readonly family: Family,
    readonly tableHandle: number,
  ) {}

  baseChain(name: string, type: 'filter' | 'nat', hook: string, prio: number): void {
    this.chains.push({ name, handle: ++this.handle, base: { type, hook, prio } });
    this.chainIndex.set(name, this.rules.length);
    this.rules.push([]);
  }

  /** kube-proxy's ensureChain: created once, whatever asks for it again. */
  chain(name: string): void {
    if (this.chainIndex.has(name)) return;
    this.chains.push({ name, handle: ++this.handle });
    this.chainIndex.set(name, this.rules.length);
    this.rules.push([]);
  }

  rule(chain: string, expr: NftJsonValue[], comment?: string, anonymousSets = 0): void {
    const index = this.chainIndex.get(chain);
    if (index === undefined) throw new Error(`rule for chain ${chain}, which does not exist`);
    // nft adds a rule's anonymous sets in the same batch, just before the rule.
    this.handle += anonymousSets;
    const rule: { chain: string; handle: number; comment?: string; expr: NftJsonValue[] } = { chain, handle: ++this.handle, expr };
    if (comment !== undefined) rule.comment = comment;
    this.rules[index]!.push(rule);
  }

  set(kind: 'set' | 'map', name: string, type: string | string[], comment: string, map?: string): void {
    const spec: SetSpec = { kind, name, handle: ++this.handle, type, comment, elem: [] };
    if (map !== undefined) spec.map = map;
    this.sets.push(spec);
    this.setIndex.set(name, spec);
  }

  /** `add set` then `delete set` in one batch: the handle is spent, the set is gone. */
  dropLastSet(): void {
    const last = this.sets.pop();
    if (last) this.setIndex.delete(last.name);
  }

  element(set: string, elem: NftJsonValue): void {
    this.setIndex.get(set)!.elem.push(elem);
  }

  /** The table's elements in nft's listing order, and what they count. */
  list(out: NftJsonValue[]): { chains: number; baseChains: number; rules: number; elements: Record<string, number> } {
    const family = this.family;
    out.push({ table: { family, name: TABLE, handle: this.tableHandle } });
    const elements: Record<string, number> = {};
    for (const s of this.sets) {
      const body: { [key: string]: NftJsonValue } = { family, name: s.name, table: TABLE, type: s.type, handle: s.handle, comment: s.comment };
      if (s.map !== undefined) body['map'] = s.map;
      if (s.elem.length > 0) body['elem'] = s.elem;
      out.push({ [s.kind]: body });
      elements[s.name] = s.elem.length;
    }
    for (const c of this.chains) {
      const body: { [key: string]: NftJsonValue } = { family, table: TABLE, name: c.name, handle: c.handle };
      if (c.base) Object.assign(body, { type: c.base.type, hook: c.base.hook, prio: c.base.prio, policy: 'accept' });
      out.push({ chain: body });
    }
    let rules = 0;
    for (const list of this.rules) {
      for (const r of list) {
        const body: { [key: string]: NftJsonValue } = { family, table: TABLE, chain: r.chain, handle: r.handle };
        if (r.comment !== undefined) body['comment'] = r.comment;
        body['expr'] = r.expr;
        out.push({ rule: body });
        rules++;
      }
    }
    return { chains: this.chains.length, baseChains: this.chains.filter((c) => c.base).length, rules, elements };
  }
}

/** kube-proxy's base chains: filtering before DNAT (dstnat - 10), the post-DNAT output check, NAT. */
const BASE_CHAINS: readonly [name: string, type: 'filter' | 'nat', hook: string, prio: number][] = [
  ['filter-prerouting', 'filter', 'prerouting', -110],
  ['filter-input', 'filter', 'input', -110],
  ['filter-forward', 'filter', 'forward', -110],
  ['filter-output', 'filter', 'output', -110],
  ['filter-output-post-dnat', 'filter', 'output', -90],
  ['nat-prerouting', 'nat', 'prerouting', -100],
  ['nat-output', 'nat', 'output', -100],
  ['nat-postrouting', 'nat', 'postrouting', 100],
];

/** The regular chains the base chains jump to, in kube-proxy's order (nftablesJumpChains). */
const JUMP_CHAINS: readonly [target: string, from: string, newOnly: boolean][] = [
  ['nodeport-endpoints-check', 'filter-input', true],
  ['service-endpoints-check', 'filter-input', true],
  ['service-endpoints-check', 'filter-forward', true],
  ['service-endpoints-check', 'filter-output', true],
  ['firewall-check', 'filter-prerouting', true],
  ['firewall-check', 'filter-output', true],
  ['services', 'nat-output', false],
  ['services', 'nat-prerouting', false],
  ['masquerading', 'nat-postrouting', false],
  ['cluster-ips-check', 'filter-forward', true],
  ['cluster-ips-check', 'filter-output-post-dnat', true],
];

interface FamilySetup {
  /** CIDRs of the service ranges of this family (none: no "unallocated ClusterIPs" rule). */
  serviceCidrs: string[];
  /** The node's addresses that accept node ports; none means every local address (matchAll). */
  nodePortIps: string[];
}

/** setupNFTables: what every sync writes, services or not. */
function setup(t: TableWriter, { serviceCidrs, nodePortIps }: FamilySetup): void {
  const ipX = t.family;
  const addrType = ipX === 'ip' ? 'ipv4_addr' : 'ipv6_addr';
  const noLocalhost = ipX === 'ip' ? match('!=', payload('ip', 'daddr'), prefix('127.0.0.0/8')) : match('!=', payload('ip6', 'daddr'), '::1');
  const daddrProtoPort = concat(payload(ipX, 'daddr'), meta('l4proto'), payload('th', 'dport'));
  const protoPort = concat(meta('l4proto'), payload('th', 'dport'));
  const matchAll = nodePortIps.length === 0;

  for (const [name, type, hook, prio] of BASE_CHAINS) t.baseChain(name, type, hook, prio);
  for (const [target, from, newOnly] of JUMP_CHAINS) {
    t.chain(target);
    t.rule(from, newOnly ? [ctStateNew, jump(target)] : [jump(target)]);
  }
  for (const chain of ['services', 'cluster-ips-check', 'masquerading', 'mark-for-masquerade']) t.chain(chain);

  const mark = meta('mark');
  t.rule('mark-for-masquerade', [{ mangle: { key: mark, value: { '|': [mark, MASQUERADE_MARK] } } }]);
  t.rule('masquerading', [match('==', { '&': [mark, MASQUERADE_MARK] }, 0), { return: null }]);
  t.rule('masquerading', [{ mangle: { key: mark, value: { '^': [mark, MASQUERADE_MARK] } } }]);
  t.rule('masquerading', [{ masquerade: { flags: 'fully-random' } }]);

  t.set('set', 'cluster-ips', addrType, 'Active ClusterIPs');
  t.rule('cluster-ips-check', [match('==', payload(ipX, 'daddr'), '@cluster-ips'), reject(ipX)], 'Reject traffic to invalid ports of ClusterIPs');
  // kube-proxy writes `ip daddr { CIDR }`; nft stores a one-element anonymous set as a plain comparison.
  if (serviceCidrs.length === 1) t.rule('cluster-ips-check', [match('==', payload(ipX, 'daddr'), prefix(serviceCidrs[0]!)), { drop: null }], 'Drop traffic to unallocated ClusterIPs');

  // With every address accepting node ports, kube-proxy adds the set and deletes it again in one batch.
  t.set('set', 'nodeport-ips', addrType, 'IPs that accept NodePort traffic');
  if (matchAll) t.dropLastSet();
  for (const ip of nodePortIps) t.element('nodeport-ips', ip);

  t.set('map', 'no-endpoint-services', [addrType, 'inet_proto', 'inet_service'], 'vmap to drop or reject packets to services with no endpoints', 'verdict');
  t.set('map', 'no-endpoint-nodeports', ['inet_proto', 'inet_service'], 'vmap to drop or reject packets to service nodeports with no endpoints', 'verdict');
  t.chain('reject-chain');
  t.rule('reject-chain', [reject(ipX)]);
  t.rule('service-endpoints-check', [vmap(daddrProtoPort, '@no-endpoint-services')]);
  const nodePortDestination = matchAll ? noLocalhost : match('==', payload(ipX, 'daddr'), '@nodeport-ips');
  t.rule('nodeport-endpoints-check', [nodePortDestination, vmap(protoPort, '@no-endpoint-nodeports')]);

  t.set('map', 'firewall-ips', [addrType, 'inet_proto', 'inet_service'], 'destinations that are subject to LoadBalancerSourceRanges', 'verdict');
  t.rule('firewall-check', [vmap(daddrProtoPort, '@firewall-ips')]);

  t.set('map', 'service-ips', [addrType, 'inet_proto', 'inet_service'], 'ClusterIP, ExternalIP and LoadBalancer IP traffic', 'verdict');
  t.set('map', 'service-nodeports', ['inet_proto', 'inet_service'], 'NodePort traffic', 'verdict');
  t.rule('services', [vmap(daddrProtoPort, '@service-ips')]);
  const localDestination = matchAll
    ? [match('==', { fib: { result: 'type', flags: ['daddr'] } }, 'local'), noLocalhost]
    : [match('==', payload(ipX, 'daddr'), '@nodeport-ips')];
  t.rule('services', [...localDestination, vmap(protoPort, '@service-nodeports')]);
}

/** One service port of syncProxyRules, Cluster traffic policies, no session affinity. */
function addService(t: TableWriter, service: Service, clusterCidr: string, seen: Set<string>): void {
  const { clusterIp, protocol, port } = service;
  const svcChain = serviceChainName(service);
  const extChain = externalChainName(service);
  const endpointChains = service.endpoints.map((ep) => endpointChainName(service, ep));
  const hasEndpoints = service.endpoints.length > 0;

  if (hasEndpoints) {
    for (const chain of endpointChains) t.chain(chain);
    t.chain(svcChain);
    if (service.nodePort !== undefined) t.chain(extChain);
  }
  // A set holds an address once, whatever number of ports the service has.
  if (!seen.has(clusterIp)) {
    seen.add(clusterIp);
    t.element('cluster-ips', clusterIp);
  }
  const key = concat(clusterIp, protocol, port);
  if (hasEndpoints) t.element('service-ips', [key, goto(svcChain)]);
  else t.element('no-endpoint-services', [{ elem: { val: key, comment: service.portName } }, goto('reject-chain')]);
  if (service.nodePort !== undefined && hasEndpoints) t.element('service-nodeports', [concat(protocol, service.nodePort), goto(extChain)]);
  if (!hasEndpoints) return;

  t.rule(svcChain, [
    match('==', payload('ip', 'daddr'), clusterIp),
    match('==', payload(protocol, 'dport'), port),
    match('!=', payload('ip', 'saddr'), prefix(clusterCidr)),
    jump('mark-for-masquerade'),
  ]);
  if (service.nodePort !== undefined) {
    t.rule(extChain, [jump('mark-for-masquerade')]);
    t.rule(extChain, [goto(svcChain)]);
  }
  const choices = endpointChains.map((chain, i): NftJsonValue => [i, goto(chain)]);
  t.rule(svcChain, [vmap({ numgen: { mode: 'random', mod: choices.length, offset: 0 } }, { set: choices })], undefined, 1);
  service.endpoints.forEach((ep, i) => {
    const chain = endpointChains[i]!;
    t.rule(chain, [match('==', payload('ip', 'saddr'), ep.ip), jump('mark-for-masquerade')]);
    t.rule(chain, [match('==', meta('l4proto'), protocol), { dnat: { addr: ep.ip, port: ep.port } }]);
  });
}

export function renderNftRuleset(cluster: Cluster): { text: string; counts: NftCounts } {
  const ip = new TableWriter('ip', 1);
  setup(ip, { serviceCidrs: [cluster.serviceCidr], nodePortIps: [cluster.nodeIp] });
  const seen = new Set<string>();
  for (const service of cluster.services) addService(ip, service, cluster.clusterCidr, seen);
  // The node has no IPv6 address but link-local ones: no node-port addresses, no service range.
  const ip6 = new TableWriter('ip6', 2);
  setup(ip6, { serviceCidrs: [], nodePortIps: [] });

  const list: NftJsonValue[] = [{ metainfo: { version: NFT_VERSION, release_name: NFT_RELEASE, json_schema_version: 1 } }];
  const v4 = ip.list(list);
  const v6 = ip6.list(list);
  const text = `${nftJsonText({ nftables: list })}\n`;
  const withEndpoints = cluster.services.filter((s) => s.endpoints.length > 0);
  const endpoints = withEndpoints.reduce((n, s) => n + s.endpoints.length, 0);
  const counts: NftCounts = {
    bytes: Buffer.byteLength(text),
    tables: 2,
    chains: v4.chains + v6.chains,
    baseChains: v4.baseChains + v6.baseChains,
    rules: v4.rules + v6.rules,
    rulesByTable: { [`ip ${TABLE}`]: v4.rules, [`ip6 ${TABLE}`]: v6.rules },
    elements: v4.elements,
    serviceChains: withEndpoints.length,
    endpointChains: endpoints,
    externalChains: withEndpoints.filter((s) => s.nodePort !== undefined).length,
    numgenRules: withEndpoints.length,
    dnatRules: endpoints,
  };
  return { text, counts };
}
