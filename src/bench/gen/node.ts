/**
 * A whole synthetic Kubernetes node as a `netaudit/snapshot@1`, with the counts a correct pipeline must
 * find in it. Deterministic: the same spec (seed included) gives byte-identical output.
 */
import { writeFileSync } from 'node:fs';
import { SNAPSHOT_SCHEMA_ID, type Snapshot, type Source } from '../../snapshot/schema.js';
import { SOURCE_BY_ID, type SourceId } from '../../snapshot/sources.js';
import { renderBrctlShow, renderBridgeLink } from './bridge.js';
import { buildCluster, type Cluster, type NodeSpec } from './cluster.js';
import { hostInterfaces, renderIp6Route, renderIpAddr, renderIpLink, renderIpNeigh, renderIpRoute } from './ip.js';
import { IPTABLES_VERSION, renderIp6tablesSave, renderIptablesSave, type RulesetCounts } from './iptables.js';
import { renderNftRuleset, type NftCounts } from './nft.js';
import { renderSs, renderSsUdp } from './ss.js';
import { renderSysctl } from './sysctl.js';

/** What the generated snapshot holds: a test compares these with what the parsers and the model find. */
export interface ExpectedCounts {
  services: number;
  /** Services with at least one endpoint: one KUBE-SVC chain (nftables: service- chain) each. */
  svcChains: number;
  /** One KUBE-SEP chain (nftables: endpoint- chain), one DNAT and one mark-for-masquerade rule per endpoint. */
  endpoints: number;
  /** `-m statistic` rules: every endpoint of a service but its last (none in nftables mode). */
  statisticRules: number;
  nodePorts: number;
  iptables: RulesetCounts;
  ip6tables: RulesetCounts;
  /** `nft -j list ruleset`: only where kube-proxy runs in nftables mode. */
  nft?: NftCounts;
  sysctlLines: number;
  interfaces: number;
  veths: number;
  bridges: number;
  bridgePorts: number;
  routes4: number;
  routes6: number;
  neighbours: number;
  listeners: number;
  udpListeners: number;
  /** Bytes of every source's stdout, as UTF-8. */
  sourceBytes: number;
}

export interface GeneratedNode {
  spec: NodeSpec;
  cluster: Cluster;
  snapshot: Snapshot;
  expected: ExpectedCounts;
}

/** Fixed, so that the output does not depend on the day it was generated. */
const COLLECTED_AT = '2024-03-05T10:12:33Z';
const IPTABLES_DATE = 'Tue Mar  5 10:12:33 2024';

function source(id: SourceId, stdout: string, durationMs: number): Source {
  const spec = SOURCE_BY_ID.get(id);
  return {
    status: stdout.length === 0 ? 'empty' : 'ok',
    command: spec ? spec.argv.join(' ') : id,
    exitCode: 0,
    stdout,
    stdoutEncoding: 'utf8',
    stderr: '',
    stderrEncoding: 'utf8',
    durationMs,
    truncated: false,
  };
}

export function generateNode(spec: NodeSpec): GeneratedNode {
  const cluster = buildCluster(spec);
  const proxyMode = spec.proxyMode ?? 'iptables';
  const interfaces = hostInterfaces(cluster);
  const ipt = renderIptablesSave(cluster, IPTABLES_DATE);
  const ip6t = renderIp6tablesSave(spec.seed, IPTABLES_DATE, proxyMode);
  const nft = proxyMode === 'nftables' ? renderNftRuleset(cluster) : undefined;
  const sysctl = renderSysctl(cluster, interfaces.map((i) => i.name));
  const routes4 = renderIpRoute(cluster, interfaces);
  const routes6 = renderIp6Route(interfaces);
  const neigh = renderIpNeigh(cluster);
  const brctl = renderBrctlShow(interfaces);
  const bridgeLink = renderBridgeLink(interfaces);
  const ss = renderSs(cluster);
  const ssUdp = renderSsUdp(cluster);

  const sources: Record<string, Source> = {
    sysctl: source('sysctl', sysctl.text, 41),
    'iptables-save': source('iptables-save', ipt.text, 180),
    'ip6tables-save': source('ip6tables-save', ip6t.text, 6),
    'iptables-version': source('iptables-version', `iptables ${IPTABLES_VERSION} (legacy)\n`, 2),
    'ip-link': source('ip-link', renderIpLink(interfaces), 9),
    'ip-addr': source('ip-addr', renderIpAddr(interfaces), 7),
    'ip-route': source('ip-route', routes4.text, 3),
    'ip6-route': source('ip6-route', routes6.text, 3),
    'ip-neigh': source('ip-neigh', neigh.text, 2),
    'brctl-show': source('brctl-show', brctl.text, 4),
    'bridge-link': source('bridge-link', bridgeLink.text, 3),
    'ss-tlnp': source('ss-tlnp', ss.text, 5),
    'ss-ulnp': source('ss-ulnp', ssUdp.text, 4),
  };
  if (nft) sources['nft-ruleset'] = source('nft-ruleset', nft.text, 95);

  const snapshot: Snapshot = {
    schema: SNAPSHOT_SCHEMA_ID,
    meta: {
      hostname: cluster.hostname,
      kernel: '5.15.0-91-generic',
      collectedAt: COLLECTED_AT,
      collector: { name: 'netaudit-bench', version: '1' },
      user: { uid: 0, name: 'root' },
      notes: [],
    },
    namespaces: [{ name: 'host', kind: 'host', sources }],
    sysctlFiles: {
      status: 'ok',
      files: [
        { path: '/etc/sysctl.conf', content: '#\n# /etc/sysctl.conf - Configuration file for setting system variables\n#\n#net.ipv4.ip_forward=1\n', encoding: 'utf8' },
        { path: '/etc/sysctl.d/10-network-security.conf', content: '# Turn on Source Address Verification in all interfaces to\n# prevent some spoofing attacks.\nnet.ipv4.conf.default.rp_filter=2\nnet.ipv4.conf.all.rp_filter=2\n', encoding: 'utf8' },
        { path: '/etc/sysctl.d/99-kubernetes-cri.conf', content: 'net.bridge.bridge-nf-call-iptables  = 1\nnet.ipv4.ip_forward                 = 1\nnet.bridge.bridge-nf-call-ip6tables = 1\n', encoding: 'utf8' },
      ],
    },
  };

  const withEndpoints = cluster.services.filter((s) => s.endpoints.length > 0);
  const expected: ExpectedCounts = {
    services: cluster.services.length,
    svcChains: withEndpoints.length,
    endpoints: withEndpoints.reduce((n, s) => n + s.endpoints.length, 0),
    statisticRules: proxyMode === 'iptables' ? withEndpoints.reduce((n, s) => n + s.endpoints.length - 1, 0) : 0,
    nodePorts: cluster.services.filter((s) => s.nodePort !== undefined).length,
    iptables: ipt.counts,
    ip6tables: ip6t.counts,
    sysctlLines: sysctl.counts.lines,
    interfaces: interfaces.length,
    veths: cluster.pods.length,
    bridges: 2,
    bridgePorts: brctl.ports,
    routes4: routes4.count,
    routes6: routes6.count,
    neighbours: neigh.count,
    listeners: ss.count,
    udpListeners: ssUdp.count,
    sourceBytes: Object.values(sources).reduce((n, s) => n + Buffer.byteLength(s.stdout), 0),
  };
  if (nft) expected.nft = nft.counts;
  return { spec, cluster, snapshot, expected };
}

export function writeSnapshot(file: string, snapshot: Snapshot): number {
  const text = JSON.stringify(snapshot);
  writeFileSync(file, text);
  return Buffer.byteLength(text);
}
