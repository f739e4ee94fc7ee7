/**
 * Interface facts: whether NetworkManager or systemd-networkd manages an interface a container runtime or a
 * CNI plugin created (and configures itself). Read from the host namespace's nmcli / networkctl listing and
 * NetworkManager's `[keyfile] unmanaged-devices` (src/model/network-managers.ts); in other namespaces these
 * managers manage nothing (they run in the host's), so every fact there is neutral.
 */
import type { Evidence, Interface, Namespace } from '../../model/types.js';
import { matchDeviceList, matchingNetworkFile, type NetworkFile, type NetworkManagers, type SpecMatch } from '../../model/network-managers.js';
import { mergeEvidence } from './lib/evidence.js';
import { kubernetesCniOwner, managedBridgeOwner } from './lib/names.js';
import { defineFacts, EVIDENCE_TYPE, type FactEnv, type FactModule } from './registry.js';

/**
 * Who created the interface and sets its addresses and routes: a container runtime's bridge, a veth of a
 * container, a CNI plugin's device; undefined for anything else. libvirt's virbrN is left out on purpose:
 * libvirt and NetworkManager are built to share it (NetworkManager shows it "connected (externally)" and
 * leaves it to libvirt), and a bridge NetworkManager itself created is its own to manage.
 */
export function containerInterfaceOwner(iface: Interface, ns: Namespace): string | undefined {
  const bridgeOwner = managedBridgeOwner(iface.name);
  if (iface.kind === 'bridge' && bridgeOwner && bridgeOwner !== 'libvirt') return `${bridgeOwner} bridge`;
  const cni = kubernetesCniOwner(iface.name);
  if (cni) return cni === 'CNI bridge' ? 'Kubernetes CNI bridge' : `${cni} interface`;
  if (iface.kind === 'veth') {
    const master = iface.master ? ns.bridgeByName.get(iface.master) : undefined;
    const owner = master ? managedBridgeOwner(master.name) : undefined;
    if (master && owner && owner !== 'libvirt') return `veth of ${owner} bridge ${master.name}`;
    if (iface.link?.netnsId !== undefined) return 'veth whose peer is in another namespace (a container\'s)';
  }
  return undefined;
}

/** The unmanaged-devices pattern that covers the interface and its siblings (the runtime creates more of them). */
export function unmanagedPattern(name: string, kind: Interface['kind']): string {
  if (kind === 'veth' && /^veth/.test(name)) return 'interface-name:veth*';
  if (/^br-[0-9a-f]{12}$/.test(name)) return 'interface-name:br-*';
  if (/^cali/.test(name)) return 'interface-name:cali*';
  if (/^flannel/.test(name)) return 'interface-name:flannel*';
  if (/^cilium_/.test(name)) return 'interface-name:cilium_*';
  if (/^lxc/.test(name) && kind === 'veth') return 'interface-name:lxc*';
  if (/^vethwe/.test(name)) return 'interface-name:vethwe*';
  return `interface-name:${name}`;
}

function managers(env: FactEnv): NetworkManagers | undefined {
  return env.namespace === env.host.host ? env.namespace.networkManagers : undefined;
}

function nmDevice(iface: Interface, env: FactEnv) {
  return managers(env)?.nmcli?.get(iface.name);
}

function networkdLink(iface: Interface, env: FactEnv) {
  const m = managers(env);
  return m && !m.networkdNotRunning ? m.networkd?.get(iface.name) : undefined;
}

function configMatch(iface: Interface, env: FactEnv): ReturnType<typeof matchDeviceList> | undefined {
  const list = managers(env)?.unmanagedDevices;
  if (!list) return undefined;
  const nmType = nmDevice(iface, env)?.type;
  return matchDeviceList(list.specs, { name: iface.name, ...(iface.mac ? { mac: iface.mac.toLowerCase() } : {}), ...(nmType ? { nmType } : {}) });
}

/** The .network file systemd-networkd applies to the interface, when the files were collected and one matches. */
function networkFileOf(iface: Interface, env: FactEnv) {
  const files = managers(env)?.networkFiles;
  const link = networkdLink(iface, env);
  if (!files || !link) return undefined;
  return matchingNetworkFile(files, { name: iface.name, type: link.type, ...(iface.mac ? { mac: iface.mac.toLowerCase() } : {}) });
}

/** The line of a file's [Match] that names links (Name=), else its [Match] header. */
function matchEvidence(file: NetworkFile): Evidence {
  const name = file.match.get('Name');
  if (name) return { source: file.label, line: name.line, text: name.text };
  return { source: file.label, line: file.matchLine ?? 1, text: file.matchLine ? '[Match]' : '(no [Match] section: it takes every link)' };
}

function networkdAdvice(iface: Interface, env: FactEnv, name: string): string {
  const fix = `a .network file sorting before it with [Match] Name=${name} and [Link] Unmanaged=yes`;
  const found = networkFileOf(iface, env);
  if (!found) {
    const files = managers(env)?.networkFiles;
    return files ? `no collected .network file matches it by the conditions the snapshot can tell (\`networkctl status ${iface.name}\` names the one that did): give it ${fix}` : `give it ${fix}, sorted before the one that matched (\`networkctl status ${iface.name}\` names it)`;
  }
  const { file, certain } = found;
  const where = `${file.path}${certain ? '' : ' (unless an earlier file, by conditions the snapshot cannot tell, does)'}`;
  if (file.unmanaged?.value) return `${where} takes it and sets Unmanaged=yes (line ${file.unmanaged.line}) but systemd-networkd has not applied it: \`networkctl reload\``;
  return `${where} takes it: add ${fix}, or narrow that file's [Match]`;
}

const facts = defineFacts<Interface>('interface', [
  {
    name: 'containerInterfaceOwner',
    type: 'string',
    description:
      'Who created the interface and configures its addresses and routes: a container runtime\'s bridge (docker0, br-<id>, podman0, lxdbr0), a veth of such a bridge or with its peer in another namespace, a CNI device (cni0, flannel.1, cali*, vxlan.calico, cilium_*); empty otherwise (libvirt\'s virbrN included: libvirt and NetworkManager share it by design)',
    example: 'Docker bridge',
    compute: (i, env) => containerInterfaceOwner(i, env.namespace) ?? '',
  },
  {
    name: 'nmDeviceState',
    type: 'string | undefined',
    description: 'The STATE nmcli prints for the interface (unmanaged, connected, connected (externally), disconnected, ...); undefined when nmcli did not list it or was not collected',
    example: 'connected (externally)',
    compute: (i, env) => nmDevice(i, env)?.state,
  },
  {
    name: 'managedByNetworkManager',
    type: 'boolean',
    description: 'nmcli lists the interface in a state NetworkManager acts in (anything but unmanaged, states this model does not know excluded)',
    example: true,
    compute: (i, env) => nmDevice(i, env)?.management === 'managed',
  },
  {
    name: 'networkdSetup',
    type: 'string | undefined',
    description: 'The SETUP column networkctl prints for the interface (configured, configuring, unmanaged, failed, ...); undefined when networkctl did not list it, was not collected, or systemd-networkd is not running',
    example: 'configured',
    compute: (i, env) => networkdLink(i, env)?.setup,
  },
  {
    name: 'managedByNetworkd',
    type: 'boolean',
    description: 'systemd-networkd runs and has taken the interface: a .network file matched it (SETUP configuring, configured or failed)',
    example: false,
    compute: (i, env) => networkdLink(i, env)?.managed ?? false,
  },
  {
    name: 'deviceManagers',
    type: 'string',
    description: 'For messages: which managers manage the interface and in what state ("NetworkManager (state connected)"); empty when none',
    example: 'NetworkManager (state connected)',
    compute: (i, env) => {
      const parts: string[] = [];
      const nm = nmDevice(i, env);
      if (nm?.management === 'managed') parts.push(`NetworkManager (state ${nm.state}${nm.connection ? `, connection ${nm.connection}` : ''})`);
      const link = networkdLink(i, env);
      if (link?.managed) parts.push(`systemd-networkd (setup ${link.setup})`);
      return parts.join(' and ');
    },
  },
  {
    name: 'nmUnmanagedDevicesMatch',
    type: 'string',
    description:
      'Whether NetworkManager\'s [keyfile] unmanaged-devices holds the interface: match (listed: NetworkManager leaves it alone once it has read that configuration), neg-match (an except: spec keeps it managed), no-match, unknown (a spec the snapshot cannot decide); empty when the configuration was not collected',
    example: 'no-match',
    compute: (i, env): SpecMatch | '' => configMatch(i, env)?.result ?? '',
  },
  {
    name: 'managerAdvice',
    type: 'string',
    description: 'For messages: the configuration that hands this interface back to its runtime, given what the snapshot shows of unmanaged-devices and networkd',
    example: 'add interface-name:veth* to [keyfile] unmanaged-devices in /etc/NetworkManager/conf.d/',
    compute: (i, env) => {
      const advice: string[] = [];
      const pattern = unmanagedPattern(i.name, i.kind);
      if (nmDevice(i, env)?.management === 'managed') {
        const match = configMatch(i, env);
        const where = (e: Evidence | undefined) => (e ? ` (${e.source} line ${e.line})` : '');
        if (match?.result === 'match') advice.push(`unmanaged-devices already lists it${where(match.decidedBy?.evidence)} but NetworkManager has not applied it: \`nmcli general reload conf\` or restart NetworkManager`);
        else if (match?.result === 'neg-match') advice.push(`the except: spec ${match.decidedBy?.spec.text ?? ''}${where(match.decidedBy?.evidence)} keeps it managed: remove it`);
        else advice.push(`add ${pattern} to [keyfile] unmanaged-devices in /etc/NetworkManager/conf.d/`);
      }
      if (networkdLink(i, env)?.managed) advice.push(networkdAdvice(i, env, pattern.slice('interface-name:'.length)));
      return advice.join('; ');
    },
  },
  {
    name: 'managerEvidence',
    type: EVIDENCE_TYPE,
    description: 'The nmcli and networkctl lines of the interface, the unmanaged-devices line that decides it (or every unmanaged-devices line when none does), and the [Match] Name= line of the .network file systemd-networkd applies to it',
    compute: (i, env) => {
      const nm = nmDevice(i, env);
      const link = networkdLink(i, env);
      const match = nm ? configMatch(i, env) : undefined;
      const config = match?.decidedBy ? [match.decidedBy.evidence] : nm ? managers(env)?.unmanagedDevices?.evidence : undefined;
      const network = link?.managed ? networkFileOf(i, env) : undefined;
      return mergeEvidence(nm?.management === 'managed' ? nm.evidence : undefined, link?.managed ? link.evidence : undefined, config, network ? matchEvidence(network.file) : undefined);
    },
  },
]);

export const networkManagersModule: FactModule<Interface> = { facts };
