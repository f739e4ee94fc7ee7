/** A synthetic kube-proxy node (iptables-save text) for scale tests: every service endpoint is a DNAT. */
import { DOCKER_27 } from './hosts.js';

export const SERVICES = 10_700;
export const ENDPOINTS = 3;

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
    ...decl,
    '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
    '-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000',
    '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
    '-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0',
    '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
    ...rules,
    'COMMIT',
  ];
  // Docker's tables beside kube-proxy's (its nat rules merged into the same table).
  const docker = DOCKER_27.replace(/^# .*\n/gm, '');
  const dockerNat = docker.slice(docker.indexOf('*nat\n') + 5, docker.indexOf('COMMIT')).split('\n').filter((l) => l.includes(' -A ') || l.startsWith(':DOCKER'));
  const withDocker = [...nat.slice(0, 7), ...dockerNat.filter((l) => l.startsWith(':')), ...nat.slice(7, -1), ...dockerNat.filter((l) => !l.startsWith(':')), 'COMMIT'];
  return `${withDocker.join('\n')}\n${docker.slice(docker.indexOf('*filter'))}`;
}
