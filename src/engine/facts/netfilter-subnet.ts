/**
 * Subject kind `bridge-subnet`: each subnet of each bridge ("docker0:172.17.0.0/16"), with its
 * masquerade coverage at the postrouting hook, as the packet-path engine sees it.
 */
import { bridgeSubnets, isPrivateCidr, type BridgeSubnet } from '../../analysis/netfilter/index.js';
import { describeStep, stepEvidence } from '../../analysis/path/hook-question.js';
import { iptablesDecisionOf } from '../../analysis/path/netfilter-stage.js';
import { ruleText } from '../../analysis/evidence.js';
import type { TraceStep } from '../../analysis/path/types.js';
import { forwardAnswer, natAnswer, type NatAnswer, type Override } from './lib/bridge-flows.js';
import { mergeEvidence, secondaryEvidence } from './lib/evidence.js';
import { defineFacts, defineSubjects, EVIDENCE_TYPE, type FactEnv, type FactModule } from './registry.js';

const subjects = defineSubjects<BridgeSubnet>({
  kind: 'bridge-subnet',
  description: 'Every subnet of every bridge (IPv4 and IPv6, link-local excluded), named "<bridge>:<subnet>", e.g. "docker0:172.17.0.0/16"',
  namespaces: 'all',
  enumerate: ({ namespace }) => namespace.bridges.flatMap((b) => bridgeSubnets(b).map((s) => ({ name: `${b.name}:${s.subnet}`, value: s }))),
});

/** Containers on the subnet open connections that are routed out by another device, and the forward hook does not certainly drop them. */
function egress(env: FactEnv, s: BridgeSubnet): boolean {
  const forward = forwardAnswer(env, s);
  return forward !== undefined && !forward.outboundBlocked && !forward.outboundIsolated;
}

function overridden(env: FactEnv, s: BridgeSubnet): Override | undefined {
  return forwardAnswer(env, s)?.overridden;
}

/** "iptables-nft filter" → "iptables-nft's filter table"; "nftables inet docker-bridges" → "nftables table inet docker-bridges". */
function rulesetName(step: TraceStep): string {
  const table = step.table ?? 'netfilter';
  return table.startsWith('nftables ') ? `nftables table ${table.slice('nftables '.length)}` : `${table.replace(' ', "'s ")} table`;
}

function overrideSummary(o: Override): string {
  const what = o.leg === 'outbound' ? 'a new connection from the subnet to the internet' : 'the replies to its connections';
  return `${what} is accepted by ${rulesetName(o.accept)} (${describeStep(o.accept)}) but dropped by ${rulesetName(o.drop)} (${describeStep(o.drop)}) at the same forward hook: an accept ends only its own base chain, a drop in any of them is final`;
}

function missing(env: FactEnv, s: BridgeSubnet): NatAnswer | undefined {
  if (!isPrivateCidr(s.cidr) || !egress(env, s)) return undefined;
  const nat = natAnswer(env, s);
  return nat?.covered === 'no' ? nat : undefined;
}

/** "nat POSTROUTING ends in the end of the chain", or the hook's last chain in nftables terms. */
function problem(nat: NatAnswer): string {
  const step = nat.decisive;
  if (!step) return 'no chain is registered at the postrouting hook';
  const decision = iptablesDecisionOf(step);
  const end = decision ? `nat POSTROUTING ends in ${describeStep(step)}` : `the postrouting hook ends in ${describeStep(step)}`;
  const near = nat.nearMisses[0];
  return near ? `${end}; ${ruleText(near.text)} does not apply to it (wrong subnet or output interface)` : end;
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
    description: 'The bridge has ports, the subnet\'s connection to an outside address is routed out by another interface (default route, policy rules included), and the forward hook does not certainly drop it',
    example: true,
    compute: (s, env) => egress(env, s),
  },
  {
    name: 'masqueradeCovered',
    type: 'string',
    description: '"yes" when the postrouting hook (iptables nat POSTROUTING, native nftables nat chains) certainly MASQUERADEs/SNATs a connection from the subnet to the internet through the uplink, "no" when it certainly does not, "maybe" when marks, ipsets or similar decide or the subnet\'s traffic is not routed out',
    example: 'yes',
    compute: (s, env) => natAnswer(env, s)?.covered ?? 'maybe',
  },
  {
    name: 'masqueradeMissing',
    type: 'boolean',
    description: 'A private subnet whose traffic is forwarded out through an uplink and that no SNAT/MASQUERADE at the postrouting hook covers (including a rule for a different subnet, or for another output interface)',
    example: false,
    compute: (s, env) => missing(env, s) !== undefined,
  },
  {
    name: 'masqueradeProblem',
    type: 'string',
    description: 'What the postrouting hook does with the subnet\'s traffic instead, and the rules that almost cover it',
    compute: (s, env) => {
      const nat = missing(env, s);
      return nat ? problem(nat) : '';
    },
  },
  {
    name: 'masqueradeEvidence',
    type: EVIDENCE_TYPE,
    description: 'The POSTROUTING policy or last rule, the source-NAT rules that name the bridge or subnet but miss it, then the bridge',
    compute: (s, env) => {
      const nat = missing(env, s);
      if (!nat) return [];
      return mergeEvidence(nat.decisive ? stepEvidence(nat.decisive) : [], nat.nearMisses.slice(0, 3).map((r) => r.evidence), s.bridge.evidence.slice(0, 1));
    },
  },
  {
    name: 'forwardAcceptOverridden',
    type: 'boolean',
    description:
      'One ruleset\'s base chain at the forward hook accepts the subnet\'s connection to the internet (or its replies) by a rule, and another ruleset\'s base chain at the same hook drops it: iptables and native nftables tables, or two nftables tables, each run; an accept ends only its own chain',
    example: false,
    compute: (s, env) => overridden(env, s) !== undefined,
  },
  {
    name: 'overrideSummary',
    type: 'string',
    description: 'Which traffic, which ruleset accepts it and which drops it, for messages',
    compute: (s, env) => {
      const o = overridden(env, s);
      return o ? overrideSummary(o) : '';
    },
  },
  {
    name: 'overrideEvidence',
    type: EVIDENCE_TYPE,
    description: 'The dropping line (the rule, or the chain with its policy), then the accepting rule of the other ruleset, then the bridge',
    compute: (s, env) => {
      const o = overridden(env, s);
      return o ? mergeEvidence(stepEvidence(o.drop), secondaryEvidence(stepEvidence(o.accept)), s.bridge.evidence.slice(0, 1)) : [];
    },
  },
]);

export const bridgeSubnetModule: FactModule<BridgeSubnet> = { subjects, facts };
