/**
 * Native nftables rulesets of real projects, written for the lab's addresses as each project writes its own
 * (table and chain names, hooks, priorities, sets and verdict maps, comments). Each function returns the
 * `nft -f` text; nft-layouts.ts says which ones a layout loads and what they do to traffic.
 *
 * References (the layouts these projects document and test against):
 * - Docker 29 nftables backend: moby `integration/network/bridge/nftablesdoc/generated/usernet-portmap.md`
 *   (the `ip docker-bridges` table for a network with a container publishing 8080:80);
 * - firewalld ≥ 1.0: the `inet firewalld` table of its testsuite (`src/tests/features/masquerade.at`,
 *   `forward_ports.at`: zone dispatch chains, `nat_PRE_<zone>_allow` DNAT, `nat_POST_<zone>_allow` masquerade);
 * - kube-proxy nftables mode: kubernetes `pkg/proxy/nftables/proxier_test.go` (`baseRules` and the per-service
 *   chains), with flannel's nftables traffic manager (`pkg/trafficmngr/nftables/nftables.go`) for pod egress;
 * - netavark nft driver: containers/netavark `src/firewall/nft.rs` and `test/250-bridge-nftables.bats`;
 * - Debian's stock `/etc/nftables.conf` (package nftables).
 */
import { TOPOLOGY as T } from './topology.js';

const BRIDGE = T.bridge;
const SUBNET = T.bridgeSubnet;
const C1 = T.containers.c1.address;
const UPLINK = T.uplink;
const HOST_PORT = T.publishedPort;
const CONTAINER_PORT = T.serverPort;

/** moby's four verdict maps, one element per bridge network (an empty map where `withElements` is false). */
function dockerMaps(withElements: boolean): string[] {
  const map = (name: string, target: string) => [
    `\tmap ${name} {`,
    '\t\ttype ifname : verdict',
    ...(withElements ? [`\t\telements = { "${BRIDGE}" : jump ${target}__${BRIDGE} }`] : []),
    '\t}',
  ];
  return [
    ...map('filter-forward-in-jumps', 'filter-forward-in'),
    ...map('filter-forward-out-jumps', 'filter-forward-out'),
    ...map('nat-postrouting-in-jumps', 'nat-postrouting-in'),
    ...map('nat-postrouting-out-jumps', 'nat-postrouting-out'),
  ];
}

/** The base chains moby creates in both `ip` and `ip6` docker-bridges tables. */
function dockerBaseChains(family: 'ip' | 'ip6'): string[] {
  const loopback = family === 'ip' ? '127.0.0.0/8' : '::1';
  return [
    '\tchain filter-FORWARD {',
    '\t\ttype filter hook forward priority filter; policy accept;',
    '\t\toifname vmap @filter-forward-in-jumps',
    '\t\tiifname vmap @filter-forward-out-jumps',
    '\t}',
    '\tchain nat-OUTPUT {',
    '\t\ttype nat hook output priority -100; policy accept;',
    `\t\t${family} daddr != ${loopback} fib daddr type local counter jump nat-prerouting-and-output`,
    '\t}',
    '\tchain nat-POSTROUTING {',
    '\t\ttype nat hook postrouting priority srcnat; policy accept;',
    '\t\tiifname vmap @nat-postrouting-out-jumps',
    '\t\toifname vmap @nat-postrouting-in-jumps',
    '\t}',
    '\tchain nat-PREROUTING {',
    '\t\ttype nat hook prerouting priority dstnat; policy accept;',
    '\t\tfib daddr type local counter jump nat-prerouting-and-output',
    '\t}',
  ];
}

/** Docker 29 with `"firewall-backend": "nftables"`: docker0 on the lab subnet, c1 publishing 8080:80. */
export function dockerBridges(): string {
  return [
    'table ip docker-bridges {',
    ...dockerMaps(true),
    ...dockerBaseChains('ip'),
    '\tchain nat-prerouting-and-output {',
    `\t\tiifname != "${BRIDGE}" tcp dport ${HOST_PORT} counter dnat to ${C1}:${CONTAINER_PORT} comment "DNAT"`,
    '\t}',
    '\tchain raw-PREROUTING {',
    '\t\ttype filter hook prerouting priority raw; policy accept;',
    `\t\tip daddr ${C1} iifname != "${BRIDGE}" counter drop comment "DROP DIRECT ACCESS"`,
    '\t}',
    `\tchain filter-forward-in__${BRIDGE} {`,
    '\t\tct state established,related counter accept',
    `\t\tiifname "${BRIDGE}" counter accept comment "ICC"`,
    `\t\tip daddr ${C1} tcp dport ${CONTAINER_PORT} counter accept`,
    '\t\tcounter drop comment "UNPUBLISHED PORT DROP"',
    '\t}',
    `\tchain filter-forward-out__${BRIDGE} {`,
    '\t\tct state established,related counter accept',
    '\t\tcounter accept comment "OUTGOING"',
    '\t}',
    `\tchain nat-postrouting-in__${BRIDGE} {`,
    '\t}',
    `\tchain nat-postrouting-out__${BRIDGE} {`,
    `\t\toifname != "${BRIDGE}" ip saddr ${SUBNET} counter masquerade comment "MASQUERADE"`,
    '\t}',
    '}',
    // docker0 has no IPv6: the daemon still creates the ip6 table with its base chains and empty maps.
    'table ip6 docker-bridges {',
    ...dockerMaps(false),
    ...dockerBaseChains('ip6'),
    '\tchain nat-prerouting-and-output {',
    '\t}',
    '\tchain raw-PREROUTING {',
    '\t\ttype filter hook prerouting priority raw; policy accept;',
    '\t}',
    '}',
    '',
  ].join('\n');
}

/** firewalld's five sub-chains of a zone or policy part (`<prefix>_<zone>` jumps to each in turn). */
function firewalldZoneChains(prefix: string, zone: string, allow: string[] = [], tail: string[] = []): string[] {
  const parts = ['pre', 'log', 'deny', 'allow', 'post'];
  return [
    `\tchain ${prefix}_${zone} {`,
    ...parts.map((p) => `\t\tjump ${prefix}_${zone}_${p}`),
    ...tail.map((t) => `\t\t${t}`),
    '\t}',
    ...parts.flatMap((p) => [`\tchain ${prefix}_${zone}_${p} {`, ...(p === 'allow' ? allow.map((a) => `\t\t${a}`) : []), '\t}']),
  ];
}

/**
 * firewalld (nftables backend) with the uplink in zone `public` (masquerade, and a forward port
 * `port=8080:proto=tcp:toport=80:toaddr=<c1>`), and the containers' bridge in zone `trusted` (target ACCEPT), as
 * `firewall-cmd --zone=public --add-masquerade --add-forward-port=...; --zone=trusted --add-interface=<bridge>`.
 */
export function firewalld(bridge: string): string {
  const dispatch = (chain: string, zoneChain: (zone: string) => string): string[] => [
    `\tchain ${chain} {`,
    `\t\tiifname "${bridge}" jump ${zoneChain('trusted')}`,
    `\t\tiifname "${bridge}" return`,
    `\t\tiifname "${UPLINK}" jump ${zoneChain('public')}`,
    `\t\tiifname "${UPLINK}" return`,
    `\t\tjump ${zoneChain('public')}`,
    '\t\treturn',
    '\t}',
  ];
  return [
    'table inet firewalld {',
    '\tchain mangle_PREROUTING {',
    '\t\ttype filter hook prerouting priority mangle + 10; policy accept;',
    '\t\tjump mangle_PREROUTING_POLICIES',
    '\t}',
    ...dispatch('mangle_PREROUTING_POLICIES', (z) => `mangle_PRE_${z}`),
    ...firewalldZoneChains('mangle_PRE', 'public'),
    ...firewalldZoneChains('mangle_PRE', 'trusted'),
    '\tchain nat_PREROUTING {',
    '\t\ttype nat hook prerouting priority dstnat + 10; policy accept;',
    '\t\tjump nat_PREROUTING_POLICIES',
    '\t}',
    ...dispatch('nat_PREROUTING_POLICIES', (z) => `nat_PRE_${z}`),
    ...firewalldZoneChains('nat_PRE', 'public', [`meta nfproto ipv4 tcp dport ${HOST_PORT} dnat ip to ${C1}:${CONTAINER_PORT}`]),
    ...firewalldZoneChains('nat_PRE', 'trusted'),
    '\tchain nat_POSTROUTING {',
    '\t\ttype nat hook postrouting priority srcnat + 10; policy accept;',
    '\t\tjump nat_POSTROUTING_POLICIES',
    '\t}',
    '\tchain nat_POSTROUTING_POLICIES {',
    `\t\toifname "${bridge}" jump nat_POST_trusted`,
    `\t\toifname "${bridge}" return`,
    `\t\toifname "${UPLINK}" jump nat_POST_public`,
    `\t\toifname "${UPLINK}" return`,
    '\t\tjump nat_POST_public',
    '\t\treturn',
    '\t}',
    ...firewalldZoneChains('nat_POST', 'public', ['meta nfproto ipv4 oifname != "lo" masquerade']),
    ...firewalldZoneChains('nat_POST', 'trusted'),
    '\tchain filter_INPUT {',
    '\t\ttype filter hook input priority filter + 10; policy accept;',
    '\t\tct state { established, related } accept',
    '\t\tct status dnat accept',
    '\t\tiifname "lo" accept',
    '\t\tct state invalid drop',
    '\t\tjump filter_INPUT_POLICIES',
    '\t\treject with icmpx admin-prohibited',
    '\t}',
    '\tchain filter_FORWARD {',
    '\t\ttype filter hook forward priority filter + 10; policy accept;',
    '\t\tct state { established, related } accept',
    '\t\tct status dnat accept',
    '\t\tiifname "lo" accept',
    '\t\tct state invalid drop',
    '\t\tip6 daddr { ::/96, ::ffff:0.0.0.0/96, 2002::/24, 2002:a00::/24, 2002:7f00::/24, 2002:a9fe::/32, 2002:ac10::/28, 2002:c0a8::/32, 2002:e000::/19 } reject with icmpv6 addr-unreachable',
    '\t\tjump filter_FORWARD_POLICIES',
    '\t\treject with icmpx admin-prohibited',
    '\t}',
    '\tchain filter_OUTPUT {',
    '\t\ttype filter hook output priority filter + 10; policy accept;',
    '\t\tct state { established, related } accept',
    '\t\toifname "lo" accept',
    '\t\tjump filter_OUTPUT_POLICIES',
    '\t}',
    '\tchain filter_INPUT_POLICIES {',
    `\t\tiifname "${bridge}" jump filter_IN_trusted`,
    `\t\tiifname "${bridge}" accept`,
    `\t\tiifname "${UPLINK}" jump filter_IN_public`,
    `\t\tiifname "${UPLINK}" reject with icmpx admin-prohibited`,
    '\t\tjump filter_IN_public',
    '\t\treject with icmpx admin-prohibited',
    '\t}',
    '\tchain filter_FORWARD_POLICIES {',
    `\t\tiifname "${bridge}" oifname "${bridge}" jump filter_FWD_trusted`,
    `\t\tiifname "${bridge}" oifname "${bridge}" accept`,
    `\t\tiifname "${bridge}" oifname "${UPLINK}" jump filter_FWD_trusted`,
    `\t\tiifname "${bridge}" oifname "${UPLINK}" accept`,
    `\t\tiifname "${bridge}" jump filter_FWD_trusted`,
    `\t\tiifname "${bridge}" accept`,
    `\t\tiifname "${UPLINK}" oifname "${bridge}" jump filter_FWD_public`,
    `\t\tiifname "${UPLINK}" oifname "${bridge}" reject with icmpx admin-prohibited`,
    `\t\tiifname "${UPLINK}" oifname "${UPLINK}" jump filter_FWD_public`,
    `\t\tiifname "${UPLINK}" oifname "${UPLINK}" reject with icmpx admin-prohibited`,
    `\t\tiifname "${UPLINK}" jump filter_FWD_public`,
    `\t\tiifname "${UPLINK}" reject with icmpx admin-prohibited`,
    '\t\treject with icmpx admin-prohibited',
    '\t}',
    '\tchain filter_OUTPUT_POLICIES {',
    '\t\treturn',
    '\t}',
    ...firewalldZoneChains('filter_IN', 'public', ['tcp dport 22 accept', 'ip6 daddr fe80::/64 udp dport 546 accept'], ['meta l4proto { icmp, ipv6-icmp } accept']),
    ...firewalldZoneChains('filter_IN', 'trusted'),
    ...firewalldZoneChains('filter_FWD', 'public'),
    ...firewalldZoneChains('filter_FWD', 'trusted'),
    '}',
    '',
  ].join('\n');
}

/** The lab's ClusterIP service range and the ClusterIP of the service whose endpoint is c1 (kube-proxy's tests use 172.30.0.0/16). */
export const SERVICE_CIDR = '172.30.0.0/16';
export const CLUSTER_IP = '172.30.0.10';
/** This node's flannel lease inside the cluster CIDR (the lab's bridge subnet). */
const NODE_POD_CIDR = '172.18.0.0/24';

/**
 * kube-proxy (`--proxy-mode=nftables`, `--service-node-port-range` including 8080) with one service
 * `default/web` (ClusterIP, NodePort 8080, `externalTrafficPolicy: Local` so the client address reaches the
 * pod) whose endpoint is c1; the pods' egress masquerade is flannel's `ip flannel-ipv4` table.
 */
export function kubeProxy(): string {
  const svc = 'service-KW3RD2QX-default/web/tcp/http';
  const ext = 'external-KW3RD2QX-default/web/tcp/http';
  const local = 'local-KW3RD2QX-default/web/tcp/http';
  const ep = `endpoint-ZJ2AXC4N-default/web/tcp/http__${C1}/${CONTAINER_PORT}`;
  return [
    'table ip kube-proxy {',
    '\tcomment "rules for kube-proxy"',
    '\tset cluster-ips {',
    '\t\ttype ipv4_addr',
    '\t\tcomment "Active ClusterIPs"',
    `\t\telements = { ${CLUSTER_IP} }`,
    '\t}',
    '\tset nodeport-ips {',
    '\t\ttype ipv4_addr',
    '\t\tcomment "IPs that accept NodePort traffic"',
    `\t\telements = { ${T.hostUplinkAddress} }`,
    '\t}',
    '\tmap firewall-ips {',
    '\t\ttype ipv4_addr . inet_proto . inet_service : verdict',
    '\t\tcomment "destinations that are subject to LoadBalancerSourceRanges"',
    '\t}',
    '\tmap no-endpoint-nodeports {',
    '\t\ttype inet_proto . inet_service : verdict',
    '\t\tcomment "vmap to drop or reject packets to service nodeports with no endpoints"',
    '\t}',
    '\tmap no-endpoint-services {',
    '\t\ttype ipv4_addr . inet_proto . inet_service : verdict',
    '\t\tcomment "vmap to drop or reject packets to services with no endpoints"',
    '\t}',
    '\tmap service-ips {',
    '\t\ttype ipv4_addr . inet_proto . inet_service : verdict',
    '\t\tcomment "ClusterIP, ExternalIP and LoadBalancer IP traffic"',
    `\t\telements = { ${CLUSTER_IP} . tcp . ${CONTAINER_PORT} : goto ${svc} }`,
    '\t}',
    '\tmap service-nodeports {',
    '\t\ttype inet_proto . inet_service : verdict',
    '\t\tcomment "NodePort traffic"',
    `\t\telements = { tcp . ${HOST_PORT} : goto ${ext} }`,
    '\t}',
    '\tchain cluster-ips-check {',
    '\t\tip daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"',
    `\t\tip daddr { ${SERVICE_CIDR} } drop comment "Drop traffic to unallocated ClusterIPs"`,
    '\t}',
    '\tchain filter-prerouting-pre-dnat {',
    '\t\ttype filter hook prerouting priority -110; policy accept;',
    '\t\tct state new jump firewall-check',
    '\t}',
    '\tchain filter-output-pre-dnat {',
    '\t\ttype filter hook output priority -110; policy accept;',
    '\t\tct state new jump firewall-check',
    '\t}',
    '\tchain filter-forward {',
    '\t\ttype filter hook forward priority filter; policy accept;',
    '\t\tct state new jump service-endpoints-check',
    '\t\tct state new jump cluster-ips-check',
    '\t}',
    '\tchain filter-input {',
    '\t\ttype filter hook input priority filter; policy accept;',
    '\t\tct state new jump nodeport-endpoints-check',
    '\t\tct state new jump service-endpoints-check',
    '\t}',
    '\tchain filter-output {',
    '\t\ttype filter hook output priority filter; policy accept;',
    '\t\tct state new jump service-endpoints-check',
    '\t\tct state new jump cluster-ips-check',
    '\t}',
    '\tchain firewall-check {',
    '\t\tip daddr . meta l4proto . th dport vmap @firewall-ips',
    '\t}',
    '\tchain mark-for-masquerade {',
    '\t\tmeta mark set meta mark | 0x00004000',
    '\t}',
    '\tchain masquerading {',
    '\t\tmeta mark & 0x00004000 == 0x00000000 return',
    '\t\tmeta mark set meta mark ^ 0x00004000',
    '\t\tmasquerade fully-random',
    '\t}',
    '\tchain nat-output {',
    '\t\ttype nat hook output priority -100; policy accept;',
    '\t\tjump services',
    '\t}',
    '\tchain nat-postrouting {',
    '\t\ttype nat hook postrouting priority srcnat; policy accept;',
    '\t\tjump masquerading',
    '\t}',
    '\tchain nat-prerouting {',
    '\t\ttype nat hook prerouting priority dstnat; policy accept;',
    '\t\tjump services',
    '\t}',
    '\tchain nodeport-endpoints-check {',
    '\t\tip daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports',
    '\t}',
    '\tchain reject-chain {',
    '\t\tcomment "helper for @no-endpoint-services / @no-endpoint-nodeports"',
    '\t\treject',
    '\t}',
    '\tchain services {',
    '\t\tip daddr . meta l4proto . th dport vmap @service-ips',
    '\t\tip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports',
    '\t}',
    '\tchain service-endpoints-check {',
    '\t\tip daddr . meta l4proto . th dport vmap @no-endpoint-services',
    '\t}',
    `\tchain ${svc} {`,
    `\t\tip daddr ${CLUSTER_IP} tcp dport ${CONTAINER_PORT} ip saddr != ${SUBNET} jump mark-for-masquerade`,
    `\t\tnumgen random mod 1 vmap { 0 : goto ${ep} }`,
    '\t}',
    `\tchain ${ext} {`,
    `\t\tip saddr ${SUBNET} goto ${svc} comment "short-circuit pod traffic"`,
    '\t\tfib saddr type local jump mark-for-masquerade comment "masquerade local traffic"',
    `\t\tfib saddr type local goto ${svc} comment "short-circuit local traffic"`,
    `\t\tgoto ${local}`,
    '\t}',
    `\tchain ${local} {`,
    `\t\tnumgen random mod 1 vmap { 0 : goto ${ep} }`,
    '\t}',
    `\tchain ${ep} {`,
    `\t\tip saddr ${C1} jump mark-for-masquerade`,
    `\t\tmeta l4proto tcp dnat to ${C1}:${CONTAINER_PORT}`,
    '\t}',
    '}',
    'table ip flannel-ipv4 {',
    '\tcomment "rules for flannel-ipv4"',
    '\tchain forward {',
    '\t\tcomment "chain to accept flannel traffic"',
    '\t\ttype filter hook forward priority filter; policy accept;',
    `\t\tip saddr ${SUBNET} accept`,
    `\t\tip daddr ${SUBNET} accept`,
    '\t}',
    '\tchain postrtg {',
    '\t\tcomment "chain to manage traffic masquerading by flannel"',
    '\t\ttype nat hook postrouting priority srcnat; policy accept;',
    '\t\tmeta mark 0x00004000 return',
    `\t\tip saddr ${NODE_POD_CIDR} ip daddr ${SUBNET} return`,
    `\t\tip saddr ${SUBNET} ip daddr ${NODE_POD_CIDR} return`,
    `\t\tip saddr != ${NODE_POD_CIDR} ip daddr ${SUBNET} return`,
    `\t\tip saddr ${SUBNET} ip daddr != 224.0.0.0/4 masquerade fully-random`,
    `\t\tip saddr != ${SUBNET} ip daddr ${SUBNET} masquerade fully-random`,
    '\t}',
    '}',
    '',
  ].join('\n');
}

/** A netavark network: its bridge, subnet and id (the chain names carry the id's first 8 characters). */
export interface NetavarkNetwork {
  bridge: string;
  subnet: string;
  id: string;
  /** The container a host port is forwarded to, as `podman run -p 8080:80`; none: no port mapping. */
  publish?: { container: string; hostPort: number; containerPort: number };
}

/** The lab's bridge as podman's default network bridge podman0 (on the lab's subnet), c1 run with `-p 8080:80`. */
export const LAB_PODMAN_NETWORK: NetavarkNetwork = {
  bridge: 'podman0',
  subnet: SUBNET,
  id: 'd4b6c0a1e9f2',
  publish: { container: C1, hostPort: HOST_PORT, containerPort: CONTAINER_PORT },
};

/** netavark's `inet netavark` table (firewall_driver = "nftables" in containers.conf) for one network. */
export function netavark(net: NetavarkNetwork): string {
  const subnetName = net.subnet.replace(/\./g, '_').replace('/', '_nm');
  const chain = `nv_${net.id.slice(0, 8)}_${subnetName}`;
  const dnat = `${chain}_dnat`;
  const p = net.publish;
  return [
    'table inet netavark {',
    '\tchain INPUT {',
    '\t\ttype filter hook input priority filter; policy accept;',
    `\t\tip saddr ${net.subnet} meta l4proto { tcp, udp } th dport 53 accept`,
    '\t}',
    '\tchain FORWARD {',
    '\t\ttype filter hook forward priority filter; policy accept;',
    '\t\tct state invalid drop',
    '\t\tjump NETAVARK-ISOLATION-1',
    `\t\tip daddr ${net.subnet} ct state established,related accept`,
    `\t\tip saddr ${net.subnet} accept`,
    '\t}',
    '\tchain POSTROUTING {',
    '\t\ttype nat hook postrouting priority srcnat; policy accept;',
    '\t\tmeta mark & 0x00002000 == 0x00002000 masquerade',
    `\t\tip saddr ${net.subnet} jump ${chain}`,
    '\t}',
    '\tchain PREROUTING {',
    '\t\ttype nat hook prerouting priority dstnat; policy accept;',
    '\t\tfib daddr type local jump NETAVARK-HOSTPORT-DNAT',
    '\t}',
    '\tchain OUTPUT {',
    '\t\ttype nat hook output priority -100; policy accept;',
    '\t\tfib daddr type local jump NETAVARK-HOSTPORT-DNAT',
    '\t}',
    '\tchain NETAVARK-HOSTPORT-DNAT {',
    ...(p ? [`\t\ttcp dport ${p.hostPort} jump ${dnat}`] : []),
    '\t}',
    '\tchain NETAVARK-HOSTPORT-SETMARK {',
    '\t\tmeta mark set meta mark | 0x00002000',
    '\t}',
    '\tchain NETAVARK-ISOLATION-1 {',
    '\t}',
    '\tchain NETAVARK-ISOLATION-2 {',
    '\t}',
    '\tchain NETAVARK-ISOLATION-3 {',
    `\t\toifname "${net.bridge}" drop`,
    '\t\tjump NETAVARK-ISOLATION-2',
    '\t}',
    `\tchain ${chain} {`,
    `\t\tip daddr ${net.subnet} accept`,
    '\t\tip daddr != 224.0.0.0/4 masquerade',
    '\t}',
    ...(p
      ? [
          `\tchain ${dnat} {`,
          `\t\tip saddr ${net.subnet} tcp dport ${p.hostPort} jump NETAVARK-HOSTPORT-SETMARK`,
          `\t\tip saddr 127.0.0.1 tcp dport ${p.hostPort} jump NETAVARK-HOSTPORT-SETMARK`,
          `\t\ttcp dport ${p.hostPort} dnat ip to ${p.container}:${p.containerPort}`,
          '\t}',
        ]
      : []),
    '}',
    '',
  ].join('\n');
}

/**
 * Debian's stock /etc/nftables.conf, as the package ships it (`flush ruleset` first: nftables.service loads
 * it at boot, before dockerd writes its rules). `forwardPolicy: 'drop'` is the usual hardening edit.
 */
export function debianNftablesConf(forwardPolicy: 'accept' | 'drop' = 'accept'): string {
  const forward = forwardPolicy === 'drop' ? '\t\ttype filter hook forward priority filter; policy drop;' : '\t\ttype filter hook forward priority filter;';
  return [
    '#!/usr/sbin/nft -f',
    '',
    'flush ruleset',
    '',
    'table inet filter {',
    '\tchain input {',
    '\t\ttype filter hook input priority filter;',
    '\t}',
    '\tchain forward {',
    forward,
    '\t}',
    '\tchain output {',
    '\t\ttype filter hook output priority filter;',
    '\t}',
    '}',
    '',
  ].join('\n');
}
