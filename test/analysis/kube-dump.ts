/** A synthetic kube-proxy node (iptables-save text) for scale tests: every service endpoint is a DNAT. */
import { DOCKER_27 } from './hosts.js';

export const SERVICES = 10_700;
export const ENDPOINTS = 3;
/** Every tenth service is also a node port (30000 + its number / 10). */
export const NODE_PORT_EVERY = 10;
export const NODE_PORTS = Math.ceil(SERVICES / NODE_PORT_EVERY);

function hash(n: number): string {
  return (n * 2654435761 >>> 0).toString(36).toUpperCase().padStart(7, 'X').slice(0, 7) + n.toString(36).toUpperCase().padStart(9, '0');
}

/** kube-proxy's nat table for SERVICES services with ENDPOINTS endpoints each, plus Docker's rules. */
export function kubeProxyDump(): string {
  const decl: string[] = [];
  const rules: string[] = [];
  for (let s = 0; s < SERVICES; s++) {
    const svc = `KUBE-SVC-${hash(s)}`;
    const ip = `10.96.${s >> 8}.${s & 255}`;
    decl.push(`:${svc} - [0:0]`);
    rules.push(`-A KUBE-SERVICES -d ${ip}/32 -p tcp -m comment --comment "ns${s}/svc${s}:http cluster IP" -m tcp --dport 80 -j ${svc}`);
    if (s % NODE_PORT_EVERY === 0) {
      const ext = `KUBE-EXT-${hash(s)}`;
      decl.push(`:${ext} - [0:0]`);
      rules.push(`-A KUBE-NODEPORTS -p tcp -m comment --comment "ns${s}/svc${s}:http" -m tcp --dport ${30000 + s / NODE_PORT_EVERY} -j ${ext}`);
      rules.push(`-A ${ext} -m comment --comment "masquerade traffic for ns${s}/svc${s}:http external destinations" -j KUBE-MARK-MASQ`);
      rules.push(`-A ${ext} -j ${svc}`);
    }
    for (let e = 0; e < ENDPOINTS; e++) {
      const sep = `KUBE-SEP-${hash(s * ENDPOINTS + e + 1_000_000)}`;
      const pod = `10.244.${(s * ENDPOINTS + e) >> 8 & 255}.${(s * ENDPOINTS + e) & 255}`;
      decl.push(`:${sep} - [0:0]`);
      const prob = e === ENDPOINTS - 1 ? '' : ` -m statistic --mode random --probability ${(1 / (ENDPOINTS - e)).toFixed(11)}`;
      rules.push(`-A ${svc} -m comment --comment "ns${s}/svc${s}:http -> ${pod}:8080"${prob} -j ${sep}`);
      rules.push(`-A ${sep} -s ${pod}/32 -m comment --comment "ns${s}/svc${s}:http" -j KUBE-MARK-MASQ`);
      rules.push(`-A ${sep} -p tcp -m comment --comment "ns${s}/svc${s}:http" -m tcp -j DNAT --to-destination ${pod}:8080`);
    }
  }
  const nat = [
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':INPUT ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
    ':KUBE-SERVICES - [0:0]',
    ':KUBE-MARK-MASQ - [0:0]',
    ':KUBE-POSTROUTING - [0:0]',
    ':KUBE-NODEPORTS - [0:0]',
    ...decl,
    '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
    '-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000',
    '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
    '-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0',
    '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
    ...rules,
    // kube-proxy always ends KUBE-SERVICES with the node-port dispatch.
    '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
    'COMMIT',
  ];
  // Docker's tables beside kube-proxy's (its nat rules merged into the same table).
  const docker = DOCKER_27.replace(/^# .*\n/gm, '');
  const dockerNat = docker.slice(docker.indexOf('*nat\n') + 5, docker.indexOf('COMMIT')).split('\n').filter((l) => l.includes(' -A ') || l.startsWith(':DOCKER'));
  const withDocker = [...nat.slice(0, 7), ...dockerNat.filter((l) => l.startsWith(':')), ...nat.slice(7, -1), ...dockerNat.filter((l) => !l.startsWith(':')), 'COMMIT'];
  // kube-proxy's forwarding accept for marked (node port) connections, before Docker's filter rules.
  const filter = docker
    .slice(docker.indexOf('*filter'))
    .replace(':DOCKER - [0:0]\n', ':DOCKER - [0:0]\n:KUBE-FORWARD - [0:0]\n')
    .replace(
      '[9100:7654321] -A FORWARD -j DOCKER-USER\n',
      '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD\n[9100:7654321] -A FORWARD -j DOCKER-USER\n' +
        '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT\n',
    );
  return `${withDocker.join('\n')}\n${filter}`;
}

/** One kube-proxy service with one endpoint, reached through its cluster IP only. */
export const KUBE_CLUSTER_IP = `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SVC-XDDJMSFC2RZBVTHX - [0:0]
:KUBE-SEP-BW5NCMF6XLQD5Z7C - [0:0]
:KUBE-MARK-MASQ - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000
-A KUBE-SEP-BW5NCMF6XLQD5Z7C -s 10.224.0.40/32 -m comment --comment "x/s-x-c:service-port-udp-81" -j KUBE-MARK-MASQ
-A KUBE-SEP-BW5NCMF6XLQD5Z7C -p udp -m comment --comment "x/s-x-c:service-port-udp-81" -m udp -j DNAT --to-destination 10.224.0.40:81
-A KUBE-SERVICES -d 10.0.164.41/32 -p udp -m comment --comment "x/s-x-c:service-port-udp-81 cluster IP" -m udp --dport 81 -j KUBE-SVC-XDDJMSFC2RZBVTHX
-A KUBE-SVC-XDDJMSFC2RZBVTHX -m comment --comment "x/s-x-c:service-port-udp-81 -> 10.224.0.40:81" -j KUBE-SEP-BW5NCMF6XLQD5Z7C
COMMIT
`;

/** The same service also published as node port 30081 (KUBE-SERVICES → KUBE-NODEPORTS → KUBE-EXT → KUBE-SVC). */
export const KUBE_NODE_PORT = KUBE_CLUSTER_IP.replace(':KUBE-MARK-MASQ - [0:0]\n', ':KUBE-MARK-MASQ - [0:0]\n:KUBE-NODEPORTS - [0:0]\n:KUBE-EXT-XDDJMSFC2RZBVTHX - [0:0]\n').replace(
  'COMMIT',
  [
    '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
    '-A KUBE-NODEPORTS -p udp -m comment --comment "x/s-x-c:service-port-udp-81" -m udp --dport 30081 -j KUBE-EXT-XDDJMSFC2RZBVTHX',
    '-A KUBE-EXT-XDDJMSFC2RZBVTHX -m comment --comment "masquerade traffic for x/s-x-c:service-port-udp-81 external destinations" -j KUBE-MARK-MASQ',
    '-A KUBE-EXT-XDDJMSFC2RZBVTHX -j KUBE-SVC-XDDJMSFC2RZBVTHX',
    'COMMIT',
  ].join('\n'),
);
