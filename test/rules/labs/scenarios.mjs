/**
 * Lab scenarios for capture.mjs: each is the setup of a small host, one step per line as
 * "<namespace>: <shell command>" (@name is replaced by the real namespace name). "host" is captured as
 * the host namespace; captureNamespaces become netns/<name>/ folders; "wan*" namespaces stand for the
 * network beyond the uplinks and are not captured.
 */

const NET_KEYS = /^net\.(ipv4\.(ip_forward |conf\.[^.]+\.(forwarding|rp_filter|route_localnet) )|ipv6\.conf\.[^.]+\.forwarding |bridge\.|netfilter\.nf_conntrack_(count|max) |nf_conntrack_max |core\.somaxconn )/;

/** An emulated NIC: a veth whose peer sits in a wan namespace; capture.mjs strips its veth identity. */
function nic(ifname, cidr, { wan = 'wan', gateway, mtu, up = true, peerUp = true } = {}) {
  const steps = [`host: ip link add ${ifname} type veth peer name p-${ifname} netns @${wan}`];
  if (mtu) steps.push(`host: ip link set ${ifname} mtu ${mtu}`, `${wan}: ip link set p-${ifname} mtu ${mtu}`);
  if (gateway) steps.push(`${wan}: ip addr add ${gateway}/24 dev p-${ifname}`);
  if (peerUp) steps.push(`${wan}: ip link set p-${ifname} up`);
  if (cidr) steps.push(`host: ip addr add ${cidr} dev ${ifname}`);
  if (up) steps.push(`host: ip link set ${ifname} up`);
  return steps;
}

function bridge(name, cidr, { mtu, up = true, v6 } = {}) {
  const steps = [`host: ip link add ${name} type bridge`];
  if (mtu) steps.push(`host: ip link set ${name} mtu ${mtu}`);
  if (cidr) steps.push(`host: ip addr add ${cidr} dev ${name}`);
  if (v6) steps.push(`host: ip -6 addr add ${v6} dev ${name} nodad`);
  if (up) steps.push(`host: ip link set ${name} up`);
  return steps;
}

/** A container: its namespace, a veth pair, its address and default route. */
function container(ns, veth, cidr, { bridge: br = 'docker0', gateway = '172.17.0.1', mtu, innerUp = true, attach = true, route = true, v6, v6gateway } = {}) {
  const steps = [`host: ip link add ${veth} type veth peer name eth0 netns @${ns}`, `${ns}: ip link set lo up`];
  if (mtu) steps.push(`host: ip link set ${veth} mtu ${mtu}`, `${ns}: ip link set eth0 mtu ${mtu}`);
  if (attach) steps.push(`host: ip link set ${veth} master ${br}`);
  steps.push(`host: ip link set ${veth} up`, `${ns}: ip addr add ${cidr} dev eth0`);
  if (v6) steps.push(`${ns}: ip -6 addr add ${v6} dev eth0 nodad`);
  if (innerUp) steps.push(`${ns}: ip link set eth0 up`);
  if (route && innerUp) steps.push(`${ns}: ip route add default via ${gateway} dev eth0`);
  if (v6gateway && innerUp) steps.push(`${ns}: ip -6 route add default via ${v6gateway} dev eth0`);
  return steps;
}

const LO = ['host: ip link set lo up', 'wan: ip link set lo up'];
const FORWARD_ON = ['host: sysctl -qw net.ipv4.ip_forward=1'];
const DEFAULT_VIA_ETH0 = ['host: ip route add default via 192.0.2.1 dev eth0 proto dhcp src 192.0.2.10 metric 100'];

/** A Docker host: eth0 uplink, docker0 with two containers (web, db). */
function dockerHost({ forward = 1, eth0 = {}, docker0 = {}, web = {}, db = {}, extra = [], after = [] } = {}) {
  return [
    ...LO,
    ...(forward ? FORWARD_ON : []),
    ...nic('eth0', '192.0.2.10/24', { gateway: '192.0.2.1', ...eth0 }),
    ...DEFAULT_VIA_ETH0,
    ...bridge('docker0', '172.17.0.1/16', docker0),
    ...container('web', 'veth3c5a6e1', '172.17.0.2/16', web),
    ...container('db', 'vethb1f0d2a', '172.17.0.3/16', db),
    ...extra,
    ...after,
  ];
}

const DOCKER_NS = ['host', 'wan', 'web', 'db'];
const DOCKER_CAPTURE = ['web', 'db'];
const BASE_SOURCES = ['sysctl', 'ip-link', 'ip-addr', 'ip-route', 'bridge-link'];

function docker(description, opts = {}, more = {}) {
  return {
    description,
    namespaces: [...DOCKER_NS, ...(more.namespaces ?? [])],
    captureNamespaces: [...DOCKER_CAPTURE, ...(more.captureNamespaces ?? [])],
    setup: dockerHost(opts),
    physical: { host: ['eth0', 'eth1', 'eth2', ...(more.physical ?? [])] },
    sources: more.sources ?? BASE_SOURCES,
    sysctlKeep: NET_KEYS,
    ...more.extraFields,
  };
}

function plainServer(description, setup, more = {}) {
  return {
    description,
    namespaces: ['host', 'wan', ...(more.namespaces ?? [])],
    captureNamespaces: more.captureNamespaces ?? [],
    setup: [...LO, ...setup],
    physical: { host: ['eth0', 'eth1', 'eth2'] },
    sources: more.sources ?? ['sysctl', 'ip-link', 'ip-addr', 'ip-route'],
    sysctlKeep: NET_KEYS,
    ...more.extraFields,
  };
}

const KUBE_IPTABLES = `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:FLANNEL-POSTRTG - [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-SEP-6E7XQMQ4RAYOWTTM - [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SVC-TCOU7JCQXEZGVUNU - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG
-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s 10.244.0.0/24 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s 10.244.0.0/16 -d 10.244.0.0/24 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.0.0/24 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s 10.244.0.0/16 ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully
-A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully
-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000
-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
-A KUBE-SEP-6E7XQMQ4RAYOWTTM -s 10.244.0.2/32 -m comment --comment "kube-system/kube-dns:dns" -j KUBE-MARK-MASQ
-A KUBE-SEP-6E7XQMQ4RAYOWTTM -p udp -m comment --comment "kube-system/kube-dns:dns" -m udp -j DNAT --to-destination 10.244.0.2:53
-A KUBE-SERVICES -d 10.96.0.10/32 -p udp -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp --dport 53 -j KUBE-SVC-TCOU7JCQXEZGVUNU
-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -j KUBE-NODEPORTS
-A KUBE-SVC-TCOU7JCQXEZGVUNU ! -s 10.244.0.0/16 -d 10.96.0.10/32 -p udp -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp --dport 53 -j KUBE-MARK-MASQ
-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns -> 10.244.0.2:53" -j KUBE-SEP-6E7XQMQ4RAYOWTTM
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:FLANNEL-FWD - [0:0]
:KUBE-FIREWALL - [0:0]
:KUBE-FORWARD - [0:0]
:KUBE-SERVICES - [0:0]
-A INPUT -j KUBE-FIREWALL
-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD
-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD
-A OUTPUT -j KUBE-FIREWALL
-A FLANNEL-FWD -s 10.244.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT
-A FLANNEL-FWD -d 10.244.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT
-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP
-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
COMMIT
`;

/** A Kubernetes node with flannel: cni0 with two pods, flannel.1, kube-proxy rules. */
function kubeNode({ bridgeNf = 'drop' } = {}) {
  return {
    namespaces: ['host', 'wan', 'coredns', 'nginx'],
    captureNamespaces: ['coredns', 'nginx'],
    setup: [
      ...LO,
      ...FORWARD_ON,
      ...nic('eth0', '192.0.2.20/24', { gateway: '192.0.2.1' }),
      'host: ip route add default via 192.0.2.1 dev eth0 proto dhcp src 192.0.2.20 metric 100',
      'host: ip link add flannel.1 type vxlan id 1 local 192.0.2.20 dev eth0 dstport 8472 nolearning',
      'host: ip link set flannel.1 mtu 1450',
      'host: ip addr add 10.244.0.0/32 dev flannel.1',
      'host: ip link set flannel.1 up',
      'host: ip route add 10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink',
      ...bridge('cni0', '10.244.0.1/24', { mtu: 1450 }),
      ...container('coredns', 'veth6a1f2c9d', '10.244.0.2/24', { bridge: 'cni0', gateway: '10.244.0.1', mtu: 1450 }),
      ...container('nginx', 'veth0b7e4d21', '10.244.0.3/24', { bridge: 'cni0', gateway: '10.244.0.1', mtu: 1450 }),
    ],
    physical: { host: ['eth0'] },
    sources: ['sysctl', 'ip-link', 'ip-addr', 'ip-route', 'bridge-link', 'iptables-save'],
    iptables: { host: KUBE_IPTABLES },
    sysctlKeep: NET_KEYS,
    sysctlDrop: bridgeNf === 'drop' ? { host: BRIDGE_NF_KEYS } : {},
  };
}

const BRIDGE_NF_KEYS = [
  'net.bridge.bridge-nf-call-arptables',
  'net.bridge.bridge-nf-call-ip6tables',
  'net.bridge.bridge-nf-call-iptables',
  'net.bridge.bridge-nf-filter-pppoe-tagged',
  'net.bridge.bridge-nf-filter-vlan-tagged',
  'net.bridge.bridge-nf-pass-vlan-input-dev',
];

/** A host with two uplinks, each with a default route (eth1 as backup with a higher metric). */
function multiHomed(rpAll) {
  return plainServer('two uplinks with default routes', [
    `host: sysctl -qw net.ipv4.conf.all.rp_filter=${rpAll}`,
    'host: sysctl -qw net.ipv4.conf.default.rp_filter=0',
    ...nic('eth0', '192.0.2.10/24', { gateway: '192.0.2.1' }),
    ...nic('eth1', '198.51.100.10/24', { gateway: '198.51.100.1', wan: 'wan2' }),
    'host: sysctl -qw net.ipv4.conf.eth0.rp_filter=0 net.ipv4.conf.eth1.rp_filter=0',
    'host: ip route add default via 192.0.2.1 dev eth0 proto static metric 100',
    'host: ip route add default via 198.51.100.1 dev eth1 proto static metric 200',
  ], { namespaces: ['wan2'], extraFields: {} });
}

export const SCENARIOS = {
  'plain-server': plainServer('a server: one NIC, default route, ip_forward=0, nothing forwarded', [
    'host: sysctl -qw net.ipv4.ip_forward=0',
    ...nic('eth0', '192.0.2.10/24', { gateway: '192.0.2.1' }),
    ...DEFAULT_VIA_ETH0,
  ]),
  'plain-server-no-default': plainServer('a server whose default route is gone', [
    ...nic('eth0', '192.0.2.10/24', { gateway: '192.0.2.1' }),
  ]),
  'isolated-server': plainServer('a server made isolated on purpose: unreachable default', [
    ...nic('eth0', '192.0.2.10/24', { gateway: '192.0.2.1' }),
    'host: ip route add unreachable default',
  ]),
  'docker-healthy': docker('a healthy Docker host'),
  'docker-forward-off': docker('Docker host with net.ipv4.ip_forward=0', { forward: 0 }),
  'docker-uplink-forwarding-off': docker('Docker host, ip_forward=1 but eth0 forwarding=0', { after: ['host: sysctl -qw net.ipv4.conf.eth0.forwarding=0'] }),
  'docker-port-forwarding-off': docker('Docker host, ip_forward=1, forwarding=0 only on a bridge port and an unused NIC', {
    extra: nic('eth1', undefined, { wan: 'wan2', up: false, peerUp: false }),
    after: ['host: sysctl -qw net.ipv4.conf.veth3c5a6e1.forwarding=0 net.ipv4.conf.eth1.forwarding=0'],
  }, { namespaces: ['wan2'] }),
  'docker-ipv6-off': docker('Docker host with a global IPv6 subnet on docker0, IPv6 forwarding off', {
    docker0: { v6: '2001:db8:1::1/64' },
    web: { v6: '2001:db8:1::242:ac11:2/64', v6gateway: '2001:db8:1::1' },
    after: ['host: sysctl -qw net.ipv6.conf.all.forwarding=0'],
  }),
  'docker-ipv6-linklocal-only': docker('Docker host, docker0 has only link-local IPv6, IPv6 forwarding off', {
    after: ['host: sysctl -qw net.ipv6.conf.all.forwarding=0'],
  }),
  'docker-no-br-netfilter': docker('Docker host (not Kubernetes) without br_netfilter', {}, { extraFields: { sysctlDrop: { host: BRIDGE_NF_KEYS } } }),
  'kube-no-br-netfilter': { description: 'Kubernetes node (flannel, kube-proxy) without br_netfilter', ...kubeNode({ bridgeNf: 'drop' }) },
  'kube-br-netfilter': { description: 'Kubernetes node (flannel, kube-proxy) with bridge-nf-call-iptables=1', ...kubeNode({ bridgeNf: 'keep' }) },
  'multihomed-strict': multiHomed(1),
  'multihomed-loose': multiHomed(2),
  'docker-orphans': docker('Docker host with a leftover veth pair and a container whose eth0 is down', {
    db: { innerUp: false },
    extra: ['host: ip link add veth9d0c1b2 type veth peer name veth4e8f7a3', 'host: ip link set veth9d0c1b2 up', 'host: ip link set veth4e8f7a3 up'],
  }),
  'docker-veth-pair-in-use': docker('Docker host with a veth pair in the host namespace that is in use (addressed)', {
    extra: [
      'host: ip link add veth-mgmt type veth peer name veth-mgmt-br',
      'host: ip addr add 10.99.0.1/30 dev veth-mgmt',
      'host: ip link set veth-mgmt up',
      'host: ip link set veth-mgmt-br master docker0',
      'host: ip link set veth-mgmt-br up',
    ],
  }),
  'docker-unattached': docker('Docker host where a container veth lost its bridge', { web: { attach: false } }),
  'calico-routed': plainServer('Calico-style routed pod: host veth with no master or address, a /32 route, gateway 169.254.1.1 on a link route', [
    ...FORWARD_ON,
    ...nic('eth0', '192.0.2.10/24', { gateway: '192.0.2.1' }),
    ...DEFAULT_VIA_ETH0,
    'host: ip link add cali8d3e5f1a2b4 type veth peer name eth0 netns @pod',
    'host: ip link set cali8d3e5f1a2b4 up',
    'host: ip route add 10.244.7.5/32 dev cali8d3e5f1a2b4 scope link',
    'pod: ip link set lo up',
    'pod: ip addr add 10.244.7.5/32 dev eth0',
    'pod: ip link set eth0 up',
    'pod: ip route add 169.254.1.1 dev eth0 scope link',
    'pod: ip route add default via 169.254.1.1 dev eth0',
  ], { namespaces: ['pod'], captureNamespaces: ['pod'] }),
  'iface-down': docker('Docker host with an addressed NIC admin down and an addressed NIC without carrier', {
    extra: [
      ...nic('eth1', '198.51.100.10/24', { wan: 'wan2', up: false }),
      ...nic('eth2', '203.0.113.10/24', { wan: 'wan3', peerUp: false }),
    ],
  }, { namespaces: ['wan2', 'wan3'] }),
  'spare-nic-down': docker('Docker host with a spare NIC, no address, admin down', {
    extra: nic('eth1', undefined, { wan: 'wan2', up: false }),
  }, { namespaces: ['wan2'] }),
  'docker-bridge-down': docker('Docker host whose docker0 is admin down', { docker0: { up: false } }),
  'docker-empty-bridge': plainServer('Docker host without containers: docker0 up without carrier, br-5f3a1c2d4e6b admin down, both without ports', [
    ...FORWARD_ON,
    ...nic('eth0', '192.0.2.10/24', { gateway: '192.0.2.1' }),
    ...DEFAULT_VIA_ETH0,
    ...bridge('docker0', '172.17.0.1/16'),
    ...bridge('br-5f3a1c2d4e6b', '172.18.0.1/16', { up: false }),
  ], { sources: BASE_SOURCES }),
  'docker-bridge-no-address': docker('Docker host whose docker0 lost its address', { docker0: { noAddress: true } }),
  'l2-bridge': plainServer('a KVM host bridging VMs onto the LAN: br0 enslaves eth0 and carries the host address', [
    ...nic('eth0', undefined, { gateway: '192.0.2.1' }),
    ...bridge('br0', '192.0.2.10/24'),
    'host: ip link set eth0 master br0',
    'host: ip route add default via 192.0.2.1 dev br0 proto static',
    'host: ip link add vnet0 type veth peer name eth0 netns @vm',
    'host: ip link set vnet0 master br0',
    'host: ip link set vnet0 up',
    'vm: ip link set eth0 up',
    'vm: ip addr add 192.0.2.50/24 dev eth0',
    'vm: ip route add default via 192.0.2.1',
    'host: ip link add br-lab type bridge',
    'host: ip link add eth1 type veth peer name p-eth1 netns @wan',
    'host: ip link set eth1 master br-lab',
    'host: ip link set eth1 up',
    'wan: ip link set p-eth1 up',
    'host: ip link set br-lab up',
  ], { namespaces: ['vm'], captureNamespaces: ['vm'], sources: ['sysctl', 'ip-link', 'ip-addr', 'ip-route', 'bridge-link'] }),
  'docker-address-overlap': docker('Docker host joined to a network in 172.17.5.0/24 on eth1', {
    extra: nic('eth1', '172.17.5.10/24', { wan: 'wan2', gateway: '172.17.5.1' }),
  }, { namespaces: ['wan2'] }),
  'docker-vip': docker('Docker host with a /32 VIP in the uplink subnet on another interface and a secondary address', {
    extra: [...bridge('br-vip', '192.0.2.100/32'), 'host: ip addr add 192.0.2.11/24 dev eth0'],
  }),
  'docker-route-overlap': docker('Docker host with a static route into docker0\'s subnet through the uplink', {
    after: ['host: ip route add 172.17.128.0/17 via 192.0.2.254 dev eth0 proto static'],
  }),
  'docker-routes-clear': docker('Docker host with routes that do not touch bridge subnets', {
    after: ['host: ip route add 10.8.0.0/16 via 192.0.2.254 dev eth0 proto static', 'host: ip route add 198.51.100.0/24 via 192.0.2.253 dev eth0 proto static'],
  }),
  // The kernel refuses a VXLAN MTU above its lower device's minus 50, but does not shrink it when the
  // lower device's MTU drops later (a DHCP MTU option, a cloud network change): that is the case built here.
  'docker-mtu-mismatch': docker('Docker host whose uplink dropped to 1450 bytes under docker0 at 1500 and a VXLAN at 1450', {
    extra: ['host: ip link add vxlan100 type vxlan id 100 local 192.0.2.10 dev eth0 dstport 4789', 'host: ip link set vxlan100 mtu 1450', 'host: ip link set vxlan100 up'],
    after: ['host: ip link set eth0 mtu 1450', 'wan: ip link set p-eth0 mtu 1450'],
  }),
  'docker-mtu-fits': docker('Docker host on a 1450-byte uplink with docker0 and containers at 1450 and a VXLAN at 1400', {
    eth0: { mtu: 1450 },
    docker0: { mtu: 1450 },
    web: { mtu: 1450 },
    db: { mtu: 1450 },
    extra: ['host: ip link add vxlan100 type vxlan id 100 local 192.0.2.10 dev eth0 dstport 4789', 'host: ip link set vxlan100 mtu 1400', 'host: ip link set vxlan100 up'],
  }),
  'docker-netns-no-route': docker('Docker host where the web container has no default route', { web: { route: false } }),
  'docker-netns-lo-only': docker('Docker host plus a named namespace with only loopback', {
    extra: ['scratch: ip link set lo up'],
  }, { namespaces: ['scratch'], captureNamespaces: ['scratch'] }),
  'sysctl-drift': plainServer('persisted rp_filter glob and br_netfilter keys that the running kernel does not match', [
    ...nic('eth0', '192.0.2.10/24', { gateway: '192.0.2.1' }),
    ...DEFAULT_VIA_ETH0,
    'host: sysctl -qw net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.default.rp_filter=1 net.ipv4.conf.lo.rp_filter=2 net.ipv4.conf.eth0.rp_filter=1',
    'host: sysctl -qw net.core.somaxconn=4096',
  ], {
    extraFields: {
      sysctlDrop: { host: BRIDGE_NF_KEYS },
      files: {
        'sysctl.d/10-network-security.conf': '# Turn on source route verification (loose) on every interface\nnet.ipv4.conf.*.rp_filter = 2\n# The uplink is single-homed: strict\nnet.ipv4.conf.eth0.rp_filter = 1\n',
        'sysctl.d/99-kubernetes-cri.conf': 'net.bridge.bridge-nf-call-iptables  = 1\nnet.ipv4.ip_forward                 = 1\n-net.ipv4.tcp_future_knob = 1\n',
        'sysctl.conf': '# /etc/sysctl.conf - Configuration file for setting system variables\nnet.core.somaxconn = 4096\n',
      },
    },
  }),
  'sysctl-in-sync': plainServer('persisted settings, glob included, all in effect', [
    ...nic('eth0', '192.0.2.10/24', { gateway: '192.0.2.1' }),
    ...DEFAULT_VIA_ETH0,
    'host: sysctl -qw net.ipv4.ip_forward=1',
    'host: sysctl -qw net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.default.rp_filter=2 net.ipv4.conf.lo.rp_filter=2 net.ipv4.conf.eth0.rp_filter=1',
    'host: sysctl -qw net.core.somaxconn=4096',
  ], {
    extraFields: {
      files: {
        'sysctl.d/10-network-security.conf': '# Turn on source route verification (loose) on every interface\nnet.ipv4.conf.*.rp_filter = 2\n# The uplink is single-homed: strict\nnet.ipv4.conf.eth0.rp_filter = 1\n',
        'sysctl.d/99-kubernetes-cri.conf': 'net.bridge.bridge-nf-call-iptables  = 1\nnet.ipv4.ip_forward                 = 1\n-net.ipv4.tcp_future_knob = 1\n',
        'sysctl.conf': '# /etc/sysctl.conf - Configuration file for setting system variables\nnet.core.somaxconn = 4096\n',
      },
    },
  }),
  'conntrack-full': plainServer('a NAT gateway whose conntrack table is 95% full', [
    ...nic('eth0', '192.0.2.10/24', { gateway: '192.0.2.1' }),
    ...DEFAULT_VIA_ETH0,
  ], { extraFields: { sysctlSet: { host: { 'net.netfilter.nf_conntrack_count': '62261', 'net.netfilter.nf_conntrack_max': '65536', 'net.nf_conntrack_max': '65536' } } } }),
  'conntrack-busy': plainServer('a busy host whose conntrack table is 85% full', [
    ...nic('eth0', '192.0.2.10/24', { gateway: '192.0.2.1' }),
    ...DEFAULT_VIA_ETH0,
  ], { extraFields: { sysctlSet: { host: { 'net.netfilter.nf_conntrack_count': '55706', 'net.netfilter.nf_conntrack_max': '65536', 'net.nf_conntrack_max': '65536' } } } }),
  'docker-gateway-mismatch': docker('Docker host where the web container routes via 172.17.0.254, not docker0\'s 172.17.0.1', { web: { gateway: '172.17.0.254' } }),
};

// docker0 without an address: the bridge helper adds none when cidr is empty.
SCENARIOS['docker-bridge-no-address'].setup = SCENARIOS['docker-bridge-no-address'].setup.filter((s) => s !== 'host: ip addr add 172.17.0.1/16 dev docker0');

/** Which scenario each rule fixture was captured from: `capture.mjs --all fixtures/rules` recaptures them. */
export const FIXTURE_SCENARIOS = {
  'ip-forward-disabled': { fail: 'docker-forward-off', pass: 'plain-server' },
  'iface-forwarding-disabled': { fail: 'docker-uplink-forwarding-off', pass: 'docker-port-forwarding-off' },
  'ipv6-forwarding-disabled': { fail: 'docker-ipv6-off', pass: 'docker-ipv6-linklocal-only' },
  'bridge-nf-call-disabled': { fail: 'kube-no-br-netfilter', pass: 'kube-br-netfilter' },
  'rp-filter-strict': { fail: 'multihomed-strict', pass: 'multihomed-loose' },
  'sysctl-drift': { fail: 'sysctl-drift', pass: 'sysctl-in-sync' },
  'conntrack-table-full': { fail: 'conntrack-full', pass: 'conntrack-busy' },
  'veth-orphan': { fail: 'docker-orphans', pass: 'docker-veth-pair-in-use' },
  'veth-unattached': { fail: 'docker-unattached', pass: 'calico-routed' },
  'iface-down': { fail: 'iface-down', pass: 'spare-nic-down' },
  'bridge-down': { fail: 'docker-bridge-down', pass: 'docker-empty-bridge' },
  'bridge-no-address': { fail: 'docker-bridge-no-address', pass: 'l2-bridge' },
  'address-overlap': { fail: 'docker-address-overlap', pass: 'docker-vip' },
  'route-overlap': { fail: 'docker-route-overlap', pass: 'docker-routes-clear' },
  'default-route-missing': { fail: 'plain-server-no-default', pass: 'isolated-server' },
  'mtu-mismatch': { fail: 'docker-mtu-mismatch', pass: 'docker-mtu-fits' },
  'netns-default-route-missing': { fail: 'docker-netns-no-route', pass: 'docker-netns-lo-only' },
  'netns-gateway-mismatch': { fail: 'docker-gateway-mismatch', pass: 'calico-routed' },
};

/* ---------- issue 17, path faults: published-port-exposed, bridged-uplink-filtered ---------- */

/**
 * Docker 27's rules for docker0 (172.17.0.0/16) publishing 8080 to web's port 80 (`-d 127.0.0.1/32` when
 * published on loopback), under a filter INPUT given as lines (`:INPUT …` first) and extra DOCKER-USER rules.
 */
function dockerIptables({ input = [':INPUT ACCEPT [0:0]'], inputChains = [], dnatAddress, dockerUser = [], publish = true, userlandProxy = true } = {}) {
  const dnatDst = dnatAddress ? `-d ${dnatAddress}/32 ` : '';
  const published = (text) => (publish ? text : '');
  // Without the userland proxy Docker lets the DNAT take the bridge's and loopback's connections too.
  const fromBridge = userlandProxy ? '! -i docker0 ' : '';
  const nat = userlandProxy
    ? ['-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER', '-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE', '-A DOCKER -i docker0 -j RETURN']
    : [
        '-A OUTPUT -m addrtype --dst-type LOCAL -j DOCKER',
        '-A POSTROUTING -o docker0 -m addrtype --src-type LOCAL -j MASQUERADE',
        '-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE',
        published('-A POSTROUTING -s 172.17.0.2/32 -d 172.17.0.2/32 -p tcp -m tcp --dport 80 -j MASQUERADE'),
      ];
  return `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:DOCKER - [0:0]
-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
${nat.join('\n')}
${published(`-A DOCKER ${dnatDst}${fromBridge}-p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80`)}
COMMIT
*filter
${input[0]}
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:DOCKER - [0:0]
:DOCKER-ISOLATION-STAGE-1 - [0:0]
:DOCKER-ISOLATION-STAGE-2 - [0:0]
:DOCKER-USER - [0:0]
${[...inputChains, ...input.slice(1)].join('\n')}
-A FORWARD -j DOCKER-USER
-A FORWARD -j DOCKER-ISOLATION-STAGE-1
-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -o docker0 -j DOCKER
-A FORWARD -i docker0 ! -o docker0 -j ACCEPT
-A FORWARD -i docker0 -o docker0 -j ACCEPT
${published('-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT')}
-A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2
-A DOCKER-ISOLATION-STAGE-1 -j RETURN
-A DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP
-A DOCKER-ISOLATION-STAGE-2 -j RETURN
${[...dockerUser, '-A DOCKER-USER -j RETURN'].join('\n')}
COMMIT
`.replace(/\n\n+/g, '\n');
}

/** ufw's "default deny incoming" in short: policy DROP, loopback, replies, ping and SSH allowed. */
const UFW_INPUT = [
  ':INPUT DROP [0:0]',
  '-A INPUT -j ufw-before-input',
  '-A INPUT -j ufw-user-input',
  '-A ufw-before-input -i lo -j ACCEPT',
  '-A ufw-before-input -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
  '-A ufw-before-input -p icmp -m icmp --icmp-type 8 -j ACCEPT',
  '-A ufw-user-input -p tcp -m tcp --dport 22 -j ACCEPT',
];
const UFW_CHAINS = [':ufw-before-input - [0:0]', ':ufw-user-input - [0:0]'];

function ufwDocker(description, dnatAddress) {
  const input = [UFW_INPUT[0], ...UFW_CHAINS, ...UFW_INPUT.slice(1)];
  return docker(description, {}, {
    sources: [...BASE_SOURCES, 'iptables-save'],
    extraFields: { iptables: { host: dockerIptables({ input, dnatAddress }) } },
  });
}

/** A KVM host whose br0 enslaves eth0 and carries the host address, a VM on vnet0, Docker installed (docker0 without containers, nothing published). */
function kvmWithDocker(description, { dockerUser = [], bridgeNf = 1, bridgeOption } = {}) {
  const setup = [
    ...LO,
    ...FORWARD_ON,
    ...nic('eth0', undefined, { gateway: '192.0.2.1' }),
    ...bridge('br0', '192.0.2.10/24'),
    'host: ip link set eth0 master br0',
    'host: ip route add default via 192.0.2.1 dev br0 proto static',
    'host: ip link add vnet0 type veth peer name eth0 netns @vm',
    'host: ip link set vnet0 master br0',
    'host: ip link set vnet0 up',
    'vm: ip link set lo up',
    'vm: ip link set eth0 up',
    'vm: ip addr add 192.0.2.50/24 dev eth0',
    'vm: ip route add default via 192.0.2.1',
    ...bridge('docker0', '172.17.0.1/16'),
    `host: sysctl -qw net.bridge.bridge-nf-call-iptables=${bridgeNf}`,
    ...(bridgeOption === undefined ? [] : [`host: ip link set br0 type bridge nf_call_iptables ${bridgeOption}`]),
  ];
  return {
    description,
    namespaces: ['host', 'wan', 'vm'],
    captureNamespaces: ['vm'],
    setup,
    physical: { host: ['eth0'] },
    sources: ['sysctl', 'ip-link', 'ip-addr', 'ip-route', 'bridge-link', 'iptables-save'],
    iptables: { host: dockerIptables({ dockerUser, publish: false }) },
    sysctlKeep: NET_KEYS,
  };
}

Object.assign(SCENARIOS, {
  'docker-ufw-exposed': ufwDocker('Docker host behind ufw\'s deny incoming, 8080 published on every address to web:80'),
  'docker-ufw-localhost': ufwDocker('Docker host behind ufw\'s deny incoming, 8080 published on 127.0.0.1 only', '127.0.0.1'),
  'kvm-docker-bridged': kvmWithDocker('KVM host bridging a VM onto the LAN (br0 enslaves eth0) with Docker installed: FORWARD DROP, bridge-nf-call-iptables=1'),
  'kvm-docker-bridged-accepted': kvmWithDocker('the same KVM host with Docker\'s documented fix: DOCKER-USER accepts -i br0 -o br0', { dockerUser: ['-A DOCKER-USER -i br0 -o br0 -j ACCEPT'] }),
});

/**
 * Docker 27 with `"userland-proxy": false`: the DNAT takes hairpin and localhost connections, route_localnet=1
 * on docker0, br_netfilter on; web's bridge port with hairpin mode on (as Docker sets it) or off.
 */
function dockerWithoutProxy(description, hairpin) {
  return docker(description, {
    after: [
      'host: sysctl -qw net.bridge.bridge-nf-call-iptables=1 net.ipv4.conf.docker0.route_localnet=1',
      `host: ip link set veth3c5a6e1 type bridge_slave hairpin ${hairpin}`,
    ],
  }, {
    sources: [...BASE_SOURCES, 'iptables-save'],
    extraFields: { iptables: { host: dockerIptables({ userlandProxy: false }) } },
  });
}

Object.assign(SCENARIOS, {
  'docker-no-proxy-hairpin-off': dockerWithoutProxy('Docker host without the userland proxy, 8080 published to web:80, web\'s bridge port with hairpin mode off under br_netfilter', 'off'),
  'docker-no-proxy-hairpin-on': dockerWithoutProxy('the same host with hairpin mode on for web\'s port, as Docker sets it', 'on'),
});

Object.assign(FIXTURE_SCENARIOS, {
  'published-port-hairpin-broken': { fail: 'docker-no-proxy-hairpin-off', pass: 'docker-no-proxy-hairpin-on' },
  'published-port-exposed': { fail: 'docker-ufw-exposed', pass: 'docker-ufw-localhost' },
  'bridged-uplink-filtered': { fail: 'kvm-docker-bridged', pass: 'kvm-docker-bridged-accepted' },
});
