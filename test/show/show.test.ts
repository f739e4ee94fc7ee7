import { describe, expect, it } from 'vitest';
import { buildHost } from '../../src/model/build.js';
import { renderShowText } from '../../src/show/text.js';
import { hostView } from '../../src/show/view.js';
import { dockerHost } from '../helpers/docker-host.js';

describe('show', () => {
  const view = hostView(buildHost(dockerHost()));

  it('gives an acyclic JSON view with the topology', () => {
    const json = JSON.parse(JSON.stringify(view));
    const host = json.namespaces[0];
    expect(host.forwarding).toEqual({ ipv4: 1, ipv6: 0 });
    expect(host.bridges).toEqual([{ name: 'docker0', state: 'UP', subnets: ['172.17.0.0/16'], stp: false, ports: [{ name: 'veth1a2b3c4', up: true }] }]);
    expect(host.veths).toContainEqual({ name: 'veth1a2b3c4', state: 'UP', master: 'docker0', peer: { namespace: 'pid:4242', name: 'eth0' } });
    expect(host.netfilter[0].nat.map((n: { line: number }) => n.line)).toEqual([8, 9, 10]);
    expect(host.netfilter[0].chains).toContainEqual({ table: 'filter', name: 'FORWARD', policy: 'DROP', rules: 1, packets: 5, bytes: 300, references: 0 });
    expect(json.sources).toContainEqual({ namespace: 'host', source: 'ip6tables-save', status: 'failed', reason: 'command not found' });
  });

  it('renders the sections a bug-report reader needs', () => {
    const text = renderShowText(view);
    expect(text).toContain('Host test-host, kernel 6.1.0-test');
    expect(text).toMatch(/docker0 \(UP\) subnets 172\.17\.0\.0\/16, STP off/);
    expect(text).toMatch(/port veth1a2b3c4 \(up\)/);
    expect(text).toMatch(/veth1a2b3c4\s+UP\s+master docker0\s+peer eth0 in pid:4242/);
    expect(text).toMatch(/vethdead .*peer unresolved: peer ifindex 2 is in namespace id 5/);
    expect(text).toContain('default via 192.0.2.1 dev eth0 proto dhcp metric 100');
    expect(text).toContain('iptables-save:9  [0:0] -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE');
    expect(text).toContain("    ip6tables-save: failed: command not found");
    expect(text).toMatch(/host: read sysctl, iptables-save, ip-link, ip-addr, ip-route, brctl-show, ss-tlnp \(empty\)/);
    expect(text).toMatch(/source\(s\) missing, failed or unreadable/);
    expect(text).toContain('net.ipv4.ip_forward = 0    (/etc/sysctl.conf:1)');
  });

  it('lists a "-key" line as an exclusion from globs, not as a setting', () => {
    const snapshot = dockerHost();
    const files = snapshot.sysctlFiles.files;
    files.push({ path: '/etc/sysctl.d/50-rp-filter.conf', content: 'net.ipv4.conf.*.rp_filter = 2\n-net.ipv4.conf.all.rp_filter\n', encoding: 'utf8' });
    const withExclusion = hostView(buildHost(snapshot));
    expect(withExclusion.persistedSysctl.settings).toContainEqual({ key: 'net.ipv4.conf.all.rp_filter', value: '', file: '/etc/sysctl.d/50-rp-filter.conf', line: 2, excluded: true });
    expect(renderShowText(withExclusion)).toContain('  -net.ipv4.conf.all.rp_filter    (excluded from globs; /etc/sysctl.d/50-rp-filter.conf:2)');
  });
});

describe('show on a node the size of a large Kubernetes cluster', () => {
  it('renders 200,000 chains and NAT rules without running out of stack', () => {
    const view = hostView(buildHost(dockerHost()));
    const ruleset = view.namespaces[0]!.netfilter[0]!;
    const many = 200_000;
    ruleset.chains = Array.from({ length: many }, (_, i) => ({ table: 'nat', name: `KUBE-SEP-${i}`, policy: null, rules: 2, references: 1 }));
    ruleset.nat = Array.from({ length: many }, (_, i) => ({ chain: `KUBE-SEP-${i}`, line: i + 10, rule: `-A KUBE-SEP-${i} -p tcp -j DNAT --to-destination 10.244.${i >> 8 & 255}.${i & 255}:8080` }));
    const text = renderShowText(view);
    expect(text).toContain('nat/KUBE-SEP-199999');
    expect(text).toContain(`iptables-save:${many + 9}  -A KUBE-SEP-199999`);
  });
});
