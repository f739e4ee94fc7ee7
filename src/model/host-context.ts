/**
 * The host namespace's context beyond its own network state: who manages its devices (NetworkManager,
 * systemd-networkd) and what its CNI configuration assigns. Built from host-only sources and files.
 */
import type { ParseNote } from '../parse/common.js';
import type { Namespace as SnapshotNamespace } from '../snapshot/schema.js';
import { buildCni } from './cni.js';
import { buildNetworkManagers } from './network-managers.js';
import type { SourceReader } from './sources.js';
import type { Namespace } from './types.js';

export function hostContext(ns: SnapshotNamespace, reader: SourceReader, notes: ParseNote[]): Pick<Namespace, 'networkManagers' | 'cni'> {
  // Every host-only source gets an info entry, so "not collected" is visible for each.
  reader.info('nmcli-device');
  reader.info('networkctl-list');
  return { networkManagers: buildNetworkManagers(ns, reader, notes), cni: buildCni(ns, reader.infos, notes) };
}
