/**
 * Bridge facts: the subnet a CNI configuration or flannel's lease assigns a bridge, and whether the bridge's
 * own addresses lie in it (src/model/cni.ts). CNI bridges live in the host namespace; elsewhere every fact
 * is neutral.
 */
import type { Address, Bridge, Evidence } from '../../model/types.js';
import type { Allocation, BridgeAssignment } from '../../model/cni.js';
import { parseCidr, textCidrContains } from '../../model/net.js';
import { mergeEvidence, summarise } from './lib/evidence.js';
import { formatAddress, usableAddresses } from './lib/topology.js';
import { defineFacts, EVIDENCE_TYPE, type FactEnv, type FactModule } from './registry.js';

function assignments(bridge: Bridge, env: FactEnv): BridgeAssignment[] {
  if (env.namespace !== env.host.host) return [];
  return env.namespace.cni?.assignments.filter((a) => a.bridge === bridge.name) ?? [];
}

/** The bridge's addresses of a family some configuration assigns, that no assigned subnet of that family holds. */
function outside(bridge: Bridge, env: FactEnv): Address[] {
  const given = assignments(bridge, env);
  if (!bridge.interface || given.length === 0) return [];
  return usableAddresses(bridge.interface).filter((a) => {
    const ofFamily = given.filter((g) => g.family === a.family);
    return ofFamily.length > 0 && !ofFamily.some((g) => textCidrContains(g.subnet, `${a.address}/${a.family === 4 ? 32 : 128}`));
  });
}

/** host-local allocations of the assigned networks that lie outside every subnet assigned to the bridge. */
function staleAllocations(bridge: Bridge, env: FactEnv): Allocation[] {
  const given = assignments(bridge, env);
  const store = env.namespace.cni?.allocations;
  if (!store || given.length === 0) return [];
  const networks = new Set(given.flatMap((g) => (g.network === undefined ? [] : [g.network])));
  return [...networks].flatMap((n) =>
    (store.get(n) ?? []).filter((alloc) => {
      const family = parseCidr(alloc.address)?.family;
      const ofFamily = given.filter((g) => g.family === family);
      return ofFamily.length > 0 && !ofFamily.some((g) => textCidrContains(g.subnet, alloc.address));
    }),
  );
}

const facts = defineFacts<Bridge>('bridge', [
  {
    name: 'cniAssignedSubnets',
    type: 'string[]',
    description: 'Subnets the host\'s CNI configurations give this bridge: host-local IPAM subnet/ranges of a bridge plugin naming it, or FLANNEL_SUBNET of /run/flannel/subnet.env for the flannel plugin\'s bridge (default cni0)',
    example: ['10.244.2.0/24'],
    compute: (b, env) => assignments(b, env).map((a) => a.subnet),
  },
  {
    name: 'cniAssignment',
    type: 'string',
    description: 'For messages: who assigned which subnet ("flannel (subnet.env) assigned 10.244.2.0/24 (CNI network cbr0)")',
    example: 'flannel (subnet.env) assigned 10.244.2.0/24 (CNI network cbr0)',
    compute: (b, env) => summarise(assignments(b, env).map((a) => `${a.via} assigned ${a.subnet}${a.network === undefined ? '' : ` (CNI network ${a.network})`}`)),
  },
  {
    name: 'cniSubnetMismatch',
    type: 'boolean',
    description: 'The bridge holds an address outside every subnet of that family its CNI configuration assigns it (the classic state after a node reset: a new podCIDR, the old address kept)',
    example: false,
    compute: (b, env) => outside(b, env).length > 0,
  },
  {
    name: 'cniMismatchedAddresses',
    type: 'string[]',
    description: 'The bridge\'s addresses outside the assigned subnets, with prefix length',
    example: ['10.244.1.1/24'],
    compute: (b, env) => outside(b, env).map(formatAddress),
  },
  {
    name: 'cniStaleAllocationCount',
    type: 'number',
    description: 'host-local IPAM allocations (files of /var/lib/cni/networks/<network>/) of the assigned network outside the assigned subnets: pods addressed from an earlier subnet',
    example: 2,
    compute: (b, env) => staleAllocations(b, env).length,
  },
  {
    name: 'cniAssignmentEvidence',
    type: EVIDENCE_TYPE,
    description: 'The configuration lines that assign the bridge its subnet (the CNI plugin and bridge lines, subnet.env FLANNEL_SUBNET or the IPAM subnet)',
    compute: (b, env) => mergeEvidence(...assignments(b, env).map((a) => a.evidence)),
  },
  {
    name: 'cniMismatchEvidence',
    type: EVIDENCE_TYPE,
    description: 'The ip addr lines of the bridge\'s addresses outside the assigned subnets, then up to 3 stale IPAM allocation files',
    compute: (b, env): Evidence[] => mergeEvidence(...outside(b, env).map((a) => a.evidence), ...staleAllocations(b, env).slice(0, 3).map((a) => a.evidence)),
  },
]);

export const cniModule: FactModule<Bridge> = { facts };
