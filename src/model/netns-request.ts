/**
 * What to say when no namespace besides the host's is in a snapshot, from what the collector was asked
 * for (meta.netnsRequested). "collect with --netns all" is advice only where it was not already followed.
 */
import type { Meta } from '../snapshot/schema.js';

export type NetnsRequested = Meta['netnsRequested'];

/** --netns all was asked for: an absence of other namespaces is a fact about the host, not a gap. */
export function allNamespacesCollected(requested: NetnsRequested): boolean {
  return requested === 'all';
}

/** Why a veth's peer in another namespace was not found, when only the host's namespace is in the snapshot. */
export function peerNamespaceMissing(requested: NetnsRequested): string {
  return allNamespacesCollected(requested)
    ? '--netns all found no other namespace (one with no process in it and no name under /run/netns cannot be entered)'
    : 'no other namespace was collected (collect with --netns all)';
}
