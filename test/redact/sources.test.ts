/** Each kind of source redacted: what becomes a token, what is mapped, what is refused; and the CLI around it. */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { redactSnapshot } from '../../src/redact/snapshot.js';
import { Snapshot } from '../../src/snapshot/schema.js';
import { cli } from '../cli/run.js';
import { dockerHost } from '../helpers/docker-host.js';
import { makeSnapshot } from '../helpers/snapshot.js';
import { allStrings, identifyingValues, leaks } from './leaks.js';

const key = () => ({ secret: Buffer.alloc(32, 11), tokens: new Map<string, string>() });

const IPTABLES = `*filter
:FORWARD DROP [0:0]
[3:180] -A FORWARD -s 10.20.30.0/24 -d 203.0.113.50/32 -m comment --comment "db01.corp.example.com backup" -j ACCEPT
[0:0] -A FORWARD -m iprange --src-range 10.20.30.5-10.20.30.9 -m comment --comment payroll -j LOG --log-prefix "FW web01 "
[0:0] -A FORWARD -m mac --mac-source 52:54:00:ab:cd:ef -j ACCEPT
COMMIT
`;
const NFT = `table inet filter {
\tchain forward {
\t\ttype filter hook forward priority filter; policy drop;
\t\tiifname "eth0" ip saddr 198.18.4.0/24 ip daddr { 10.20.30.7, 2001:db8:77::10 } accept comment "partner vpn ACME"
\t}
}
`;
const SS = 'LISTEN 0 4096 10.20.30.7:8443 0.0.0.0:* users:(("billing-api",pid=4242,fd=7))\nLISTEN 0 128 [2001:db8:77::10]:22 [::]:* users:(("sshd",pid=1,fd=3),("sshd",pid=2,fd=3))\n';
const LINKS = JSON.stringify([{ ifindex: 2, ifname: 'eth0', ifalias: 'uplink to rack 7 web01', address: '52:54:00:ab:cd:ef', broadcast: 'ff:ff:ff:ff:ff:ff', flags: ['UP'], mtu: 1500, operstate: 'UP', linkinfo: { info_kind: 'bridge', info_data: { bridge_id: '8000.52:54:0:ab:cd:ef' } } }], null, 2);

function richHost(): Snapshot {
  const snapshot = makeSnapshot(
    {
      sysctl: 'kernel.hostname = web01\nkernel.domainname = corp.example.com\nkernel.random.boot_id = 0f6d3c0e-5d5b-4c59-9a51-7f0e1d2c3b4a\nnet.ipv4.conf.eth0.forwarding = 1\n',
      'iptables-save': IPTABLES,
      'nft-ruleset': { status: 'failed', reason: 'nft: cannot reach 10.20.30.7 from web01' },
      'ss-tlnp': SS,
      'ip-link': LINKS,
      'brctl-show': 'bridge name\tbridge id\t\tSTP enabled\tinterfaces\nbr0\t\t8000.525400abcdef\tno\t\teth0\n',
    },
    { sysctlFiles: [{ path: '/etc/sysctl.d/10-web01.conf', content: '# tuned for web01 by alice\nnet.ipv4.ip_forward = 1\n' }] },
  );
  snapshot.meta.hostname = 'web01.corp.example.com';
  snapshot.meta.user = { uid: 1000, name: 'alice' };
  snapshot.namespaces[0]!.sources['nft-ruleset'] = { status: 'ok', command: 'nft list ruleset', exitCode: 0, stdout: NFT, stdoutEncoding: 'utf8', stderr: 'warning: web01 10.20.30.7', stderrEncoding: 'utf8', durationMs: 1, truncated: false, format: 'text' };
  snapshot.namespaces.push({ name: 'pid:77', kind: 'container', processes: ['billing-api', 'java -jar /srv/billing.jar'], sources: {} });
  return snapshot;
}

describe('sources', () => {
  it('leaves none of the identifying values of a host rich in them, and the output is a valid snapshot', () => {
    const original = richHost();
    const { snapshot } = redactSnapshot(original, key(), { redactInterfaces: false });
    expect(Snapshot.safeParse(snapshot).success).toBe(true);
    const values = identifyingValues(original);
    for (const extra of ['web01', 'corp.example.com', 'alice', 'payroll', 'ACME', '0f6d3c0e-5d5b-4c59-9a51-7f0e1d2c3b4a', 'uplink to rack 7', 'java -jar /srv/billing.jar', '52:54:0:ab:cd:ef', '525400abcdef']) values.words.add(extra);
    expect(values.addresses.size).toBeGreaterThanOrEqual(6);
    expect(leaks(values, snapshot)).toEqual([]);
  });

  it('keeps every line where it was, and interface names, chain names and structure as they were', () => {
    const original = richHost();
    const { snapshot } = redactSnapshot(original, key(), { redactInterfaces: false });
    for (const id of ['sysctl', 'iptables-save', 'nft-ruleset', 'ss-tlnp', 'ip-link', 'brctl-show']) {
      expect(snapshot.namespaces[0]!.sources[id]!.stdout.split('\n').length, id).toBe(original.namespaces[0]!.sources[id]!.stdout.split('\n').length);
    }
    const ipt = snapshot.namespaces[0]!.sources['iptables-save']!.stdout;
    expect(ipt).toMatch(/--comment comment-[0-9a-f]{10} -j ACCEPT/);
    expect(ipt).toMatch(/--src-range 10\.\d+\.\d+\.\d+-10\.\d+\.\d+\.\d+ /);
    expect(snapshot.namespaces[0]!.sources['nft-ruleset']!.stdout).toContain('iifname "eth0"');
    expect(snapshot.namespaces[0]!.sources.sysctl!.stdout).toContain('net.ipv4.conf.eth0.forwarding = 1');
    expect(snapshot.namespaces[0]!.sources['ss-tlnp']!.stdout).toMatch(/users:\(\("process-[0-9a-f]{10}",pid=4242,fd=7\)\)/);
  });

  it('drops a source it cannot follow, with a note naming it, never passing it through', () => {
    const original = richHost();
    original.namespaces[0]!.sources['iptables-save']!.stdout = '*filter\n-A INPUT -m comment --comment "unterminated web01 -j ACCEPT\nCOMMIT\n';
    const { snapshot, dropped } = redactSnapshot(original, key(), { redactInterfaces: false });
    expect(dropped).toEqual([expect.stringContaining('iptables-save dropped: line 2:')]);
    expect(snapshot.namespaces[0]!.sources['iptables-save']).toMatchObject({ status: 'not-collected', stdout: '' });
    expect(allStrings(snapshot).join('\n')).not.toContain('unterminated');
  });

  it('--redact-interfaces replaces every interface name, keeping its kind', () => {
    const { snapshot } = redactSnapshot(dockerHost(), key(), { redactInterfaces: true });
    const text = allStrings(snapshot).join('\n');
    for (const name of ['docker0', 'veth1a2b3c4', 'vethdead', 'vpair0', 'eth0.100']) expect(text).not.toMatch(new RegExp(`(?<![\\w-])${name.replace('.', '\\.')}(?![\\w-])`));
    expect(text).toMatch(/"ifname": ?"docker[0-9a-f]{6}"/);
    expect(text).toContain('"lo"');
  });
});

describe('netaudit redact', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'netaudit-redact-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the snapshot and a new key 0600, reuses the key, and reveals addresses, networks, MACs and tokens', async () => {
    const input = path.join(dir, 'host.json');
    writeFileSync(input, JSON.stringify(richHost()));
    const out = path.join(dir, 'redacted.json');
    const keyFile = path.join(dir, 'host.key');
    const first = await cli(['redact', input, '-o', out, '--key-file', keyFile]);
    expect(first.code, first.stderr).toBe(0);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const redacted = readFileSync(out, 'utf8');
    const again = await cli(['redact', input, '-o', path.join(dir, 'again.json'), '--key-file', keyFile]);
    expect(again.code).toBe(0);
    expect(readFileSync(path.join(dir, 'again.json'), 'utf8')).toBe(redacted);

    const snapshot = JSON.parse(redacted) as Snapshot;
    const ipt = snapshot.namespaces[0]!.sources['iptables-save']!.stdout;
    const network = /-s (\S+) -d/.exec(ipt)![1]!;
    const comment = /--comment (comment-[0-9a-f]{10})/.exec(ipt)![1]!;
    const mac = /--mac-source (\S+)/.exec(ipt)![1]!;
    const reveal = async (value: string) => (await cli(['redact', '--reveal', value, '--key-file', keyFile])).stdout.trim();
    expect(await reveal(network)).toBe('10.20.30.0/24');
    expect(await reveal(comment)).toBe('db01.corp.example.com backup');
    expect(await reveal(mac)).toBe('52:54:00:ab:cd:ef');
    expect(await reveal(snapshot.meta.hostname!)).toBe('web01.corp.example.com');
  });

  it('exits 2 with one message on bad usage and values this key did not make', async () => {
    const keyFile = path.join(dir, 'host.key');
    const unknown = await cli(['redact', '--reveal', 'comment-0000000000', '--key-file', keyFile]);
    expect(unknown).toMatchObject({ code: 2, stderr: expect.stringContaining('not an address, network, MAC or token this key made') });
    expect((await cli(['redact', '--reveal', '10.0.0.1'])).stderr).toContain('--reveal needs --key-file');
    const badKey = path.join(dir, 'bad.key');
    writeFileSync(badKey, '{"schema":"something-else"}');
    const bad = await cli(['redact', '--reveal', '10.0.0.1', '--key-file', badKey]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bad\.key: not a netaudit redaction key file/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    const missing = await cli(['redact', path.join(dir, 'nope.json'), '-o', path.join(dir, 'x.json')]);
    expect(missing.code).toBe(2);
  });
});
