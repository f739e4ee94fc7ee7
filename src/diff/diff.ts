/**
 * `netaudit diff`: two models of one host compared part by part (one module each), its host context too
 * (resolvers, runtimes, device managers, pod network: HOST_CONTEXT_KINDS), and their audits compared finding
 * by finding. Every part is a keyed comparison, one pass over each side: linear in the snapshots' size.
 */
import { namespaceIdentities } from '../gate/identity.js';
import type { Host } from '../model/types.js';
import { diffBridges } from './bridges.js';
import { ChangeList } from './change-list.js';
import { diffCni } from './cni.js';
import { diffDeviceManagers } from './device-managers.js';
import { compareFindings, type AuditedInput, type FindingChanges } from './findings.js';
import { diffInterfaces } from './interfaces.js';
import { pairNamespaces } from './namespaces.js';
import { diffNetfilter } from './netfilter.js';
import { diffNftables } from './nftables.js';
import { diffPolicyRules } from './policy-rules.js';
import { diffResolvers } from './resolvers.js';
import { diffRoutes } from './routes.js';
import { diffRuntime } from './runtime.js';
import { diffSources } from './sources.js';
import { diffPersistedSysctls, diffRunningSysctls } from './sysctls.js';
import { CHANGE_KINDS, type Change } from './types.js';
import { diffVeths } from './veths.js';

/** Every change between two models of a host, grouped by kind (CHANGE_KINDS order), in model order within a kind. */
export function diffHosts(before: Host, after: Host): Change[] {
  const changes = new ChangeList();
  const identities = { before: namespaceIdentities(before), after: namespaceIdentities(after) };
  for (const pair of pairNamespaces(before, after, changes)) {
    diffSources(pair, changes);
    const interfaces = diffInterfaces(pair, changes);
    diffBridges(pair, changes);
    diffVeths(pair, identities, changes);
    diffRoutes(pair, changes);
    diffPolicyRules(pair, changes);
    diffRunningSysctls(pair, interfaces, changes);
    diffNetfilter(pair, changes);
    diffNftables(pair, changes);
    diffResolvers(pair, changes);
    diffDeviceManagers(pair, interfaces, changes);
    diffCni(pair, changes);
  }
  diffPersistedSysctls(before.persistedSysctl, after.persistedSysctl, changes);
  diffRuntime({ before, after }, changes);
  const rank = new Map(CHANGE_KINDS.map((kind, i) => [kind, i]));
  // Array.prototype.sort is stable: within a kind, the order the comparisons found them.
  return changes.changes.sort((a, b) => (rank.get(a.kind) ?? 0) - (rank.get(b.kind) ?? 0));
}

export interface AuditedHost extends AuditedInput {
  host: Host;
}

export interface HostDiff {
  changes: Change[];
  findings: FindingChanges;
}

export function diffAudited(before: AuditedHost, after: AuditedHost): HostDiff {
  return { changes: diffHosts(before.host, after.host), findings: compareFindings(before, after) };
}
