/**
 * What `netaudit diff BEFORE AFTER` finds: the changes between two snapshots of one host at the level of the
 * model, and the findings the change introduced and resolved (the `netaudit/diff@1` contract, schema.ts).
 */
import type { Evidence } from '../parse/common.js';
import { isFileSourceId } from '../snapshot/host-files.js';

export const DIFF_SCHEMA_ID = 'netaudit/diff@1';

/** Which snapshot a quoted line is from. */
export type Side = 'before' | 'after';

export interface ChangeEvidence extends Evidence {
  side: Side;
}

/**
 * Changes of the host context read from files and command lines (resolvers.ts, runtime.ts, device-managers.ts, cni.ts): the resolvers of
 * each namespace, Docker's merged settings, the runtimes' flags, who manages the host's devices, and the pod
 * network's subnets. Reports list them in a section of their own, after the network's changes.
 */
export const HOST_CONTEXT_KINDS = [
  'resolver.file',
  'resolver.nameservers',
  'resolver.search',
  'resolver.options',
  'docker.daemon-json',
  'docker.setting',
  'docker.conflict',
  'runtime.process',
  'runtime.flag',
  'nm.unmanaged-devices',
  'nm.configured',
  'nm.device',
  'networkd.state',
  'networkd.link',
  'networkd.file',
  'flannel.lease',
  'cni.network',
  'cni.subnet',
] as const;

/** Every kind of change, in the order reports list them. */
export const CHANGE_KINDS = [
  'source',
  'namespace',
  'interface',
  'interface.state',
  'interface.mtu',
  'interface.master',
  'interface.address',
  'bridge.port',
  'bridge.port-state',
  'veth',
  'route',
  'policy-rule',
  'sysctl',
  'sysctl.persisted',
  'netfilter.chain',
  'netfilter.policy',
  'netfilter.rule',
  'netfilter.order',
  'nft.table',
  'nft.chain',
  'nft.policy',
  'nft.rule',
  'nft.order',
  'nft.set',
  ...HOST_CONTEXT_KINDS,
] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** The command sources of the host context; its file sources are those of src/snapshot/host-files.ts. */
const HOST_CONTEXT_COMMANDS = new Set(['nmcli-device', 'networkctl-list']);

/** A change of the host context, or of one of its sources (collected on one side only, unreadable). */
export function isHostContextChange(change: Pick<Change, 'kind' | 'name'>): boolean {
  if (change.kind === 'source') return isFileSourceId(change.name) || HOST_CONTEXT_COMMANDS.has(change.name);
  return (HOST_CONTEXT_KINDS as readonly string[]).includes(change.kind);
}

/** A value as a change shows it; null where the thing did not exist on that side. */
export type ChangeValue = string | number | null;

export interface Change {
  kind: ChangeKind;
  /** The namespace's name in the after snapshot (the before one's, for a namespace that went away). */
  namespace: string;
  /** What changed: "eth0", "net.ipv4.ip_forward", "iptables-save filter/FORWARD", "main 0.0.0.0/0 metric 0". */
  name: string;
  before: ChangeValue;
  after: ChangeValue;
  /** The lines of the before and after snapshots that show it. */
  evidence: ChangeEvidence[];
}
