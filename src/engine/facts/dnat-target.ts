/**
 * Subject kind `dnat-target`: each distinct address that DNATs reachable from nat PREROUTING or OUTPUT send
 * connections to (published ports and service VIPs alike: Kubernetes cluster IPs, load-balancer addresses),
 * per namespace and family. The analysis lives in src/analysis/netfilter/dnat-targets.ts.
 */
import {
  checkDnatTargetAddress,
  describeDnatSources,
  findDnatTargets,
  isDockerTarget,
  type DnatTarget,
  type TargetReachability,
} from '../../analysis/netfilter/index.js';
import { sourceUsable } from '../../model/sources.js';
import type { Evidence } from '../../model/types.js';
import { mergeEvidence, summarise } from './lib/evidence.js';
import { portsOf } from './published-port.js';
import { defineFacts, defineSubjects, EVIDENCE_TYPE, type FactEnv, type FactModule } from './registry.js';

const TARGETS_KEY = 'dnat-target:targets';
const MEMO_KEY = 'dnat-target:memo';

/** DNAT rules quoted as evidence; dnatCount says how many there are in all. */
const QUOTED_DNATS = 3;

const subjects = defineSubjects<DnatTarget>({
  kind: 'dnat-target',
  description:
    'Every distinct address a DNAT reachable from nat PREROUTING or OUTPUT sends connections to, named by the address ("10.244.3.73", "2001:db8::5"), in IPv4 and IPv6: the targets of published ports and of service VIPs (Kubernetes cluster IPs, load-balancer addresses) alike, however many DNATs point at each',
  namespaces: 'all',
  enumerate: (env) => targetsOf(env).map((t) => ({ name: t.name, value: t })),
});

function targetsOf(env: FactEnv): DnatTarget[] {
  const ns = env.namespace;
  return env.cache.perNamespace(ns, TARGETS_KEY, () => findDnatTargets(ns, () => portsOf(env, ns)));
}

/** The analyses of the target being audited (see published-port.ts: only the current subject's are kept). */
interface TargetMemo {
  target: DnatTarget | undefined;
  reachability: TargetReachability | undefined;
  sources: string[] | undefined;
}

const emptyMemo = (): TargetMemo => ({ target: undefined, reachability: undefined, sources: undefined });

function memoOf(env: FactEnv, target: DnatTarget): TargetMemo {
  const memo = env.cache.perNamespace(env.namespace, MEMO_KEY, emptyMemo);
  if (memo.target !== target) {
    memo.target = target;
    memo.reachability = undefined;
    memo.sources = undefined;
  }
  return memo;
}

function reachability(env: FactEnv, target: DnatTarget): TargetReachability {
  const memo = memoOf(env, target);
  return (memo.reachability ??= checkDnatTargetAddress(env.namespace, target, sourceUsable(env.namespace.sources.get('ip-route'))));
}

function sources(env: FactEnv, target: DnatTarget): string[] {
  const memo = memoOf(env, target);
  return (memo.sources ??= describeDnatSources(target));
}

function dnatEvidence(target: DnatTarget): Evidence[] {
  return target.dnats.slice(0, QUOTED_DNATS).map((r) => r.evidence);
}

/** "1 DNAT rule points at it: tcp/3001->:3001", "5 DNAT rules point at it: tcp/10.96.15.222:8080->:3000, … and 2 more". */
function dnatSummary(env: FactEnv, target: DnatTarget): string {
  const count = target.dnatCount;
  return `${count} DNAT ${count === 1 ? 'rule points' : 'rules point'} at it: ${summarise(sources(env, target))}`;
}

const facts = defineFacts<DnatTarget>('dnat-target', [
  { name: 'name', type: 'string', description: 'The subject name: the target address', example: '10.244.3.73', compute: (t) => t.name },
  { name: 'family', type: 'number', description: '4 (iptables) or 6 (ip6tables)', example: 4, compute: (t) => t.family },
  { name: 'dnatCount', type: 'number', description: 'How many DNAT rules reachable from nat PREROUTING or OUTPUT send connections to the address', example: 3, compute: (t) => t.dnatCount },
  {
    name: 'dnatSources',
    type: 'string[]',
    description:
      'What those DNATs catch, distinct, in the order the search from the hooks meets them: protocol, the address and port connections were sent to (a service\'s cluster IP and port, a host port), then the target port',
    example: ['tcp/10.96.15.222:8080->:3000', 'tcp/10.96.16.197:9100->:9100'],
    compute: (t, env) => sources(env, t),
  },
  {
    name: 'dnatSummary',
    type: 'string',
    description: 'How many DNAT rules point at the address and what they catch, for messages',
    example: '2 DNAT rules point at it: tcp/10.96.15.222:8080->:3000, tcp/10.96.16.197:9100->:9100',
    compute: (t, env) => dnatSummary(env, t),
  },
  { name: 'targetBridge', type: 'string | undefined', description: 'The bridge whose subnet holds the address', example: 'cni0', compute: (t) => t.bridge?.bridge.name },
  {
    name: 'dockerTarget',
    type: 'boolean',
    description: 'A Docker DNAT points at the address: one in nat DOCKER, or a published port\'s DNAT excluding a Docker bridge as input (`! -i docker0`), itself or in the jumps before it',
    example: false,
    compute: (t) => isDockerTarget(t),
  },
  {
    name: 'reachability',
    type: 'string',
    description: '"reachable", "unreachable" (see unreachable), or "unknown" (ip route was not collected)',
    example: 'reachable',
    compute: (t, env) => reachability(env, t).status,
  },
  {
    name: 'unreachable',
    type: 'boolean',
    description:
      'Nothing answers at the address: a Docker DNAT to an address in no bridge subnet, a bridge subnet with no live port and no live neighbour, a FAILED/INCOMPLETE neighbour entry, no route, or a blackhole/unreachable/prohibit route (routed on through a gateway counts as reachable)',
    example: false,
    compute: (t, env) => reachability(env, t).status === 'unreachable',
  },
  { name: 'problem', type: 'string', description: 'Why the address is unreachable (empty when it is not)', compute: (t, env) => reachability(env, t).reason ?? '' },
  {
    name: 'unreachableEvidence',
    type: EVIDENCE_TYPE,
    description: `The first ${QUOTED_DNATS} DNAT rules pointing at the address, then the neighbour entry, route or bridge lines that show it is gone (empty when reachable)`,
    compute: (t, env) => {
      const r = reachability(env, t);
      return r.status === 'unreachable' ? mergeEvidence(dnatEvidence(t), r.evidence) : [];
    },
  },
  { name: 'dnatEvidence', type: EVIDENCE_TYPE, description: `The first ${QUOTED_DNATS} DNAT rules pointing at the address`, compute: (t) => dnatEvidence(t) },
]);

export const dnatTargetModule: FactModule<DnatTarget> = { subjects, facts };
