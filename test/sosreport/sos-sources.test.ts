/**
 * What a sosreport holds besides the outputs capture.sh trimmed to: the /proc/sys files sos copied where it
 * kept no `sysctl -a`, a namespace's own `sysctl -a` (current sos), the socket listings (`ss -peaonmi`, else
 * `netstat -W -neopa`) for the listening TCP sockets and for the bound UDP ones (UDP traces delivered and refused
 * through them), and evidence from the joined `iptables -L` listings, which names each listing's file
 * and line. Built from the real fixtures (fixtures/sosreport) and real outputs (test/parse/fixtures/ss), laid
 * out as sos writes them.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildHost } from '../../src/model/build.js';
import { loadInput } from '../../src/snapshot/load.js';
import { cli, PROJECT_ROOT } from '../cli/run.js';
import { compress, entriesOf, tarOf } from './archives.js';

const FIXTURES = path.join(PROJECT_ROOT, 'fixtures/sosreport');
const SS = path.join(PROJECT_ROOT, 'test/parse/fixtures/ss');
const work = mkdtempSync(path.join(tmpdir(), 'netaudit-sos-sources-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let count = 0;
function copyOf(scenario: string): string {
  const dir = path.join(work, `${scenario}-${++count}`);
  cpSync(path.join(FIXTURES, scenario), dir, { recursive: true, verbatimSymlinks: true });
  return dir;
}

function write(dir: string, rel: string, text: string): void {
  mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  writeFileSync(path.join(dir, rel), text);
}

interface JsonEvidence {
  source: string;
  line: number;
  text: string;
  origin?: { file: string; line: number };
}
interface JsonFinding {
  ruleId: string;
  subject: { kind: string; name: string; namespace: string };
  evidence: JsonEvidence[];
}

async function findings(input: string): Promise<JsonFinding[]> {
  const r = await cli(['audit', input, '-f', 'json', '--fail-on', 'none', '--no-config']);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { findings: JsonFinding[] }).findings;
}

/** The /proc/sys files of every key of a `sysctl -a` dump, as sos copies them (a `/` in a key is a `.` in the path). */
function procSysFiles(dir: string, sysctlA: string): void {
  for (const line of sysctlA.split('\n')) {
    const eq = line.indexOf(' = ');
    if (eq < 0) continue;
    const file = ['proc/sys', ...line.slice(0, eq).split('.').map((level) => level.replace(/\//g, '.'))].join('/');
    write(dir, file, `${line.slice(eq + 3)}\n`);
  }
}

describe('sysctl from the /proc/sys files sos copied, where it kept no sysctl -a', () => {
  const withProcSys = (): string => {
    const dir = copyOf('healthy');
    const sysctlA = readFileSync(path.join(dir, 'sos_commands/kernel/sysctl_-a'), 'utf8');
    rmSync(path.join(dir, 'sos_commands/kernel/sysctl_-a'));
    procSysFiles(dir, sysctlA);
    return dir;
  };

  it('gives the sysctl table sysctl -a gives', async () => {
    const dir = withProcSys();
    const { snapshot } = await loadInput(dir);
    expect(snapshot.namespaces[0]!.sources['sysctl']).toMatchObject({ status: 'ok', format: 'proc-sys', command: expect.stringMatching(/^the files under \/proc\/sys the sosreport copied \(not in the sosreport/) });
    const fromFiles = buildHost(snapshot).host.sysctl;
    const fromDump = buildHost((await loadInput(path.join(FIXTURES, 'healthy'))).snapshot).host.sysctl;
    const values = (t: typeof fromFiles) => [...t.entries].map(([k, v]) => [k, v.value]).sort();
    expect(values(fromFiles).length).toBeGreaterThan(100);
    expect(values(fromFiles)).toEqual(values(fromDump));
  });

  it('a finding quotes the file and its line 1, from the directory and from the archive', async () => {
    const dir = withProcSys();
    writeFileSync(path.join(dir, 'proc/sys/net/ipv4/ip_forward'), '0\n');
    const check = (all: JsonFinding[]) => {
      const finding = all.find((f) => f.ruleId === 'ip-forward-disabled');
      expect(finding, JSON.stringify(all.map((f) => f.ruleId))).toBeDefined();
      expect(finding!.evidence).toContainEqual(expect.objectContaining({ source: 'sysctl', text: 'net.ipv4.ip_forward = 0', origin: { file: 'proc/sys/net/ipv4/ip_forward', line: 1 } }));
    };
    check(await findings(dir));
    const archive = path.join(work, 'proc-sys.tar.xz');
    writeFileSync(archive, compress(await tarOf(entriesOf(dir, 'sosreport-nasos-lab-proc')), 'xz'));
    check(await findings(archive));
    const text = await cli(['audit', dir, '--fail-on', 'none', '--no-config']);
    expect(text.stdout).toMatch(/sysctl:\d+ \(proc\/sys\/net\/ipv4\/ip_forward:1\)  net\.ipv4\.ip_forward = 0/);
  });

  it('sysctl -a wins where both are there', async () => {
    const dir = copyOf('healthy');
    write(dir, 'proc/sys/net/ipv4/ip_forward', '0\n');
    const { snapshot } = await loadInput(dir);
    expect(snapshot.namespaces[0]!.sources['sysctl']).toMatchObject({ status: 'ok', command: 'sysctl -a' });
  });
});

it('current sos: a namespace\'s own sysctl -a (networking/namespaces/<ns>/) is that namespace\'s sysctl', async () => {
  const dir = copyOf('healthy');
  const ns = 'sos_commands/networking/namespaces/nasos-c1';
  cpSync(path.join(dir, 'sos_commands/networking/ip_netns_exec_nasos-c1_ip_address_show'), path.join(dir, ns, 'ip_netns_exec_nasos-c1_ip_-d_address_show'));
  rmSync(path.join(dir, 'sos_commands/networking/ip_netns_exec_nasos-c1_ip_address_show'));
  write(dir, `${ns}/ip_netns_exec_nasos-c1_sysctl_-a`, 'net.ipv4.ip_forward = 0\nnet.ipv4.conf.all.rp_filter = 2\nnet.ipv4.conf.eth0.rp_filter = 2\n');
  const { snapshot } = await loadInput(dir);
  const c1 = snapshot.namespaces.find((n) => n.name === 'nasos-c1')!;
  expect(c1.sources['sysctl']).toMatchObject({ status: 'ok', command: 'ip netns exec nasos-c1 sysctl -a' });
  const model = buildHost(snapshot).namespaceByName.get('nasos-c1')!;
  expect(model.sysctl.entries.get('net.ipv4.conf.eth0.rp_filter')?.value).toBe('2');
});

describe('listening sockets from sos\'s socket listings', () => {
  const listeners = async (dir: string, ns = 'nasos-c1') => {
    const { snapshot } = await loadInput(dir);
    const model = buildHost(snapshot).namespaceByName.get(ns)!;
    return { source: snapshot.namespaces.find((n) => n.name === ns)!.sources['ss-tlnp']!, listeners: model.listeners.map((l) => `${l.localAddress}:${l.localPort} ${l.processes.map((p) => p.name).join(',')}`) };
  };
  const EXPECTED = ['192.0.2.10:80 busybox', '127.0.0.1:5432 python3', '*:8443 busybox'];

  it('ss -peaonmi, in the host and in each namespace', async () => {
    const dir = copyOf('healthy');
    cpSync(path.join(SS, 'ss-peaonmi.txt'), path.join(dir, 'sos_commands/networking/ip_netns_exec_nasos-c1_ss_-peaonmi'));
    cpSync(path.join(SS, 'ss-peaonmi.txt'), path.join(dir, 'sos_commands/networking/ss_-peaonmi'));
    const c1 = await listeners(dir);
    expect(c1.source).toMatchObject({ status: 'ok', format: 'ss-peaonmi', command: 'ip netns exec nasos-c1 ss -peaonmi' });
    expect(c1.listeners).toEqual(EXPECTED);
    expect((await listeners(dir, 'host')).listeners).toEqual(EXPECTED);
  });

  it('netstat -W -neopa where sos skipped ss (its diag modules not loaded), and the skip is not an error', async () => {
    const dir = copyOf('healthy');
    cpSync(path.join(SS, 'netstat-W-neopa.txt'), path.join(dir, 'sos_commands/networking/ip_netns_exec_nasos-c1_netstat_-W_-neopa'));
    const log = path.join(dir, 'sos_logs/sos.log');
    writeFileSync(log, `${readFileSync(log, 'utf8')}2026-12-07 15:52:48,101 WARNING: [plugin:networking] skipped command 'ip netns exec nasos-c1 ss -peaonmi': required kmods missing: tcp_diag, inet_diag.   Use '--allow-system-changes' to enable collection.\n`);
    const c1 = await listeners(dir);
    expect(c1.source).toMatchObject({ status: 'ok', format: 'netstat', command: 'ip netns exec nasos-c1 netstat -W -neopa' });
    // netstat prints the wildcard IPv6 address where ss prints `*`
    expect(c1.listeners).toEqual(['192.0.2.10:80 busybox', '127.0.0.1:5432 python3', ':::8443 busybox']);
  });

  it('without either, not collected with sos\'s reason', async () => {
    const dir = copyOf('healthy');
    const log = path.join(dir, 'sos_logs/sos.log');
    writeFileSync(log, `${readFileSync(log, 'utf8')}2026-12-07 15:52:48,101 WARNING: [plugin:networking] skipped command 'ss -peaonmi': required kmods missing: tcp_diag.   Use '--allow-system-changes' to enable collection.\n`);
    const { snapshot } = await loadInput(dir);
    expect(snapshot.namespaces[0]!.sources['ss-tlnp']).toMatchObject({ status: 'not-collected', reason: expect.stringMatching(/^sos skipped `ss -peaonmi`: required kmods missing: tcp_diag \(sos_logs\/sos\.log line \d+\)$/) });
  });

  it('a raw-output directory reads ss-peaonmi.txt and netstat.txt', async () => {
    for (const [file, from] of [['ss-peaonmi.txt', 'ss-peaonmi.txt'], ['netstat.txt', 'netstat-W-neopa.txt']]) {
      const dir = path.join(work, `raw-${file}`);
      mkdirSync(dir, { recursive: true });
      cpSync(path.join(SS, from!), path.join(dir, file!));
      const host = await listeners(dir, 'host');
      expect(host.source.command).toBe(file === 'netstat.txt' ? 'netstat -W -neopa' : 'ss -peaonmi');
      expect(host.listeners.map((l) => l.replace(/^(\*|::):/, 'any:'))).toEqual(EXPECTED.map((l) => l.replace(/^\*:/, 'any:')));
    }
  });
});

describe('UDP sockets from sos\'s socket listings: the same output read as ss -Hulnp, and UDP traces delivered', () => {
  const C1 = 'sos_commands/networking/ip_netns_exec_nasos-c1';
  interface TraceDoc {
    verdict: string;
    reason: string;
    steps: { namespace: string; stage: string; verdict: string; note: string; evidence: { source: string; line: number; text: string }[] }[];
  }
  const trace = async (dir: string, port: number): Promise<{ code: number; doc: TraceDoc }> => {
    const r = await cli(['trace', dir, '--from', 'netns:host', '--to', '172.18.0.2', '--proto', 'udp', '--dport', String(port), '--format', 'json']);
    expect(r.stderr).toBe('');
    return { code: r.code, doc: JSON.parse(r.stdout) as TraceDoc };
  };
  const delivery = (doc: TraceDoc) => doc.steps.find((s) => s.stage === 'local-delivery' && s.namespace === 'nasos-c1')!;
  const udpListeners = async (dir: string, ns = 'nasos-c1') => {
    const { snapshot } = await loadInput(dir);
    const model = buildHost(snapshot).namespaceByName.get(ns)!;
    return { source: snapshot.namespaces.find((n) => n.name === ns)!.sources['ss-ulnp']!, listeners: model.udpListeners.map((l) => `${l.localAddress}:${l.localPort} ${l.processes.map((p) => p.name).join(',')}`) };
  };
  const EXPECTED = ['0.0.0.0:53 python3', '0.0.0.0:68 python3', '127.0.0.1:323 python3', '0.0.0.0:4789 ', '::1:323 python3', ':::546 python3', '*:5353 python3'];
  const lineOf = (file: string, text: string): number => readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(text)) + 1;

  it('ss -peaonmi: stored for ss-ulnp in its own form, its bound UDP sockets read, in the host and in each namespace', async () => {
    const dir = copyOf('healthy');
    cpSync(path.join(SS, 'udp-ss-peaonmi.txt'), path.join(dir, `${C1}_ss_-peaonmi`));
    cpSync(path.join(SS, 'udp-ss-peaonmi.txt'), path.join(dir, 'sos_commands/networking/ss_-peaonmi'));
    const c1 = await udpListeners(dir);
    expect(c1.source).toMatchObject({ status: 'ok', format: 'ss-peaonmi', command: 'ip netns exec nasos-c1 ss -peaonmi' });
    expect(c1.source.stdout).toBe(readFileSync(path.join(SS, 'udp-ss-peaonmi.txt'), 'utf8'));
    expect(c1.listeners).toEqual(EXPECTED);
    expect((await udpListeners(dir, 'host')).listeners).toEqual(EXPECTED);
    // the TCP listener of the same output is ss-tlnp's, as before
    const { snapshot } = await loadInput(dir);
    expect(buildHost(snapshot).namespaceByName.get('nasos-c1')!.listeners.map((l) => `${l.localAddress}:${l.localPort}`)).toEqual(['0.0.0.0:22']);
  });

  it('a UDP trace to the DNS socket is delivered, quoting its ss -peaonmi line; a closed port is refused; an address-bound port is refused naming it', async () => {
    const dir = copyOf('healthy');
    const file = path.join(dir, `${C1}_ss_-peaonmi`);
    cpSync(path.join(SS, 'udp-ss-peaonmi.txt'), file);
    const dns = await trace(dir, 53);
    expect(`${dns.doc.verdict}: ${dns.doc.reason}`).toMatch(/^delivered: /);
    expect(dns.code).toBe(0);
    expect(delivery(dns.doc)).toMatchObject({ verdict: 'deliver', note: 'delivered to python3, listening on 0.0.0.0:53' });
    expect(delivery(dns.doc).evidence).toEqual([expect.objectContaining({ source: 'netns:nasos-c1/ss-ulnp', line: lineOf(file, '0.0.0.0:53 '), text: expect.stringMatching(/^udp\s+UNCONN\s+0\s+0\s+0\.0\.0\.0:53\s/) })]);

    const closed = await trace(dir, 5399);
    expect(closed.doc.verdict).toBe('dropped');
    expect(closed.code).toBe(1);
    expect(closed.doc.reason).toContain('no socket listens on UDP 172.18.0.2:5399 in namespace nasos-c1: the kernel answers with ICMP port unreachable');

    const loopback = await trace(dir, 323);
    expect(loopback.doc.verdict).toBe('dropped');
    expect(loopback.doc.reason).toContain('port 323 is listened on only at 127.0.0.1:323');

    // the socket connected to a peer (udp ESTAB 192.0.2.10:55000) takes no datagrams from others
    expect((await trace(dir, 55000)).doc.verdict).toBe('dropped');
    // the VXLAN device's socket is the kernel's: delivered, no process
    expect(delivery((await trace(dir, 4789)).doc).note).toBe('delivered to a UDP socket with no process shown, listening on 0.0.0.0:4789');
  });

  it('netstat -W -neopa where sos skipped ss: the same sockets, the same verdicts', async () => {
    const dir = copyOf('healthy');
    const file = path.join(dir, `${C1}_netstat_-W_-neopa`);
    cpSync(path.join(SS, 'udp-netstat-W-neopa.txt'), file);
    const log = path.join(dir, 'sos_logs/sos.log');
    writeFileSync(log, `${readFileSync(log, 'utf8')}2026-12-07 15:52:48,101 WARNING: [plugin:networking] skipped command 'ip netns exec nasos-c1 ss -peaonmi': required kmods missing: udp_diag, inet_diag.   Use '--allow-system-changes' to enable collection.\n`);
    const c1 = await udpListeners(dir);
    expect(c1.source).toMatchObject({ status: 'ok', format: 'netstat', command: 'ip netns exec nasos-c1 netstat -W -neopa' });
    // netstat prints no bound interface, and the wildcard IPv6 address where ss prints `*`
    expect(c1.listeners).toEqual(EXPECTED.map((l) => l.replace(/^\*:/, ':::')));
    const dns = await trace(dir, 53);
    expect(dns.doc.verdict).toBe('delivered');
    expect(delivery(dns.doc).evidence).toEqual([expect.objectContaining({ source: 'netns:nasos-c1/ss-ulnp', line: lineOf(file, '0.0.0.0:53 ') })]);
    expect((await trace(dir, 5399)).doc.verdict).toBe('dropped');
  });

  it('without either listing, the UDP sockets are not collected with sos\'s reason, and a UDP trace stays unknown', async () => {
    const dir = copyOf('healthy');
    const log = path.join(dir, 'sos_logs/sos.log');
    writeFileSync(log, `${readFileSync(log, 'utf8')}2026-12-07 15:52:48,101 WARNING: [plugin:networking] skipped command 'ip netns exec nasos-c1 ss -peaonmi': required kmods missing: udp_diag.   Use '--allow-system-changes' to enable collection.\n`);
    const c1 = await udpListeners(dir);
    expect(c1.source).toMatchObject({ status: 'not-collected', reason: expect.stringMatching(/^sos skipped `ip netns exec nasos-c1 ss -peaonmi`: required kmods missing: udp_diag \(sos_logs\/sos\.log line \d+\)$/) });
    const { doc, code } = await trace(dir, 53);
    expect(doc.verdict).toBe('unknown');
    expect(code).toBe(1);
    expect(doc.reason).toContain('its UDP sockets were not collected');
  });

  it('a raw-output directory reads ss-peaonmi.txt and netstat.txt for ss-ulnp too, and ss-ulnp.txt first where it is there', async () => {
    for (const [file, from] of [['ss-peaonmi.txt', 'udp-ss-peaonmi.txt'], ['netstat.txt', 'udp-netstat-W-neopa.txt']] as const) {
      const dir = path.join(work, `raw-udp-${file}`);
      mkdirSync(dir, { recursive: true });
      cpSync(path.join(SS, from), path.join(dir, file));
      const host = await udpListeners(dir, 'host');
      expect(host.source).toMatchObject({ status: 'ok', format: file === 'netstat.txt' ? 'netstat' : 'ss-peaonmi', command: file === 'netstat.txt' ? 'netstat -W -neopa' : 'ss -peaonmi' });
      const any = (l: string) => l.replace(/^(\*|::):/, 'any:');
      expect(host.listeners.map(any)).toEqual(EXPECTED.map(any));
    }
    const dir = path.join(work, 'raw-udp-both');
    mkdirSync(dir, { recursive: true });
    cpSync(path.join(SS, 'udp-ss-peaonmi.txt'), path.join(dir, 'ss-peaonmi.txt'));
    writeFileSync(path.join(dir, 'ss-ulnp.txt'), 'UNCONN 0      0           0.0.0.0:5353   0.0.0.0:* users:(("avahi-daemon",pid=700,fd=12))\n');
    const { snapshot } = await loadInput(dir);
    expect(snapshot.meta.notes).toContain(`${path.join(dir, 'ss-peaonmi.txt')}: ss-ulnp is read from ss-ulnp.txt, ignored`);
    expect((await udpListeners(dir, 'host')).listeners).toEqual(['0.0.0.0:5353 avahi-daemon']);
  });
});

describe('evidence from joined iptables -L listings names each listing\'s file and line', () => {
  it('sosreport: the file in the report, and its line holds the quoted text', async () => {
    const dir = path.join(FIXTURES, 'forward-drop');
    const all = await findings(dir);
    const quoted = all.flatMap((f) => f.evidence).filter((e) => e.source === 'iptables-save');
    expect(quoted.length).toBeGreaterThan(0);
    for (const e of quoted) {
      expect(e.origin?.file).toMatch(/^sos_commands\/networking\/iptables_(-vnxL|-t_\w+_-nvL)$/);
      const lines = readFileSync(path.join(dir, e.origin!.file), 'utf8').split('\n');
      expect(lines[e.origin!.line - 1]).toContain(e.text.trim().slice(0, 40));
    }
  });

  it('a listing its parser refuses is named with its file and line there, not only the joined text\'s', async () => {
    const dir = copyOf('forward-drop');
    const nat = path.join(dir, 'sos_commands/networking/iptables_-t_nat_-nvL');
    const lines = readFileSync(nat, 'utf8').split('\n');
    lines.splice(2, 0, 'Chain X garbage');
    writeFileSync(nat, lines.join('\n'));
    const r = await cli(['audit', dir, '--no-config']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/iptables-save: line \d+: bad chain line: Chain X garbage .*\[line 3 of sos_commands\/networking\/iptables_-t_nat_-nvL\]/);
  });

  it('sosreport directory: SARIF points at the report\'s own listing file and its line', async () => {
    const dir = path.join(FIXTURES, 'forward-drop');
    const sarif = await cli(['audit', dir, '-f', 'sarif', '--fail-on', 'none', '--no-config']);
    type Location = { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; snippet?: { text: string } } } };
    const log = JSON.parse(sarif.stdout) as { runs: { results: { locations: Location[]; relatedLocations?: Location[] }[] }[] };
    const listings = log.runs[0]!.results.flatMap((r) => [...r.locations, ...(r.relatedLocations ?? [])].map((l) => l.physicalLocation)).filter((l) => /sos_commands\/networking\/iptables_/.test(l.artifactLocation.uri));
    expect(listings.length).toBeGreaterThan(0);
    for (const l of listings) {
      const file = decodeURIComponent(l.artifactLocation.uri.replace(/^file:\/\//, ''));
      expect(readFileSync(file, 'utf8').split('\n')[l.region.startLine - 1]).toContain(l.region.snippet!.text);
    }
  });

  it('raw-output directory: text, JSON and SARIF name iptables-L-<table>.txt and the line in it', async () => {
    const sos = path.join(FIXTURES, 'forward-drop/sos_commands/networking');
    const dir = path.join(work, 'raw-listings');
    mkdirSync(dir, { recursive: true });
    cpSync(path.join(sos, 'iptables_-t_nat_-nvL'), path.join(dir, 'iptables-L-nat.txt'));
    cpSync(path.join(sos, 'iptables_-vnxL'), path.join(dir, 'iptables-L-filter.txt'));
    for (const f of ['ip_-s_-d_link', 'ip_-d_address', 'ip_route_show_table_all']) {
      const name = { 'ip_-s_-d_link': 'ip-link.txt', 'ip_-d_address': 'ip-addr.txt', ip_route_show_table_all: 'ip-route.txt' }[f]!;
      cpSync(path.join(sos, f), path.join(dir, name));
    }
    cpSync(path.join(FIXTURES, 'forward-drop/sos_commands/kernel/sysctl_-a'), path.join(dir, 'sysctl-a.txt'));
    const quoted = (await findings(dir)).flatMap((f) => f.evidence).filter((e) => e.source === 'iptables-save');
    expect(quoted.length).toBeGreaterThan(0);
    for (const e of quoted) {
      expect(['iptables-L-filter.txt', 'iptables-L-nat.txt']).toContain(e.origin?.file);
      expect(readFileSync(path.join(dir, e.origin!.file), 'utf8').split('\n')[e.origin!.line - 1]).toContain(e.text.trim().slice(0, 40));
    }
    const text = await cli(['audit', dir, '--fail-on', 'none', '--no-config']);
    expect(text.stdout).toMatch(/iptables-save:\d+ \(iptables-L-filter\.txt:\d+\)/);
    const sarif = await cli(['audit', dir, '-f', 'sarif', '--fail-on', 'none', '--no-config']);
    type Location = { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; snippet?: { text: string } } } };
    const log = JSON.parse(sarif.stdout) as { runs: { results: { locations: Location[]; relatedLocations?: Location[] }[] }[] };
    const locations = log.runs[0]!.results.flatMap((r) => [...r.locations, ...(r.relatedLocations ?? [])].map((l) => l.physicalLocation)).filter((l) => /iptables-L-/.test(l.artifactLocation.uri));
    expect(locations.length).toBeGreaterThan(0);
    for (const l of locations) {
      const file = l.artifactLocation.uri.endsWith('iptables-L-nat.txt') ? 'iptables-L-nat.txt' : 'iptables-L-filter.txt';
      expect(readFileSync(path.join(dir, file), 'utf8').split('\n')[l.region.startLine - 1]).toContain(l.region.snippet!.text);
    }
  });
});
