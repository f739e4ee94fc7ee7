/**
 * The identity of a finding across collections of the same host, for baselines and waivers.
 *
 * A container's namespace is named "pid:<pid>" by the collectors, and that pid changes every time the
 * container restarts, so the name cannot identify it. Its identity is what runs in it instead:
 * "container:<command names, sorted, distinct, joined by +>" ("container:nginx", "container:node+tini").
 * Replicas of one image share an identity, so a baseline entry or waiver covers all of them: for a gate that
 * is what accepting a finding of that container means. Named namespaces and the host keep their names.
 */
import { findingFingerprint } from '../engine/fingerprint.js';
import type { Subject } from '../engine/types.js';
import type { Host } from '../model/types.js';

export function namespaceIdentity(ns: { name: string; kind: string; processes?: readonly string[] }): string {
  if (ns.kind !== 'container') return ns.name;
  const names = [...new Set(ns.processes ?? [])].sort();
  return names.length === 0 ? 'container:unknown' : `container:${names.join('+')}`;
}

/** Namespace name → identity, for every namespace of a host. */
export function namespaceIdentities(host: Host): Map<string, string> {
  return new Map(host.namespaces.map((ns) => [ns.name, namespaceIdentity(ns)]));
}

/**
 * A subject with its namespace named by identity. A subject of kind `namespace` is a namespace itself
 * ("pid:4242"): its name becomes its identity too, or its fingerprint would change with the pid.
 */
export function stableSubject(subject: Subject, identities: ReadonlyMap<string, string>): Subject {
  const namespace = identities.get(subject.namespace) ?? subject.namespace;
  const name = subject.kind === 'namespace' ? (identities.get(subject.name) ?? subject.name) : subject.name;
  return { kind: subject.kind, name, namespace };
}

/** The fingerprint a baseline stores: rule id, namespace identity, subject kind and name. */
export function stableFingerprint(ruleId: string, subject: Subject, identities: ReadonlyMap<string, string>): string {
  return findingFingerprint(ruleId, stableSubject(subject, identities));
}
