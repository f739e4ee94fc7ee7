/**
 * `iptables-save -c` of a kube-proxy (iptables mode) node with flannel and Docker, as iptables-legacy
 * prints it: per table the built-in chains, then user chains in alphabetical order, then the rules grouped
 * by chain in that same order, each rule prefixed with its `[packets:bytes]` counters.
 *
 * When kube-proxy runs in nftables mode it writes no iptables at all: the same dump without its chains
 * and the jumps to them, the kubelet's (KUBE-FIREWALL, KUBE-KUBELET-CANARY, KUBE-IPTABLES-HINT), Docker's
 * and flannel's left as they were.
 */
import type { Cluster, ProxyMode, Service } from './cluster.js';
import { Random } from './random.js';

const BUILTIN_CHAINS: Record<string, readonly string[]> = {
  raw: ['PREROUTING', 'OUTPUT'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
};

export interface RulesetCounts {
  /** Lines of the whole dump, header and COMMIT lines included. */
  lines: number;
  rules: number;
  chains: number;
  rulesByTable: Record<string, number>;
}

/** The iptables chains of kube-proxy in iptables mode (KUBE-SVC-*, KUBE-SEP-*, KUBE-EXT-* aside). */
const KUBE_PROXY_CHAINS: ReadonlySet<string> = new Set([
  'KUBE-SERVICES',
  'KUBE-NODEPORTS',
  'KUBE-EXTERNAL-SERVICES',
  'KUBE-PROXY-FIREWALL',
  'KUBE-FORWARD',
  'KUBE-PROXY-CANARY',
  'KUBE-MARK-MASQ',
  'KUBE-POSTROUTING',
]);

const NO_CHAINS: ReadonlySet<string> = new Set();

function omittedChains(mode: ProxyMode): ReadonlySet<string> {
  return mode === 'nftables' ? KUBE_PROXY_CHAINS : NO_CHAINS;
}

/** One table under construction: chains with their policies, rules appended per chain. */
class TableBuilder {
  private readonly policies = new Map<string, string>();
  private readonly rules = new Map<string, string[]>();

  constructor(
    readonly name: string,
    private readonly rnd: Random,
    policies: Record<string, string> = {},
    /** Chains left out, with the rules in them and the rules that jump to them. */
    private readonly omit: ReadonlySet<string> = NO_CHAINS,
  ) {
    for (const chain of BUILTIN_CHAINS[name] ?? []) {
      this.policies.set(chain, policies[chain] ?? 'ACCEPT');
      this.rules.set(chain, []);
    }
  }

  chain(name: string): this {
    if (!this.rules.has(name) && !this.omit.has(name)) {
      this.policies.set(name, '-');
      this.rules.set(name, []);
    }
    return this;
  }

  /** Append `-A chain body`, declaring the chain when it is new. */
  add(chain: string, body: string): this {
    if (this.omit.has(chain) || this.omit.has(jumpTarget(body))) return this;
    this.chain(chain);
    this.rules.get(chain)!.push(body);
    return this;
  }

  private counters(): string {
    const packets = this.rnd.chance(0.35) ? this.rnd.int(1, 250_000) : 0;
    return `[${packets}:${packets * this.rnd.int(52, 1400)}]`;
  }

  render(out: string[], header: string, footer: string): { rules: number; chains: number } {
    const builtins = BUILTIN_CHAINS[this.name] ?? [];
    const users = [...this.rules.keys()].filter((c) => !builtins.includes(c)).sort();
    const order = [...builtins, ...users];
    out.push(header, `*${this.name}`);
    for (const chain of order) {
      const policy = this.policies.get(chain)!;
      out.push(`:${chain} ${policy} ${policy === '-' ? '[0:0]' : this.counters()}`);
    }
    let rules = 0;
    for (const chain of order) {
      for (const body of this.rules.get(chain)!) {
        out.push(`${this.counters()} -A ${chain} ${body}`);
        rules++;
      }
    }
    out.push('COMMIT', footer);
    return { rules, chains: order.length };
  }
}

function jumpTarget(body: string): string {
  const at = body.lastIndexOf('-j ');
  return at === -1 ? '' : body.slice(at + 3).split(' ')[0]!;
}

/** iptables stores the probability as a fraction of 2^31 and prints it back with 11 decimals. */
export function statisticProbability(p: number): string {
  return (Math.round(p * 0x80000000) / 0x80000000).toFixed(11);
}

function quote(comment: string): string {
  return `"${comment}"`;
}

function addService(nat: TableBuilder, filter: TableBuilder, svc: Service, clusterCidr: string): void {
  const { portName, protocol: p, clusterIp, port } = svc;
  if (svc.endpoints.length === 0) {
    filter.add(
      'KUBE-SERVICES',
      `-d ${clusterIp}/32 -p ${p} -m comment --comment ${quote(`${portName} has no endpoints`)} -m ${p} --dport ${port} -j REJECT --reject-with icmp-port-unreachable`,
    );
    return;
  }
  const clusterComment = quote(`${portName} cluster IP`);
  nat.add('KUBE-SERVICES', `-d ${clusterIp}/32 -p ${p} -m comment --comment ${clusterComment} -m ${p} --dport ${port} -j ${svc.svcChain}`);
  nat.add(svc.svcChain, `! -s ${clusterCidr} -d ${clusterIp}/32 -p ${p} -m comment --comment ${clusterComment} -m ${p} --dport ${port} -j KUBE-MARK-MASQ`);
  const n = svc.endpoints.length;
  svc.endpoints.forEach((ep, i) => {
    const towards = quote(`${portName} -> ${ep.ip}:${ep.port}`);
    const statistic = i < n - 1 ? ` -m statistic --mode random --probability ${statisticProbability(1 / (n - i))}` : '';
    nat.add(svc.svcChain, `-m comment --comment ${towards}${statistic} -j ${ep.sepChain}`);
    nat.add(ep.sepChain, `-s ${ep.ip}/32 -m comment --comment ${quote(portName)} -j KUBE-MARK-MASQ`);
    nat.add(ep.sepChain, `-p ${p} -m comment --comment ${quote(portName)} -m ${p} -j DNAT --to-destination ${ep.ip}:${ep.port}`);
  });
  if (svc.nodePort !== undefined) {
    nat.add('KUBE-NODEPORTS', `-p ${p} -m comment --comment ${quote(portName)} -m ${p} --dport ${svc.nodePort} -j ${svc.extChain}`);
    nat.add(svc.extChain, `-m comment --comment ${quote(`masquerade traffic for ${portName} external destinations`)} -j KUBE-MARK-MASQ`);
    nat.add(svc.extChain, `-j ${svc.svcChain}`);
  }
}

function kubeFilter(filter: TableBuilder): void {
  const kube = [
    ['INPUT', '-m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL'],
    ['INPUT', '-m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS'],
    ['INPUT', '-m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES'],
    ['INPUT', '-j KUBE-FIREWALL'],
    ['FORWARD', '-m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL'],
    ['FORWARD', '-m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD'],
    ['FORWARD', '-m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES'],
    ['FORWARD', '-m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES'],
    ['FORWARD', '-j DOCKER-USER'],
    ['FORWARD', '-j DOCKER-ISOLATION-STAGE-1'],
    ['FORWARD', '-o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT'],
    ['FORWARD', '-o docker0 -j DOCKER'],
    ['FORWARD', '-i docker0 ! -o docker0 -j ACCEPT'],
    ['FORWARD', '-i docker0 -o docker0 -j ACCEPT'],
    ['FORWARD', '-m comment --comment "flanneld forward" -j FLANNEL-FWD'],
    ['OUTPUT', '-m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL'],
    ['OUTPUT', '-m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES'],
    ['OUTPUT', '-j KUBE-FIREWALL'],
    ['DOCKER-ISOLATION-STAGE-1', '-i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2'],
    ['DOCKER-ISOLATION-STAGE-1', '-j RETURN'],
    ['DOCKER-ISOLATION-STAGE-2', '-o docker0 -j DROP'],
    ['DOCKER-ISOLATION-STAGE-2', '-j RETURN'],
    ['DOCKER-USER', '-j RETURN'],
    ['KUBE-FIREWALL', '! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP'],
    ['KUBE-FORWARD', '-m conntrack --ctstate INVALID -j DROP'],
    ['KUBE-FORWARD', '-m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT'],
    ['KUBE-FORWARD', '-m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT'],
  ] as const;
  for (const [chain, body] of kube) filter.add(chain, body);
  for (const chain of ['DOCKER', 'KUBE-EXTERNAL-SERVICES', 'KUBE-KUBELET-CANARY', 'KUBE-NODEPORTS', 'KUBE-PROXY-CANARY', 'KUBE-PROXY-FIREWALL', 'KUBE-SERVICES']) {
    filter.chain(chain);
  }
}

function flannelFilter(filter: TableBuilder, cluster: Cluster): void {
  filter.add('FLANNEL-FWD', `-s ${cluster.clusterCidr} -m comment --comment "flanneld forward" -j ACCEPT`);
  filter.add('FLANNEL-FWD', `-d ${cluster.clusterCidr} -m comment --comment "flanneld forward" -j ACCEPT`);
}

function natSkeleton(nat: TableBuilder, cluster: Cluster): void {
  const own = cluster.self.subnet;
  const all = cluster.clusterCidr;
  const rules = [
    ['PREROUTING', '-m comment --comment "kubernetes service portals" -j KUBE-SERVICES'],
    ['PREROUTING', '-m addrtype --dst-type LOCAL -j DOCKER'],
    ['OUTPUT', '-m comment --comment "kubernetes service portals" -j KUBE-SERVICES'],
    ['OUTPUT', '! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER'],
    ['POSTROUTING', '-m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING'],
    ['POSTROUTING', '-s 172.17.0.0/16 ! -o docker0 -j MASQUERADE'],
    ['POSTROUTING', '-m comment --comment "flanneld masq" -j FLANNEL-POSTRTG'],
    ['DOCKER', '-i docker0 -j RETURN'],
    ['FLANNEL-POSTRTG', '-m mark --mark 0x4000/0x4000 -m comment --comment "flanneld masq" -j RETURN'],
    ['FLANNEL-POSTRTG', `-s ${own} -d ${all} -m comment --comment "flanneld masq" -j RETURN`],
    ['FLANNEL-POSTRTG', `-s ${all} -d ${own} -m comment --comment "flanneld masq" -j RETURN`],
    ['FLANNEL-POSTRTG', `! -s ${all} -d ${own} -m comment --comment "flanneld masq" -j RETURN`],
    ['FLANNEL-POSTRTG', `-s ${all} ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully`],
    ['FLANNEL-POSTRTG', `! -s ${all} -d ${all} -m comment --comment "flanneld masq" -j MASQUERADE --random-fully`],
    ['KUBE-MARK-MASQ', '-j MARK --set-xmark 0x4000/0x4000'],
    ['KUBE-POSTROUTING', '-m mark ! --mark 0x4000/0x4000 -j RETURN'],
    ['KUBE-POSTROUTING', '-j MARK --set-xmark 0x4000/0x0'],
    ['KUBE-POSTROUTING', '-m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully'],
  ] as const;
  for (const [chain, body] of rules) nat.add(chain, body);
  for (const chain of ['KUBE-KUBELET-CANARY', 'KUBE-NODEPORTS', 'KUBE-PROXY-CANARY', 'KUBE-SERVICES']) nat.chain(chain);
}

function mangleSkeleton(mangle: TableBuilder): void {
  for (const chain of ['KUBE-IPTABLES-HINT', 'KUBE-KUBELET-CANARY', 'KUBE-PROXY-CANARY']) mangle.chain(chain);
}

export const IPTABLES_VERSION = 'v1.8.7';

function stamp(date: string, what: 'Generated by iptables-save' | 'Completed on' | 'Generated by ip6tables-save'): string {
  return what === 'Completed on' ? `# Completed on ${date}` : `# ${what} ${IPTABLES_VERSION} on ${date}`;
}

function renderTables(tables: TableBuilder[], date: string, tool: 'iptables-save' | 'ip6tables-save'): { text: string; counts: RulesetCounts } {
  const out: string[] = [];
  const counts: RulesetCounts = { lines: 0, rules: 0, chains: 0, rulesByTable: {} };
  for (const table of tables) {
    const { rules, chains } = table.render(out, stamp(date, `Generated by ${tool}`), stamp(date, 'Completed on'));
    counts.rules += rules;
    counts.chains += chains;
    counts.rulesByTable[table.name] = rules;
  }
  counts.lines = out.length;
  return { text: `${out.join('\n')}\n`, counts };
}

export function renderIptablesSave(cluster: Cluster, date: string): { text: string; counts: RulesetCounts } {
  const rnd = new Random(cluster.spec.seed ^ 0x1f7a);
  const omit = omittedChains(cluster.spec.proxyMode ?? 'iptables');
  const mangle = new TableBuilder('mangle', rnd, {}, omit);
  const filter = new TableBuilder('filter', rnd, { FORWARD: 'DROP' }, omit);
  const nat = new TableBuilder('nat', rnd, {}, omit);
  mangleSkeleton(mangle);
  kubeFilter(filter);
  flannelFilter(filter, cluster);
  natSkeleton(nat, cluster);
  if (omit.size === 0) for (const svc of cluster.services) addService(nat, filter, svc, cluster.clusterCidr);
  // kube-proxy always ends KUBE-SERVICES with the node-port dispatch.
  nat.add(
    'KUBE-SERVICES',
    '-m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
  );
  return renderTables([mangle, filter, nat], date, 'iptables-save');
}

/** A single-stack IPv4 cluster still has the kubelet's and Docker's IPv6 skeleton. */
export function renderIp6tablesSave(seed: number, date: string, proxyMode: ProxyMode = 'iptables'): { text: string; counts: RulesetCounts } {
  const rnd = new Random(seed ^ 0x6a6);
  const omit = omittedChains(proxyMode);
  const mangle = new TableBuilder('mangle', rnd, {}, omit);
  const filter = new TableBuilder('filter', rnd, {}, omit);
  const nat = new TableBuilder('nat', rnd, {}, omit);
  mangleSkeleton(mangle);
  filter.add('INPUT', '-j KUBE-FIREWALL');
  filter.add('OUTPUT', '-j KUBE-FIREWALL');
  filter.chain('KUBE-FIREWALL').chain('KUBE-KUBELET-CANARY');
  nat.add('POSTROUTING', '-m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING');
  nat.add('KUBE-MARK-MASQ', '-j MARK --set-xmark 0x4000/0x4000');
  nat.add('KUBE-POSTROUTING', '-m mark ! --mark 0x4000/0x4000 -j RETURN');
  nat.add('KUBE-POSTROUTING', '-j MARK --set-xmark 0x4000/0x0');
  nat.add('KUBE-POSTROUTING', '-m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully');
  nat.chain('KUBE-KUBELET-CANARY');
  return renderTables([mangle, filter, nat], date, 'ip6tables-save');
}
