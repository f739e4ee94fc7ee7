/**
 * `ss -Htlnp` of a Kubernetes node: kubelet, kube-proxy, containerd, sshd, resolved, node-exporter; and its
 * `ss -Hulnp`: resolved's stub, chrony, the DHCP client, and flannel's VXLAN socket (the kernel's, no process).
 */
import type { Cluster } from './cluster.js';
import { Random } from './random.js';

interface Listener {
  local: string;
  process: string;
  backlog: number;
}

function line(l: Listener, pid: number, fd: number): string {
  const peer = l.local.startsWith('[') || l.local.startsWith('*') ? '*:*' : '0.0.0.0:*';
  return `LISTEN 0      ${String(l.backlog).padEnd(6)} ${l.local.padStart(21)} ${peer.padStart(13)}    users:(("${l.process}",pid=${pid},fd=${fd}))`;
}

export function renderSs(cluster: Cluster): { text: string; count: number } {
  const rnd = new Random(cluster.spec.seed ^ 0x55);
  const listeners: Listener[] = [
    { local: '127.0.0.53%lo:53', process: 'systemd-resolve', backlog: 4096 },
    { local: '0.0.0.0:22', process: 'sshd', backlog: 128 },
    { local: '127.0.0.1:10248', process: 'kubelet', backlog: 4096 },
    { local: '127.0.0.1:10249', process: 'kube-proxy', backlog: 4096 },
    { local: `127.0.0.1:${rnd.int(33000, 45000)}`, process: 'containerd', backlog: 4096 },
    { local: `${cluster.nodeIp}:9100`, process: 'node_exporter', backlog: 4096 },
    { local: '[::]:22', process: 'sshd', backlog: 128 },
    { local: '*:10250', process: 'kubelet', backlog: 4096 },
    { local: '*:10256', process: 'kube-proxy', backlog: 4096 },
  ];
  const pids = new Map<string, number>();
  const lines = listeners.map((l) => {
    let pid = pids.get(l.process);
    if (pid === undefined) {
      pid = rnd.int(300, 90000);
      pids.set(l.process, pid);
    }
    return line(l, pid, rnd.int(3, 40));
  });
  return { text: `${lines.join('\n')}\n`, count: lines.length };
}

interface UdpSocket {
  local: string;
  /** undefined for a kernel socket (VXLAN, WireGuard): ss prints no process. */
  process?: string;
}

export function renderSsUdp(cluster: Cluster): { text: string; count: number } {
  const rnd = new Random(cluster.spec.seed ^ 0x75);
  const sockets: UdpSocket[] = [
    { local: '127.0.0.53%lo:53', process: 'systemd-resolve' },
    { local: '127.0.0.54:53', process: 'systemd-resolve' },
    { local: `${cluster.nodeIp}%eth0:68`, process: 'systemd-network' },
    { local: '127.0.0.1:323', process: 'chronyd' },
    { local: '0.0.0.0:8472' },
    { local: '[::1]:323', process: 'chronyd' },
  ];
  const pids = new Map<string, number>();
  const lines = sockets.map((u) => {
    const peer = u.local.startsWith('[') ? '[::]:*' : '0.0.0.0:*';
    const head = `UNCONN 0      0      ${u.local.padStart(21)} ${peer.padStart(13)}`;
    if (u.process === undefined) return head;
    let pid = pids.get(u.process);
    if (pid === undefined) {
      pid = rnd.int(300, 90000);
      pids.set(u.process, pid);
    }
    return `${head}    users:(("${u.process}",pid=${pid},fd=${rnd.int(3, 40)}))`;
  });
  return { text: `${lines.join('\n')}\n`, count: lines.length };
}
