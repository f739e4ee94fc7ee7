/**
 * Are Docker's chains in place for a Docker bridge? A firewall reload (firewalld, ufw, a restore of a
 * saved ruleset, `iptables -F`) removes the chains dockerd created or the jumps to them, and dockerd
 * does not notice until it restarts. What must be there, across Docker versions:
 *  - filter DOCKER, reached from FORWARD for traffic towards the bridge (directly `-o docker0 -j DOCKER`
 *    before 28.0; through DOCKER-FORWARD → DOCKER-BRIDGE since);
 *  - nat DOCKER, reached from PREROUTING for traffic to a local address (`-m addrtype --dst-type LOCAL -j DOCKER`);
 *  - every entry chain that exists (DOCKER-USER, DOCKER-FORWARD, DOCKER-ISOLATION-STAGE-1, the pre-17.06
 *    DOCKER-ISOLATION) reached from FORWARD.
 */
import type { Evidence, Namespace, NfTable, Ruleset } from '../../model/types.js';
import type { BridgeSubnet } from './bridge-traffic.js';
import { outboundClass, uplinkSpec } from './bridge-traffic.js';
import type { PacketClass } from './packet.js';
import { reachableChains, reachesChain } from './reach.js';

/** Where Docker isolates --internal networks: DOCKER-ISOLATION-STAGE-1 until 27, DOCKER-INTERNAL since 28. */
const INTERNAL_CHAINS = ['DOCKER-ISOLATION-STAGE-1', 'DOCKER-INTERNAL'];

/** Docker's isolation DROPs for an --internal network name its bridge (`-o br-x ! -s <subnet> -j DROP`). */
function isInternalNetwork(filter: NfTable, bridgeName: string): boolean {
  return INTERNAL_CHAINS.some((name) =>
    (filter.chains.get(name)?.rules ?? []).some(
      (r) => r.target?.name === 'DROP' && [r.inInterface, r.outInterface].some((i) => i !== undefined && !i.negated && i.value === bridgeName) && (r.source?.negated || r.destination?.negated),
    ),
  );
}

/** Chains FORWARD itself jumps to in some Docker version; if one exists, FORWARD must lead to it. */
const FORWARD_ENTRY_CHAINS = ['DOCKER-USER', 'DOCKER-FORWARD', 'DOCKER-ISOLATION-STAGE-1', 'DOCKER-ISOLATION'];

export interface DockerChainProblem {
  text: string;
  evidence: Evidence[];
}

export interface DockerChainsCheck {
  problems: DockerChainProblem[];
}

/** `subnet` gives the packet classes their addresses; without one (a bridge with no address) they stay open. */
export function checkDockerChains(ns: Namespace, ruleset: Ruleset, bridgeName: string, subnet: BridgeSubnet | undefined): DockerChainsCheck {
  const problems: DockerChainProblem[] = [];
  const filter = ruleset.tables.get('filter');
  const nat = ruleset.tables.get('nat');
  const family = ruleset.family === 'ipv6' ? 6 : 4;
  const forwardDecl = filter?.chains.get('FORWARD')?.evidence;
  const preroutingDecl = nat?.chains.get('PREROUTING')?.evidence;
  const declOr = (e: Evidence | undefined): Evidence[] => (e ? [e] : []);

  const towardsBridge: PacketClass = {
    family,
    in: uplinkSpec(ns, bridgeName, family),
    out: { name: bridgeName },
    src: { internet: true },
    dstLocal: false,
    protocol: 'tcp',
    state: 'NEW',
    direction: 'ORIGINAL',
    dnat: true,
    bridged: false,
  };
  if (subnet) towardsBridge.dst = { cidr: subnet.cidr };
  const fromBridge: PacketClass = subnet ? outboundClass(ns, subnet) : { family, in: { name: bridgeName }, out: uplinkSpec(ns, bridgeName, family), state: 'NEW', protocol: 'tcp' };

  if (!filter?.chains.has('DOCKER')) {
    problems.push({ text: 'filter chain DOCKER is missing', evidence: declOr(forwardDecl) });
  } else {
    const reached = reachableChains(filter, 'FORWARD', towardsBridge);
    // --internal networks never get the jump to DOCKER: they cannot publish ports.
    if (!reached.has('DOCKER') && !isInternalNetwork(filter, bridgeName)) {
      problems.push({ text: `filter FORWARD no longer leads to DOCKER for traffic to ${bridgeName}`, evidence: [...declOr(forwardDecl), ...declOr(filter.chains.get('DOCKER')?.evidence)] });
    }
    const reachedAny = new Set([...reached, ...reachableChains(filter, 'FORWARD', fromBridge)]);
    for (const name of FORWARD_ENTRY_CHAINS) {
      const chain = filter.chains.get(name);
      if (chain && !reachedAny.has(name)) {
        problems.push({ text: `filter chain ${name} exists but FORWARD no longer jumps to it`, evidence: [...declOr(forwardDecl), chain.evidence] });
      }
    }
  }

  if (!nat?.chains.has('DOCKER')) {
    problems.push({ text: 'nat chain DOCKER is missing (published ports are not translated)', evidence: declOr(preroutingDecl) });
  } else {
    const toHost: PacketClass = { family, in: uplinkSpec(ns, bridgeName, family), src: { internet: true }, dstLocal: true, protocol: 'tcp', state: 'NEW' };
    if (!reachesChain(nat, 'PREROUTING', toHost, 'DOCKER')) {
      problems.push({ text: 'nat PREROUTING no longer jumps to DOCKER', evidence: [...declOr(preroutingDecl), ...declOr(nat.chains.get('DOCKER')?.evidence)] });
    }
  }
  return { problems };
}
