/**
 * Interface facts: whether NetworkManager or systemd-networkd manages an interface a container runtime or a
 * CNI plugin created (and configures itself). Read from the host namespace's nmcli / networkctl listing, and
 * what their configuration says of the interface (src/model/network-managers.ts: NetworkManager's merged
 * configuration, udev's NM_UNMANAGED, networkd's .network files); in other namespaces these managers manage
 * nothing (they run in the host's), so every fact there is neutral.
 *
 * The verdict is nmcli's and networkctl's: what the managers decided at run time, NetworkManager's udev rule
 * for veths (85-nm-unmanaged.rules) included. The configuration explains a managed state and names the fix:
 * a list that already holds the device but was not reloaded, a [device] managed=1 that overrides the udev rule,
 * the rule masked.
 */
import type { Evidence, Interface, Namespace } from '../../model/types.js';
import {
  configuredDevice,
  matchingNetworkFile,
  nmConfiguredManagement,
  unmanagedDevicesMatch,
  type ConfiguredDevice,
  type NetworkFile,
  type NetworkManagers,
  type NmConfiguredManagement,
  type SpecMatch,
} from '../../model/network-managers.js';
import { NM_UDEV_RULES } from '../../model/udev-nm.js';
import { mergeEvidence } from './lib/evidence.js';
import { kubernetesCniOwner, managedBridgeOwner } from './lib/names.js';
import { subjectMemo } from './lib/subject-memo.js';
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

/** The interface as NetworkManager's specs and udev's rules see it. */
function deviceOf(iface: Interface, env: FactEnv): ConfiguredDevice {
  return configuredDevice(iface, nmDevice(iface, env)?.type);
}

/** What NetworkManager's configuration and udev's rules make of the interface; undefined when its configuration was not collected. */
function configured(iface: Interface, env: FactEnv): NmConfiguredManagement | undefined {
  return subjectMemo(env, 'network-managers:configured', iface, () => {
    const m = managers(env);
    return m ? nmConfiguredManagement(m, deviceOf(iface, env)) : undefined;
  });
}

/** The .network file systemd-networkd applies to the interface, when the files were collected and one matches. */
function networkFileOf(iface: Interface, env: FactEnv) {
  const files = managers(env)?.networkFiles;
  const link = networkdLink(iface, env);
  if (!files || !link) return undefined;
  const device = deviceOf(iface, env);
  return matchingNetworkFile(files, {
    name: iface.name,
    type: link.type,
    ...(device.virtual ? { altnames: [] } : {}),
    ...(iface.rawKind ? { kind: iface.rawKind } : {}),
    ...(device.driver ? { driver: device.driver } : {}),
    ...(device.mac ? { mac: device.mac } : {}),
  });
}

/** The line of a file's [Match] that names links (Name=), else its [Match] header. */
function matchEvidence(file: NetworkFile): Evidence {
  const name = file.match.get('Name');
  if (name) return { source: file.label, line: name.line, text: name.text };
  const first = [...file.match.values()][0];
  if (first) return { source: file.label, line: first.line, text: first.text };
  return { source: file.label, line: file.matchLine ?? 1, text: '[Match]' };
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

const at = (e: Evidence | undefined) => (e ? ` (${e.source} line ${e.line})` : '');

/** Why NetworkManager manages the interface, by its configuration, and what hands it back to the runtime. */
function networkManagerAdvice(iface: Interface, env: FactEnv): string {
  const pattern = unmanagedPattern(iface.name, iface.kind);
  const cfg = configured(iface, env);
  const except = cfg?.list.result === 'neg-match' ? cfg.list.decidedBy : undefined;
  // An except: spec keeps the device out of unmanaged-devices whatever pattern is added.
  const addToList = except
    ? `remove the except: spec ${except.spec.text}${at(except.evidence)}, which keeps it out of [keyfile] unmanaged-devices`
    : `add ${pattern} to [keyfile] unmanaged-devices in /etc/NetworkManager/conf.d/`;
  if (!cfg) return addToList;
  if (cfg.list.result === 'match' && cfg.result === 'unmanaged') return `unmanaged-devices already lists it${at(cfg.list.decidedBy?.evidence)} but NetworkManager has not applied it: \`nmcli general reload conf\` or restart NetworkManager`;
  const decision = cfg.decision;
  if (cfg.result === 'unmanaged' && decision?.source === 'device-section')
    return `${decision.text} leaves it unmanaged but NetworkManager has not applied it (or \`nmcli device set ${iface.name} managed yes\` overrode it): \`nmcli general reload conf\`; ${addToList} to make it final`;
  if (cfg.result === 'unmanaged' && decision?.source === 'udev')
    return `${decision.text} should leave it unmanaged, but NetworkManager manages it: its udev properties predate the rule, or \`nmcli device set ${iface.name} managed yes\` overrode them: \`udevadm trigger --action=change /sys/class/net/${iface.name}\`; ${addToList} to make it final`;
  if (cfg.result === 'managed' && decision) {
    const overrides = cfg.udev?.result === 'unmanaged' ? `, over udev's NM_UNMANAGED=1${at(cfg.udev.setBy)}` : '';
    return `${decision.text} makes NetworkManager manage it${overrides}: remove that section or narrow its match-device, or ${addToList} (unmanaged-devices wins over [device] managed=)`;
  }
  if (except) return `the except: spec ${except.spec.text}${at(except.evidence)} keeps it managed: remove it`;
  const masked = iface.kind === 'veth' ? managers(env)?.udevRules?.masked.find((f) => f.path.endsWith(`/${NM_UDEV_RULES}`)) : undefined;
  return `${addToList}${masked ? ` (NetworkManager's ${NM_UDEV_RULES}, which leaves veths unmanaged, is masked by ${masked.by})` : ''}`;
}

/** The configuration lines that decide the interface (and an except: spec that keeps it out of the list), else every unmanaged-devices line. */
function configEvidence(iface: Interface, env: FactEnv): Evidence[] {
  const cfg = configured(iface, env);
  if (!cfg) return [];
  const lines: Evidence[] = [...(cfg.decision?.evidence ?? [])];
  if (cfg.result === 'managed' && cfg.udev?.result === 'unmanaged' && cfg.udev.setBy) lines.push(cfg.udev.setBy);
  if (cfg.list.result === 'neg-match' && cfg.list.decidedBy) lines.push(cfg.list.decidedBy.evidence);
  return lines.length > 0 ? lines : (managers(env)?.unmanagedDevices?.evidence ?? []);
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
    description:
      'nmcli lists the interface in a state NetworkManager acts in (anything but unmanaged, states this model does not know excluded): NetworkManager\'s run-time decision, its configuration and its udev rule for veths included',
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
      'Whether NetworkManager\'s [keyfile] unmanaged-devices, merged from /usr/lib, /run and /etc conf.d and NetworkManager.conf as NetworkManager reads them, holds the interface: match (listed: NetworkManager leaves it alone once it has read that configuration), neg-match (an except: spec keeps it out), no-match, unknown (a spec the snapshot cannot decide, or a snippet whose [.config] enable= it cannot); empty when the configuration was not collected',
    example: 'no-match',
    compute: (i, env): SpecMatch | '' => {
      const m = managers(env);
      return m ? (unmanagedDevicesMatch(m, deviceOf(i, env)) ?? '') : '';
    },
  },
  {
    name: 'nmConfiguredManagement',
    type: 'string',
    description:
      'What NetworkManager\'s configuration makes of the interface, sources combined as NetworkManager does: unmanaged ([keyfile] unmanaged-devices, which nothing overrules; a [device*] section with managed=0; udev\'s NM_UNMANAGED=1, e.g. NetworkManager\'s 85-nm-unmanaged.rules for veths), managed (a [device*] section with managed=1, which overrides udev), default (nothing configured: NetworkManager manages it), unknown (a spec, a rule or a snippet the snapshot cannot decide); empty when the configuration was not collected. nmcli\'s state says whether NetworkManager applied it',
    example: 'unmanaged',
    compute: (i, env) => configured(i, env)?.result ?? '',
  },
  {
    name: 'nmConfigDecision',
    type: 'string',
    description: 'For messages: the configuration that decides nmConfiguredManagement, with its file and line ("[device-veth] managed=1 (/etc/NetworkManager/conf.d/90-veth.conf line 3)"), or why it is unknown; empty otherwise',
    example: '[keyfile] unmanaged-devices spec interface-name:veth* (/etc/NetworkManager/conf.d/90-containers.conf line 2)',
    compute: (i, env) => {
      const cfg = configured(i, env);
      return cfg?.decision?.text ?? (cfg?.result === 'unknown' ? (cfg.reason ?? '') : '');
    },
  },
  {
    name: 'nmUdevUnmanaged',
    type: 'string',
    description:
      'udev\'s NM_UNMANAGED for the interface, replaying the collected rules (/etc, /run, /usr/local udev/rules.d and NetworkManager\'s own rules of /usr/lib, masking by file name) for its "add" event: unmanaged (set to 1 or true), not-unmanaged, unknown (a rule condition the snapshot cannot tell); empty when NetworkManager\'s configuration or the udev rules were not collected',
    example: 'unmanaged',
    compute: (i, env) => (managers(env)?.udevRules ? (configured(i, env)?.udev?.result ?? '') : ''),
  },
  {
    name: 'managerAdvice',
    type: 'string',
    description: 'For messages: the configuration that hands this interface back to its runtime, given what the snapshot shows of NetworkManager\'s configuration (unmanaged-devices, [device*] managed=, udev\'s NM_UNMANAGED) and of networkd\'s .network files',
    example: 'add interface-name:veth* to [keyfile] unmanaged-devices in /etc/NetworkManager/conf.d/',
    compute: (i, env) => {
      const advice: string[] = [];
      if (nmDevice(i, env)?.management === 'managed') advice.push(networkManagerAdvice(i, env));
      if (networkdLink(i, env)?.managed) advice.push(networkdAdvice(i, env, unmanagedPattern(i.name, i.kind).slice('interface-name:'.length)));
      return advice.join('; ');
    },
  },
  {
    name: 'managerEvidence',
    type: EVIDENCE_TYPE,
    description:
      'The nmcli and networkctl lines of the interface; the configuration lines that decide NetworkManager\'s view of it (the unmanaged-devices spec, the [device*] section\'s match-device= and managed= lines, the udev rule that sets NM_UNMANAGED), or every unmanaged-devices line when none does; the [Match] line of the .network file systemd-networkd applies to it',
    compute: (i, env) => {
      const nm = nmDevice(i, env);
      const link = networkdLink(i, env);
      const network = link?.managed ? networkFileOf(i, env) : undefined;
      const nmManaged = nm?.management === 'managed';
      return mergeEvidence(nmManaged ? nm.evidence : undefined, link?.managed ? link.evidence : undefined, nmManaged ? configEvidence(i, env) : undefined, network ? matchEvidence(network.file) : undefined);
    },
  },
]);

export const networkManagersModule: FactModule<Interface> = { facts };
