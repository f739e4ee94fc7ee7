/**
 * A Docker host on Docker's nftables firewall backend (Docker 29: `table ip docker-bridges`, no iptables
 * chains of its own): the rules that used to read iptables alone raise no false error there, and still
 * report the fault when the nftables table lacks the masquerade.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, DOCKER_HOST, PROJECT_ROOT } from '../cli/run.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'netaudit-nft-backend-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const DOCKER_NFT = readFileSync(path.join(PROJECT_ROOT, 'test/parse/fixtures/nft/docker-bridges.nft'), 'utf8');
/** iptables-save on such a host: the nf_tables backend's empty default tables. */
const EMPTY_IPTABLES = ['*filter', ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', 'COMMIT', '*nat', ':PREROUTING ACCEPT [0:0]', ':INPUT ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':POSTROUTING ACCEPT [0:0]', 'COMMIT', ''].join('\n');

function host(name: string, nft: string, iptables = EMPTY_IPTABLES): string {
  const dir = path.join(tmp, name);
  cpSync(DOCKER_HOST, dir, { recursive: true });
  writeFileSync(path.join(dir, 'iptables-save.txt'), iptables);
  writeFileSync(path.join(dir, 'nft-ruleset.txt'), nft);
  return dir;
}

interface Report {
  findings: { ruleId: string; severity: string; subject: { name: string }; evidence: { source: string; text: string }[] }[];
}

async function audit(dir: string): Promise<Report> {
  const run = await cli(['audit', dir, '-f', 'json', '--fail-on', 'none']);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as Report;
}

describe("Docker's nftables backend", () => {
  it('healthy: no docker-chains-missing, no masquerade-missing, no path error', async () => {
    const report = await audit(host('healthy', DOCKER_NFT));
    const errors = report.findings.filter((f) => f.severity === 'error').map((f) => `${f.ruleId} ${f.subject.name}`);
    expect(errors).toEqual([]);
  });

  it('without the masquerade of its nat table: masquerade-missing on the subnet', async () => {
    const broken = DOCKER_NFT.split('\n').filter((l) => !l.includes('masquerade')).join('\n');
    const report = await audit(host('no-masquerade', broken));
    expect(report.findings.map((f) => `${f.ruleId} ${f.subject.name}`)).toContain('masquerade-missing docker0:172.17.0.0/16');
  });

  it("an iptables FORWARD policy DROP left beside it: the subnet's accept is overridden, the published port (from the nft DNAT) dropped", async () => {
    const report = await audit(host('forward-drop', DOCKER_NFT, EMPTY_IPTABLES.replace(':FORWARD ACCEPT', ':FORWARD DROP')));
    const found = report.findings.map((f) => `${f.ruleId} ${f.subject.name}`);
    expect(found).toContain('forward-accept-overridden docker0:172.17.0.0/16');
    expect(found).toContain('published-port-dropped tcp/8080->172.17.0.2:80');
    const overridden = report.findings.find((f) => f.ruleId === 'forward-accept-overridden')!;
    expect(overridden.evidence.map((e) => e.source)).toEqual(expect.arrayContaining(['iptables-save', 'nft-ruleset']));
    expect(overridden.evidence.find((e) => e.source === 'iptables-save')?.text).toMatch(/^:FORWARD DROP/);
    const port = report.findings.find((f) => f.ruleId === 'published-port-dropped')!;
    expect(port.evidence.some((e) => e.source === 'nft-ruleset' && /dnat to 172\.17\.0\.2:80/.test(e.text))).toBe(true);
  });

  it('a sosreport-like host (iptables -L of the filter table only, the nat table only in nft text): the nat table is evaluated from nft', async () => {
    const IPTABLES_NFT = readFileSync(path.join(PROJECT_ROOT, 'test/parse/fixtures/nft/iptables-nft.nft-a.txt'), 'utf8');
    const listing = ['Chain INPUT (policy ACCEPT 0 packets, 0 bytes)', ' pkts bytes target     prot opt in     out     source               destination', '',
      'Chain FORWARD (policy DROP 0 packets, 0 bytes)', ' pkts bytes target     prot opt in     out     source               destination',
      '    0     0 ACCEPT     all  --  docker0 !docker0  0.0.0.0/0            0.0.0.0/0', '    0     0 ACCEPT     all  --  *      *       0.0.0.0/0            0.0.0.0/0            ctstate RELATED,ESTABLISHED', '',
      'Chain OUTPUT (policy ACCEPT 0 packets, 0 bytes)', ' pkts bytes target     prot opt in     out     source               destination', ''].join('\n');
    const dir = host('sosreport-like', IPTABLES_NFT);
    rmSync(path.join(dir, 'iptables-save.txt'));
    writeFileSync(path.join(dir, 'iptables-L-filter.txt'), listing);
    const found = (await audit(dir)).findings.map((f) => `${f.ruleId} ${f.subject.name}`);
    expect(found).not.toContain('masquerade-missing docker0:172.17.0.0/16');
    const broken = host('sosreport-like-no-masquerade', IPTABLES_NFT.split('\n').filter((l) => !l.includes('masquerade')).join('\n'));
    rmSync(path.join(broken, 'iptables-save.txt'));
    writeFileSync(path.join(broken, 'iptables-L-filter.txt'), listing);
    // The listing has no DOCKER chains: docker-chains-missing fires there and suppresses masquerade-missing; disabled to see it.
    const run = await cli(['audit', broken, '-f', 'json', '--fail-on', 'none', '--disable', 'docker-chains-missing']);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.findings.map((f) => `${f.ruleId} ${f.subject.name}`)).toContain('masquerade-missing docker0:172.17.0.0/16');
    const again = await cli(['audit', dir, '-f', 'json', '--fail-on', 'none', '--disable', 'docker-chains-missing']);
    expect((JSON.parse(again.stdout) as Report).findings.map((f) => f.ruleId)).not.toContain('masquerade-missing');
  });

  it('a trace of the container subnet to the internet is masqueraded by the nft chain', async () => {
    const run = await cli(['trace', host('trace', DOCKER_NFT), '--from', '172.17.0.2', '--in', 'docker0', '--to', '203.0.113.1', '--dport', '443', '--one-way', '-f', 'json']);
    const doc = JSON.parse(run.stdout) as { verdict: string; steps: { table?: string; verdict: string; evidence: { source: string; text: string }[] }[] };
    const snat = doc.steps.find((s) => s.verdict === 'snat');
    expect(snat?.table).toBe('nftables ip docker-bridges');
    expect(snat?.evidence.at(-1)?.source).toBe('nft-ruleset');
    expect(snat?.evidence.at(-1)?.text).toMatch(/masquerade/);
  });
});
