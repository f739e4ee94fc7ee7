/**
 * The synthetic Kubernetes node the generator renders: its services and endpoints, local pods (veths on
 * cni0), and the other nodes of the flannel overlay. Everything here is plain data derived from the spec
 * and a seed; the renderers in this folder turn it into the raw outputs the real tools print.
 */
import { createHash } from 'node:crypto';
import { Random } from './random.js';

/** How kube-proxy programs the node: iptables chains (KUBE-SVC-*), or its nftables table. */
export type ProxyMode = 'iptables' | 'nftables';

export interface NodeSpec {
  /** Service ports (each gets a KUBE-SVC chain, or an nft service chain, when it has endpoints). */
  services: number;
  /** Pods on this node: one veth each on cni0. */
  pods: number;
  /** Nodes in the cluster, this one included: one flannel /N route each for the others. */
  nodes: number;
  seed: number;
  /** iptables when absent. */
  proxyMode?: ProxyMode;
}

/** The presets of the benchmark: 10k services ≈ 150k iptables lines and 250 veths. */
export function specForServices(services: number, seed = 20240305, proxyMode: ProxyMode = 'iptables'): NodeSpec {
  const spec: NodeSpec = {
    services,
    pods: Math.max(10, Math.round(services / 40)),
    nodes: Math.max(8, Math.round(services / 200)),
    seed,
  };
  // Left out for iptables, so that the iptables node's spec (and the results that carry it) stay as they were.
  if (proxyMode !== 'iptables') spec.proxyMode = proxyMode;
  return spec;
}

export interface Endpoint {
  ip: string;
  port: number;
  sepChain: string;
}

export interface Service {
  /** "namespace/name:port", as kube-proxy prints it in comments. */
  portName: string;
  protocol: 'tcp' | 'udp';
  clusterIp: string;
  port: number;
  svcChain: string;
  extChain: string;
  nodePort?: number;
  endpoints: Endpoint[];
}

export interface Pod {
  veth: string;
  ifindex: number;
  ip: string;
  mac: string;
  /** The host's id for the pod's namespace (link_netnsid). */
  netnsId: number;
}

export interface OverlayNode {
  index: number;
  nodeIp: string;
  /** This node's pod subnet, e.g. 10.244.7.0/24. */
  subnet: string;
  /** flannel.1 address of the node: the subnet's network address. */
  vtepIp: string;
  vtepMac: string;
}

export interface Cluster {
  spec: NodeSpec;
  hostname: string;
  /** Cluster pod CIDR, e.g. 10.244.0.0/16. */
  clusterCidr: string;
  serviceCidr: string;
  nodePrefix: number;
  self: OverlayNode;
  nodeIp: string;
  gateway: string;
  ethMac: string;
  cniMac: string;
  dockerMac: string;
  flannelMac: string;
  services: Service[];
  pods: Pod[];
  /** Every node of the overlay but this one. */
  peers: OverlayNode[];
  /** ifindex of the interfaces before the veths: lo 1, eth0 2, docker0 3, flannel.1 4, cni0 5. */
  firstVethIndex: number;
}

const NAMESPACES = ['default', 'kube-system', 'monitoring', 'ingress-nginx', 'payments', 'checkout', 'search', 'identity', 'batch', 'logging'];
const TCP_PORTS: readonly [name: string, port: number, target: number][] = [
  ['http', 80, 8080],
  ['https', 443, 8443],
  ['grpc', 9090, 9090],
  ['metrics', 9100, 9100],
  ['web', 8080, 3000],
];
const NODE_PORT_BASE = 30000;
const NODE_PORT_COUNT = 2768;

export function ipv4(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

function ipv4Value(text: string): number {
  const [a = 0, b = 0, c = 0, d = 0] = text.split('.').map(Number);
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

/** kube-proxy's chain suffix: the first 16 characters of base32(sha256(text)). */
export function chainHash(text: string): string {
  const digest = createHash('sha256').update(text).digest();
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of digest) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < 16) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length === 16) break;
  }
  return out;
}

/** Smallest prefix length whose subnet holds `hosts` addresses plus network, gateway and broadcast. */
function prefixFor(hosts: number): number {
  return 32 - Math.ceil(Math.log2(hosts + 3));
}

export function buildCluster(spec: NodeSpec): Cluster {
  const rnd = new Random(spec.seed);
  const nodePrefix = Math.min(24, prefixFor(spec.pods));
  const clusterPrefix = Math.min(16, nodePrefix - Math.ceil(Math.log2(spec.nodes)));
  const clusterBase = clusterPrefix === 16 ? ipv4Value('10.244.0.0') : ipv4Value('10.128.0.0');
  const subnetSize = 2 ** (32 - nodePrefix);
  const selfIndex = Math.min(3, spec.nodes - 1);

  const overlay: OverlayNode[] = [];
  for (let i = 0; i < spec.nodes; i++) {
    const network = clusterBase + i * subnetSize;
    overlay.push({
      index: i,
      nodeIp: ipv4(ipv4Value('192.168.1.0') + 10 + i),
      subnet: `${ipv4(network)}/${nodePrefix}`,
      vtepIp: ipv4(network),
      vtepMac: rnd.mac(),
    });
  }
  const self = overlay[selfIndex]!;
  const selfNetwork = ipv4Value(self.vtepIp);

  const pods: Pod[] = [];
  const firstVethIndex = 6;
  for (let i = 0; i < spec.pods; i++) {
    pods.push({ veth: `veth${rnd.hex(8)}`, ifindex: firstVethIndex + i, ip: ipv4(selfNetwork + 2 + i), mac: rnd.mac(), netnsId: i });
  }

  const services = buildServices(spec, rnd, overlay, pods, subnetSize);
  return {
    spec,
    hostname: `k8s-node-${String(selfIndex).padStart(3, '0')}`,
    clusterCidr: `${ipv4(clusterBase)}/${clusterPrefix}`,
    serviceCidr: '10.96.0.0/12',
    nodePrefix,
    self,
    nodeIp: self.nodeIp,
    gateway: '192.168.0.1',
    ethMac: rnd.mac(),
    cniMac: rnd.mac(),
    dockerMac: `02:42:${rnd.hex(2)}:${rnd.hex(2)}:${rnd.hex(2)}:${rnd.hex(2)}`,
    flannelMac: self.vtepMac,
    services,
    pods,
    peers: overlay.filter((n) => n !== self),
    firstVethIndex,
  };
}

function buildServices(spec: NodeSpec, rnd: Random, overlay: OverlayNode[], pods: Pod[], subnetSize: number): Service[] {
  const services: Service[] = [];
  const serviceBase = ipv4Value('10.96.0.0');
  const nodePortEvery = 20;
  let nodePorts = 0;
  const selfIndex = Math.min(3, spec.nodes - 1);

  const endpointIp = (): string => {
    const node = rnd.int(0, overlay.length - 1);
    if (node === selfIndex && pods.length > 0) return rnd.pick(pods).ip;
    return ipv4(ipv4Value(overlay[node]!.vtepIp) + rnd.int(2, Math.min(subnetSize - 2, spec.pods + 2)));
  };

  for (let s = 0; s < spec.services; s++) {
    let portName: string;
    let protocol: 'tcp' | 'udp' = 'tcp';
    let port: number;
    let target: number;
    let clusterIp: string;
    if (s === 0) {
      [portName, port, target, clusterIp] = ['default/kubernetes:https', 443, 6443, '10.96.0.1'];
    } else if (s === 1 || s === 2) {
      protocol = s === 1 ? 'udp' : 'tcp';
      [portName, port, target, clusterIp] = [`kube-system/kube-dns:${s === 1 ? 'dns' : 'dns-tcp'}`, 53, 53, '10.96.0.10'];
    } else {
      const ns = rnd.pick(NAMESPACES);
      if (rnd.chance(0.05)) {
        protocol = 'udp';
        [portName, port, target] = [`${ns}/svc-${s}:syslog`, 514, 5514];
      } else {
        const [name, p, t] = rnd.pick(TCP_PORTS);
        [portName, port, target] = [`${ns}/svc-${s}:${name}`, p, t];
      }
      clusterIp = ipv4(serviceBase + 16 + s);
    }
    const hash = chainHash(`${portName}${protocol}`);
    const endpointCount = s === 0 ? 3 : s <= 2 ? 2 : rnd.chance(0.02) ? 0 : rnd.int(1, 5);
    const endpoints: Endpoint[] = [];
    const used = new Set<string>();
    for (let e = 0; e < endpointCount; e++) {
      let ip = s === 0 ? overlay[e % overlay.length]!.nodeIp : endpointIp();
      // Two endpoints of one service never share an address (their KUBE-SEP chains would collide).
      while (used.has(ip)) ip = endpointIp();
      used.add(ip);
      const endpoint = `${ip}:${target}`;
      endpoints.push({ ip, port: target, sepChain: `KUBE-SEP-${chainHash(`${portName}${protocol}${endpoint}`)}` });
    }
    const service: Service = { portName, protocol, clusterIp, port, svcChain: `KUBE-SVC-${hash}`, extChain: `KUBE-EXT-${hash}`, endpoints };
    if (s > 2 && s % nodePortEvery === 0 && nodePorts < NODE_PORT_COUNT && endpointCount > 0) {
      service.nodePort = NODE_PORT_BASE + nodePorts++;
    }
    services.push(service);
  }
  return services;
}
