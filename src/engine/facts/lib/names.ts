/**
 * What interface names tell about who created an interface. Names are a hint the rules combine with
 * structure (kind, master, peers); none of these decides a finding alone.
 */

/** Bridges whose manager always gives them the gateway address of their subnet. */
export function managedBridgeOwner(name: string): string | undefined {
  if (name === 'docker0' || /^br-[0-9a-f]{12}$/.test(name)) return 'Docker';
  if (name === 'cni0' || name === 'cbr0') return 'Kubernetes CNI bridge plugin';
  if (/^virbr\d+$/.test(name)) return 'libvirt';
  if (/^lxcbr\d+$/.test(name) || /^lxdbr\d+$/.test(name) || name === 'incusbr0') return 'LXC/LXD';
  if (name === 'podman0' || /^cni-podman\d+$/.test(name)) return 'Podman';
  return undefined;
}

export function isKubernetesCniBridge(name: string): boolean {
  return name === 'cni0' || name === 'cbr0';
}

/** Interfaces a Kubernetes CNI plugin creates on a node. */
export function kubernetesCniOwner(name: string): string | undefined {
  if (isKubernetesCniBridge(name)) return 'CNI bridge';
  if (name.startsWith('flannel.') || name === 'flannel-wg' || name === 'flannel-wg-v6') return 'flannel';
  if (name.startsWith('cali') || name === 'vxlan.calico' || name === 'vxlan-v6.calico' || name === 'wireguard.cali') return 'Calico';
  if (name.startsWith('cilium_') || name === 'cilium_host') return 'Cilium';
  if (name === 'weave' || name.startsWith('vethwe')) return 'Weave Net';
  if (name === 'kube-ipvs0') return 'kube-proxy (IPVS)';
  return undefined;
}

/**
 * Overlay and tunnel devices of CNI plugins, where traffic from remote pods arrives encapsulated and a
 * strict reverse-path check drops it whenever the reply would leave by another device. Calico's cali*
 * workload veths are deliberately not here: each pod has a /32 route through its own cali device, so the
 * reverse path is symmetric by construction (older Felix versions even set rp_filter=1 on them).
 */
export function overlayCniOwner(name: string): string | undefined {
  if (name.startsWith('flannel.')) return 'flannel VXLAN';
  if (name === 'vxlan.calico' || name === 'vxlan-v6.calico') return 'Calico VXLAN';
  if (name === 'tunl0') return 'IP-in-IP (Calico)';
  if (name.startsWith('cilium_')) return 'Cilium';
  if (/^vxlan/.test(name)) return 'VXLAN';
  return undefined;
}

/** Interfaces that connect the host to a physical or upstream L2 network when enslaved to a bridge. */
export const L2_UPLINK_KINDS: ReadonlySet<string> = new Set(['physical', 'bond', 'vlan', 'vxlan', 'tunnel', 'macvlan']);
