/**
 * Facts from the host context the collectors read as files (src/snapshot/host-files.ts):
 * - namespace: its resolvers (resolv.conf), and whether each nameserver can be reached from it, asked of the
 *   packet-path engine (a DNS query over UDP 53, and its reply; for a loopback nameserver, whether anything
 *   in the namespace listens on it);
 * - host: Docker's configuration (daemon.json and dockerd's flags merged), its configured address pools and
 *   the host routes they collide with, flags set twice;
 * - bridge: whether Docker manages iptables rules at all (docker-chains-missing);
 * - published-port: whether dockerd's userland proxy serves the port's hairpin and localhost connections.
 */
import type { BridgeSubnet, PublishedPort } from '../../analysis/netfilter/index.js';
import { dropStep } from '../../analysis/path/cause.js';
import { followConnection, type TraceResult } from '../../analysis/path/trace.js';
import type { Packet, TraceStep } from '../../analysis/path/types.js';
import { isLoopback, parseAddress, parseCidr, textCidrOverlaps } from '../../model/net.js';
import type { DockerConfig, Setting } from '../../model/runtime-config.js';
import type { Bridge, Evidence, Namespace, Route } from '../../model/types.js';
import type { ResolvNameserver } from '../../parse/resolv-conf.js';
import { mergeEvidence, primaryEvidence } from './lib/evidence.js';
import { pathEngineOf } from './lib/path-engine.js';
import { subjectMemo } from './lib/subject-memo.js';
import { defineFacts, EVIDENCE_TYPE, type FactEnv, type FactModule } from './registry.js';

const CLIENT_PORT = 40000;
const DNS_PORT = 53;

/* ---------- namespace: nameservers ---------- */

interface UnreachableNameserver {
  server: ResolvNameserver;
  why: string;
  evidence: Evidence[];
}

function stepText(step: TraceStep, result: TraceResult): string {
  const leg = result.reply && result.reply.verdict === 'dropped' ? 'its reply' : 'the query';
  const where = [step.namespace === 'host' ? 'the host' : `namespace ${step.namespace}`, step.stage, step.table, step.chain].filter(Boolean).join(' ');
  return `${leg} dies at ${where}: ${step.note}`;
}

/** A DNS query (UDP 53) the namespace sends to `server`, and its reply; for a loopback server a TCP 53 connection too. */
function askNameserver(env: FactEnv, ns: Namespace, server: ResolvNameserver): UnreachableNameserver | undefined {
  const address = parseAddress(server.address);
  if (!address) return undefined;
  const engine = pathEngineOf(env);
  const origin = { namespace: ns.name, described: `namespace ${ns.name}` };
  const packet = (protocol: 'udp' | 'tcp'): Packet => ({ family: address.family, src: 0n, dst: address.value, protocol, sport: CLIENT_PORT, dport: DNS_PORT, mark: 0 });
  const udp = followConnection(engine, origin, packet('udp'), false);
  const loopback = isLoopback({ family: address.family, network: address.value, prefixLen: address.family === 4 ? 32 : 128 });
  const ownSocket = (step: TraceStep | undefined): step is TraceStep => step !== undefined && step.stage === 'local-delivery' && step.namespace === ns.name;
  let step: TraceStep | undefined;
  if (udp.verdict === 'dropped') {
    step = dropStep(udp.reply ?? udp.request);
    if (step && !(loopback && ownSocket(step))) return { server, why: stepText(step, udp), evidence: step.evidence };
  }
  if (!loopback || udp.verdict === 'delivered') return undefined;
  // A loopback address is this namespace's own: only a socket in it answers. Where its UDP sockets were not
  // collected (ss -Hulnp), a DNS server serves TCP 53 beside UDP (RFC 7766), so no TCP listener (after any DNAT,
  // as Docker's embedded DNS at 127.0.0.11 uses) means no resolver there. Unknown (ss not collected) stays unknown.
  if (!ownSocket(step)) {
    const tcp = followConnection(engine, origin, packet('tcp'), true);
    step = tcp.verdict === 'dropped' ? dropStep(tcp.request) : undefined;
  }
  if (!ownSocket(step)) return undefined;
  return {
    server,
    why: `a loopback address reaches only this namespace's own sockets, and none listens on ${server.address}:53 here (${step.note})${server.address.startsWith('127.0.0.53') ? "; systemd-resolved's stub listens in the host's namespace only" : ''}`,
    evidence: step.evidence,
  };
}

function unreachable(env: FactEnv, ns: Namespace): UnreachableNameserver[] {
  return subjectMemo(env, 'context:nameservers', ns, () => {
    if (ns.kind === 'host' || !ns.resolvers) return [];
    return ns.resolvers.nameservers.flatMap((s) => {
      const problem = askNameserver(env, ns, s);
      return problem ? [problem] : [];
    });
  });
}

const namespaceFacts = defineFacts<Namespace>('namespace', [
  {
    name: 'nameservers',
    type: 'string[]',
    description: 'The nameservers of the resolv.conf the namespace reads (the first three, as the resolver uses them); [] when none or not collected',
    example: ['127.0.0.53'],
    compute: (ns) => ns.resolvers?.nameservers.map((s) => s.address) ?? [],
  },
  {
    name: 'resolvConfFile',
    type: 'string',
    description: 'Where the namespace\'s resolv.conf was read from: /etc/resolv.conf (the host\'s, for a named namespace without /etc/netns/NAME/resolv.conf), /etc/netns/NAME/resolv.conf, /proc/PID/root/etc/resolv.conf; "" when not collected or absent',
    example: '/proc/4242/root/etc/resolv.conf',
    compute: (ns) => {
      const f = ns.resolvers?.file;
      return f ? (f.readFrom ?? f.path) : '';
    },
  },
  {
    name: 'unreachableNameservers',
    type: 'string[]',
    description:
      'Nameservers the namespace cannot reach, by the packet-path engine: a DNS query (UDP 53) or its reply certainly dropped on the way (no route, a firewall rule, a sysctl), or a loopback nameserver (127.0.0.0/8, ::1) with no socket listening on port 53 at that address in the namespace (systemd-resolved\'s 127.0.0.53 exists in the host\'s namespace only): no UDP socket there (ss -Hulnp), or where UDP sockets were not collected no TCP listener. A step the snapshot cannot decide is unknown: not listed',
    example: ['127.0.0.53'],
    compute: (ns, env) => unreachable(env, ns).map((u) => u.server.address),
  },
  {
    name: 'nameserverProblems',
    type: 'string',
    description: 'Each unreachable nameserver and why, for messages',
    compute: (ns, env) => unreachable(env, ns).map((u) => `nameserver ${u.server.address} (${u.server.evidence.source}:${u.server.evidence.line}): ${u.why}`).join('; '),
  },
  {
    name: 'nameserverEvidence',
    type: EVIDENCE_TYPE,
    description: 'The nameserver lines, then the lines of the steps that drop the queries',
    compute: (ns, env) => {
      const list = unreachable(env, ns);
      return mergeEvidence(...list.map((u) => primaryEvidence(u.server.evidence)), ...list.map((u) => u.evidence));
    },
  },
]);

/* ---------- host: Docker's configuration ---------- */

function docker(env: FactEnv): DockerConfig | undefined {
  return env.host.runtime?.docker;
}

/** Docker runs without iptables rules of its own: "iptables": false (or --iptables=false), or its nftables backend. */
function iptablesDisabled(d: DockerConfig | undefined): Setting<unknown> | undefined {
  if (!d) return undefined;
  if (d.iptables.value === false) return d.iptables;
  if (d.firewallBackend.value === 'nftables') return d.firewallBackend;
  return undefined;
}

interface PoolOverlap {
  pool: string;
  kind: string;
  route: Route;
  evidence: Evidence[];
}

/** Docker's bridges: docker0, br-<12 hex>, the configured bridge. */
function isDockerBridge(name: string | undefined, d: DockerConfig): boolean {
  if (name === undefined) return false;
  return name === 'docker0' || /^br-[0-9a-f]{12}$/.test(name) || name === d.bridge?.value;
}

function configuredPools(d: DockerConfig): { cidr: string; kind: string; evidence?: Evidence }[] {
  const out: { cidr: string; kind: string; evidence?: Evidence }[] = [];
  const add = (text: string | undefined, kind: string, evidence: Evidence | undefined) => {
    if (text === undefined) return;
    const cidr = parseCidr(text);
    if (!cidr) return;
    out.push({ cidr: text.includes('/') ? text : `${text}/${cidr.family === 4 ? 32 : 128}`, kind, ...(evidence ? { evidence } : {}) });
  };
  add(d.bip?.value, 'bip', d.bip?.evidence);
  add(d.fixedCidr?.value, 'fixed-cidr', d.fixedCidr?.evidence);
  for (const pool of d.defaultAddressPools?.value ?? []) add(pool.base, 'default-address-pools', d.defaultAddressPools?.evidence);
  return out;
}

function poolOverlaps(env: FactEnv, ns: Namespace): PoolOverlap[] {
  return env.cache.perHost('context:poolOverlaps', () => {
    const d = docker(env);
    if (!d) return [];
    const out: PoolOverlap[] = [];
    for (const pool of configuredPools(d)) {
      for (const route of ns.routes) {
        if (route.isDefault || route.prefixLen === 0 || route.table === 'local' || route.type !== 'unicast') continue;
        if (isDockerBridge(route.dev, d) || route.nexthops.some((h) => isDockerBridge(h.dev, d))) continue;
        if (!textCidrOverlaps(pool.cidr, route.dst)) continue;
        out.push({ pool: pool.cidr, kind: pool.kind, route, evidence: mergeEvidence(pool.evidence ? primaryEvidence(pool.evidence) : undefined, route.evidence) });
      }
    }
    return out;
  });
}

function routeText(r: Route): string {
  return [r.dst, r.gateway ? `via ${r.gateway}` : '', r.dev ? `dev ${r.dev}` : '', r.table !== 'main' ? `table ${r.table}` : ''].filter(Boolean).join(' ');
}

const hostFacts = defineFacts<Namespace>('host', [
  {
    name: 'dockerConfigured',
    type: 'boolean',
    description: 'Docker\'s configuration is known: /etc/docker/daemon.json was read, or a dockerd process was seen',
    example: true,
    compute: (_ns, env) => docker(env) !== undefined,
  },
  {
    name: 'dockerIptables',
    type: 'boolean | undefined',
    description: 'Docker\'s "iptables" setting (daemon.json or --iptables, default true); undefined when Docker\'s configuration is not known',
    example: true,
    compute: (_ns, env) => docker(env)?.iptables.value,
  },
  {
    name: 'dockerFirewallBackend',
    type: 'string',
    description: 'Docker\'s firewall backend: "iptables" (the default) or "nftables" (Docker 29, "firewall-backend"); "" when not known',
    example: 'iptables',
    compute: (_ns, env) => docker(env)?.firewallBackend.value ?? '',
  },
  {
    name: 'dockerAddressPools',
    type: 'string[]',
    description: 'The address ranges configured for Docker\'s networks: bip, fixed-cidr, default-address-pools bases (Docker\'s built-in defaults not listed)',
    example: ['172.26.0.1/16', '172.80.0.0/16'],
    compute: (_ns, env) => {
      const d = docker(env);
      return d ? configuredPools(d).map((p) => p.cidr) : [];
    },
  },
  {
    name: 'addressPoolOverlaps',
    type: 'string[]',
    description: 'Each configured Docker pool that overlaps a route of the host other than a Docker bridge\'s own (default routes and the local table left out): "default-address-pools 10.10.0.0/16 overlaps 10.10.4.0/22 via 192.0.2.1 dev eth0"',
    example: ['bip 192.168.1.5/24 overlaps 192.168.1.0/24 dev eth0'],
    compute: (ns, env) => poolOverlaps(env, ns).map((o) => `${o.kind} ${o.pool} overlaps ${routeText(o.route)}`),
  },
  {
    name: 'addressPoolOverlapEvidence',
    type: EVIDENCE_TYPE,
    description: 'The pool\'s daemon.json line (or dockerd\'s command line), then the colliding routes',
    compute: (ns, env) => mergeEvidence(...poolOverlaps(env, ns).map((o) => o.evidence)),
  },
  {
    name: 'dockerConfigConflicts',
    type: 'string[]',
    description: 'Settings given both in daemon.json and on dockerd\'s command line: dockerd refuses to start ("the following directives are specified both as a flag and in the configuration file")',
    example: ['hosts'],
    compute: (_ns, env) => docker(env)?.conflicts.map((c) => c.key) ?? [],
  },
  {
    name: 'kubeProxyMode',
    type: 'string',
    description: 'kube-proxy\'s --proxy-mode from its command line (iptables, ipvs, nftables); "" when no kube-proxy process was seen or the flag is not given (its --config file is not collected)',
    example: 'ipvs',
    compute: (_ns, env) => env.host.runtime?.kubeProxy?.proxyMode?.value ?? '',
  },
  {
    name: 'kubeClusterCidr',
    type: 'string',
    description: 'kube-proxy\'s --cluster-cidr (the pod network); "" when not seen',
    example: '10.244.0.0/16',
    compute: (_ns, env) => env.host.runtime?.kubeProxy?.clusterCidr?.value ?? '',
  },
  {
    name: 'kubeletPodCidr',
    type: 'string',
    description: 'kubelet\'s --pod-cidr (this node\'s pod subnet, when set on its command line); "" when not seen',
    example: '10.244.1.0/24',
    compute: (_ns, env) => env.host.runtime?.kubelet?.podCidr?.value ?? '',
  },
]);

/* ---------- bridge: Docker's iptables chains expected at all ---------- */

const bridgeFacts = defineFacts<Bridge>('bridge', [
  {
    name: 'dockerIptablesDisabled',
    type: 'boolean',
    description:
      'Docker runs without iptables rules of its own: "iptables": false in daemon.json or --iptables=false, or its nftables backend ("firewall-backend": "nftables"); false when Docker\'s configuration says otherwise or is not known',
    example: false,
    compute: (_b, env) => iptablesDisabled(docker(env)) !== undefined,
  },
  {
    name: 'dockerIptablesSetting',
    type: EVIDENCE_TYPE,
    description: 'The daemon.json line or dockerd command line that turns Docker\'s iptables rules off',
    compute: (_b, env) => {
      const s = iptablesDisabled(docker(env));
      return s?.evidence ? [s.evidence] : [];
    },
  },
]);

/* ---------- published-port: who serves hairpin and localhost connections ---------- */

const portFacts = defineFacts<PublishedPort>('published-port', [
  {
    name: 'userlandProxy',
    type: 'boolean | undefined',
    description:
      'dockerd\'s userland-proxy setting (default true). With it, a docker-proxy process listens on the published host port and serves connections from the host itself (127.0.0.1, where nat OUTPUT\'s DNAT does not apply to loopback) and hairpin connections from a container to the host\'s published port; without it (false) those go through the DNAT alone, which needs route_localnet on the bridge and the MASQUERADE of hairpin traffic Docker adds. undefined when Docker\'s configuration is not known',
    example: true,
    compute: (_p, env) => docker(env)?.userlandProxy.value,
  },
]);

/** Not yet read by a rule: a subnet's pool membership is a fact for site rules. */
const subnetFacts = defineFacts<BridgeSubnet>('bridge-subnet', [
  {
    name: 'inDockerPool',
    type: 'boolean',
    description: 'The bridge subnet lies inside one of Docker\'s configured address ranges (bip, fixed-cidr, default-address-pools)',
    example: false,
    compute: (s, env) => {
      const d = docker(env);
      return d ? configuredPools(d).some((p) => textCidrOverlaps(p.cidr, s.subnet)) : false;
    },
  },
]);

export const hostContextNamespaceModule: FactModule<Namespace> = { facts: namespaceFacts };
export const hostContextHostModule: FactModule<Namespace> = { facts: hostFacts };
export const hostContextBridgeModule: FactModule<Bridge> = { facts: bridgeFacts };
export const hostContextPortModule: FactModule<PublishedPort> = { facts: portFacts };
export const hostContextSubnetModule: FactModule<BridgeSubnet> = { facts: subnetFacts };
