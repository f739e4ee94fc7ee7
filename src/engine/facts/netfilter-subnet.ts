/**
 * Subject kind `bridge-subnet`: each subnet of each bridge ("docker0:172.17.0.0/16"), with its
 * masquerade coverage in nat POSTROUTING.
 */
import {
  bridgeSubnets,
  checkBridgeForwarding,
  isPrivateCidr,
  masqueradeCoverage,
  type BridgeSubnet,
  type MasqueradeCoverage,
} from '../../analysis/netfilter/index.js';
import { decisionEvidence, describeDecision, ruleText } from '../../analysis/evidence.js';
import { uplinkInterface } from '../../analysis/topology.js';
import { mergeEvidence } from './lib/evidence.js';
import { egressNattedByNft } from './path.js';
import { defineFacts, defineSubjects, EVIDENCE_TYPE, type FactEnv, type FactModule } from './registry.js';

const KEY = 'netfilter-subnet:';

const subjects = defineSubjects<BridgeSubnet>({
  kind: 'bridge-subnet',
  description: 'Every subnet of every bridge (IPv4 and IPv6, link-local excluded), named "<bridge>:<subnet>", e.g. "docker0:172.17.0.0/16"',
  namespaces: 'all',
  enumerate: ({ namespace }) => namespace.bridges.flatMap((b) => bridgeSubnets(b).map((s) => ({ name: `${b.name}:${s.subnet}`, value: s }))),
});

function key(s: BridgeSubnet): string {
  return `${s.bridge.name}:${s.subnet}`;
}

/** Containers on the subnet open connections that leave through an uplink and FORWARD does not stop them. */
function egress(env: FactEnv, s: BridgeSubnet): boolean {
  return env.cache.perNamespace(env.namespace, `${KEY}egress:${key(s)}`, () => {
    if (s.bridge.ports.length === 0) return false;
    const uplink = uplinkInterface(env.namespace, s.family);
    if (!uplink || uplink === s.bridge.name) return false;
    const forward = checkBridgeForwarding(env.namespace, s);
    return forward !== undefined && !forward.outboundBlocked && !forward.outboundIsolated;
  });
}

function coverage(env: FactEnv, s: BridgeSubnet): MasqueradeCoverage | undefined {
  return env.cache.perNamespace(env.namespace, `${KEY}masq:${key(s)}`, () => masqueradeCoverage(env.namespace, s));
}

function missing(env: FactEnv, s: BridgeSubnet): MasqueradeCoverage | undefined {
  if (!isPrivateCidr(s.cidr) || !egress(env, s)) return undefined;
  const c = coverage(env, s);
  if (c?.covered !== 'no') return undefined;
  // iptables does not masquerade it; a native nftables table may (the packet path runs both).
  return hasNativeNft(env) && egressNattedByNft(env, s) ? undefined : c;
}

function hasNativeNft(env: FactEnv): boolean {
  return (env.namespace.nftables?.tables ?? []).some((t) => !t.managedByIptablesNft);
}

const facts = defineFacts<BridgeSubnet>('bridge-subnet', [
  { name: 'bridge', type: 'string', description: 'The bridge the subnet belongs to', example: 'docker0', compute: (s) => s.bridge.name },
  { name: 'subnet', type: 'string', description: 'The subnet, as canonical CIDR text', example: '172.17.0.0/16', compute: (s) => s.subnet },
  { name: 'family', type: 'number', description: 'The address family of the subnet: 4 or 6', example: 4, compute: (s) => s.family },
  {
    name: 'privateSubnet',
    type: 'boolean',
    description: 'RFC 1918, CGNAT or other non-internet IPv4 space, or IPv6 outside 2000::/3 (ULA): it cannot leave the host without source NAT',
    example: true,
    compute: (s) => isPrivateCidr(s.cidr),
  },
  {
    name: 'egressForwarded',
    type: 'boolean',
    description: 'The bridge has ports, the default route of the family leaves through another interface, and filter FORWARD does not certainly drop the subnet\'s outbound connections',
    example: true,
    compute: (s, env) => egress(env, s),
  },
  {
    name: 'masqueradeCovered',
    type: 'string',
    description: '"yes" when nat POSTROUTING certainly MASQUERADEs/SNATs a connection from the subnet to the internet through the uplink, "no" when it certainly does not, "maybe" when marks, ipsets or similar decide',
    example: 'yes',
    compute: (s, env) => coverage(env, s)?.covered ?? 'maybe',
  },
  {
    name: 'masqueradeMissing',
    type: 'boolean',
    description: 'A private subnet whose traffic is forwarded out through an uplink and that no SNAT/MASQUERADE in nat POSTROUTING covers (including a rule for a different subnet, or for another output interface)',
    example: false,
    compute: (s, env) => missing(env, s) !== undefined,
  },
  {
    name: 'masqueradeProblem',
    type: 'string',
    description: 'What nat POSTROUTING does with the subnet\'s traffic instead, and the rules that almost cover it',
    compute: (s, env) => {
      const c = missing(env, s);
      if (!c) return '';
      const end = `nat POSTROUTING ends in ${describeDecision(c.walk.decision)}`;
      const near = c.nearMisses[0];
      return near ? `${end}; ${ruleText(near.text)} does not apply to it (wrong subnet or output interface)` : end;
    },
  },
  {
    name: 'masqueradeEvidence',
    type: EVIDENCE_TYPE,
    description: 'The POSTROUTING policy or last rule, the source-NAT rules that name the bridge or subnet but miss it, then the bridge',
    compute: (s, env) => {
      const c = missing(env, s);
      return c ? mergeEvidence(decisionEvidence(c.walk.decision), c.nearMisses.slice(0, 3).map((r) => r.evidence), s.bridge.evidence.slice(0, 1)) : [];
    },
  },
]);

export const bridgeSubnetModule: FactModule<BridgeSubnet> = { subjects, facts };
