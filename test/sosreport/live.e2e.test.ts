/**
 * The live sosreport lab (root, Debian's `sos`): for each scenario, live.sh builds the lab host of lab.sh in
 * namespaces named after this process, runs the real `sos report -o networking,kernel` inside it and the
 * real collector beside it, and packs the sosreport as a .tar.xz. The audit of the sosreport directory and
 * of the archive must name the same host-level errors (rule id and subject) as the native snapshot, and
 * what the sosreport shows of the host must be what the native snapshot shows. Skipped, with the reason
 * printed, where sos, root or the lab's tools are missing. The container's UDP socket must be read from the
 * sosreport as the native snapshot's ss -Hulnp has it, and a UDP trace to it delivered there too. Once more with
 * sos's defaults (no --allow-system-changes): ss and iptables skipped, netstat read (TCP and UDP). About 12 s per
 * capture on a 2-CPU machine.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadInput } from '../../src/snapshot/load.js';
import { cli, PROJECT_ROOT } from '../cli/run.js';
import { cleanLeftovers } from '../e2e/lab.js';
import { CLI, ensureBuilt } from '../e2e/netaudit.js';
import { describeRun, run, runSync } from '../e2e/run.js';
import { labSupport } from '../e2e/support.js';

const HERE = path.join(PROJECT_ROOT, 'test/sosreport');
/** cleanLeftovers('sos') finds them again after a crashed run: `na` + tag + pid + `-role`. */
const LAB_PREFIX = `nasos${process.pid}`;
const LIVE_TIMEOUT_MS = 60_000;

function skipReason(): string | undefined {
  const support = labSupport();
  if (!support.ok) return support.reason;
  const missing = ['sos', 'unshare', 'tar', 'xz', 'busybox', 'python3'].filter((tool) => runSync(['sh', '-c', `command -v ${tool}`]).code !== 0);
  if (missing.length > 0) return `missing ${missing.join(', ')} (Debian: apt install sosreport util-linux tar xz-utils busybox python3)`;
  return undefined;
}

const skip = skipReason();
if (skip) console.warn(`SKIP live sosreport lab: ${skip}`);

interface Finding {
  ruleId: string;
  severity: string;
  subject: { kind: string; name: string; namespace: string };
}

/** The host namespace's errors, as `ruleId subject-kind:subject-name`, sorted and distinct. */
async function hostErrors(input: string): Promise<string[]> {
  const r = await cli(['audit', input, '-f', 'json', '--fail-on', 'none', '--no-config']);
  expect(r.code, r.stderr).toBe(0);
  const findings = (JSON.parse(r.stdout) as { findings: Finding[] }).findings;
  return [...new Set(findings.filter((f) => f.severity === 'error' && f.subject.namespace === 'host').map((f) => `${f.ruleId} ${f.subject.kind}:${f.subject.name}`))].sort();
}

interface Socket {
  address: string;
  port: number;
  processes: string[];
}

interface View {
  namespaces: { name: string; interfaces: { name: string; kind: string; addresses?: string[] }[]; veths: { name: string; peer: { unresolved: string } | { namespace: string; name: string } }[]; listeners: Socket[]; udpListeners: Socket[] }[];
}

const sockets = (list: Socket[]): string[] => list.map((l) => `${l.address}:${l.port} ${l.processes.join(',')}`).sort();

/** The verdict of a UDP trace from the host to the container's address. */
async function udpVerdict(input: string, port: number): Promise<string> {
  const r = await cli(['trace', input, '--from', 'netns:host', '--to', '172.18.0.2', '--proto', 'udp', '--dport', String(port), '--format', 'json']);
  expect(r.stderr).toBe('');
  const doc = JSON.parse(r.stdout) as { verdict: string; reason: string };
  return `${doc.verdict}: ${doc.reason}`;
}

async function show(input: string): Promise<View> {
  const r = await cli(['show', input, '-f', 'json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as View;
}

const work = skip ? '' : mkdtempSync(path.join(tmpdir(), 'netaudit-sos-live-'));

function labDown(): void {
  runSync(['sh', '-c', `. "${HERE}/lab.sh"; lab_down`], { env: { ...process.env, LAB_PREFIX } });
}

afterAll(() => {
  if (skip) return;
  labDown();
  rmSync(work, { recursive: true, force: true });
  const left = runSync(['ip', 'netns', 'list']).stdout.split('\n').filter((l) => l.startsWith(`${LAB_PREFIX}-`));
  expect(left, 'namespaces left behind').toEqual([]);
});

describe.skipIf(skip !== undefined)(`live sosreport lab${skip ? ` (skipped: ${skip})` : ''}`, () => {
  beforeAll(() => {
    const removed = cleanLeftovers('sos');
    if (removed.length > 0) console.warn(`live sosreport lab: deleted namespaces left by a crashed run: ${removed.join(', ')}`);
    ensureBuilt();
  });

  /** live.sh of one scenario into work/<name>: the sosreport directory's path. */
  async function capture(name: string, scenario: string, ...extra: string[]): Promise<string> {
    const out = path.join(work, name);
    const r = await run(['sh', path.join(HERE, 'live.sh'), scenario, out, CLI, ...extra], { timeoutMs: LIVE_TIMEOUT_MS, env: { ...process.env, LAB_PREFIX } });
    if (r.code !== 0) {
      labDown();
      throw new Error(`live.sh failed: ${describeRun(r)}`);
    }
    console.info(r.stderr.trim());
    const reports = readdirSync(path.join(out, 'sos')).filter((n) => n.startsWith('sosreport-'));
    expect(reports).toHaveLength(1);
    return path.join(out, 'sos', reports[0]!);
  }

  describe.each([
    { scenario: 'healthy', expected: [] as string[] },
    { scenario: 'forward-drop', expected: ['docker-chains-missing bridge:docker0'] },
  ])('$scenario', ({ scenario, expected }) => {
    const out = path.join(work, scenario);
    let directory = '';

    beforeAll(async () => {
      directory = await capture(scenario, scenario);
    }, LIVE_TIMEOUT_MS + 10_000);

    it('the native snapshot names the scenario\'s host errors', async () => {
      expect(await hostErrors(path.join(out, 'native.json'))).toEqual(expected);
    });

    it('the sosreport directory names the same host errors as the native snapshot', async () => {
      expect(await hostErrors(directory)).toEqual(await hostErrors(path.join(out, 'native.json')));
    });

    it('the sosreport .tar.xz names the same host errors as the native snapshot', async () => {
      expect(await hostErrors(path.join(out, 'sosreport.tar.xz'))).toEqual(await hostErrors(path.join(out, 'native.json')));
    });

    it('the sosreport shows the interfaces, veth pairs and listening sockets of the host and the container as the native snapshot does', async () => {
      const native = await show(path.join(out, 'native.json'));
      const sos = await show(directory);
      const summary = (v: View) =>
        v.namespaces.map((n) => ({
          namespace: n.name,
          interfaces: n.interfaces.map((i) => `${i.name} ${i.kind} ${(i.addresses ?? []).join(',')}`).sort(),
          // an unresolved peer's reason names its namespace as each source does (id, or ip's name for it)
          veths: n.veths.map((e) => `${e.name} → ${'unresolved' in e.peer ? 'unresolved' : `${e.peer.namespace}/${e.peer.name}`}`).sort(),
          listeners: sockets(n.listeners),
          udpListeners: sockets(n.udpListeners),
        }));
      expect(sos.namespaces.map((n) => n.name)).toEqual(['host', `${LAB_PREFIX}-c1`]);
      expect(summary(sos)).toEqual(summary(native));
      // the container's web server, from `ip netns exec ... ss -peaonmi` in the sosreport
      expect(summary(sos)[1]!.listeners).toEqual([expect.stringMatching(/^172\.18\.0\.2:80 busybox\(\d+\)$/)]);
      // and its DNS socket, from the udp lines of the same ss -peaonmi
      expect(summary(sos)[1]!.udpListeners).toEqual([expect.stringMatching(/^0\.0\.0\.0:53 python3\(\d+\)$/)]);
    });

    it('a UDP trace to the container\'s DNS socket is delivered, and to a closed port refused, as on the native snapshot', async () => {
      for (const input of [directory, path.join(out, 'native.json')]) {
        expect(await udpVerdict(input, 53)).toMatch(/^delivered: delivered to python3 in namespace /);
        expect(await udpVerdict(input, 5399)).toMatch(/^dropped: .*no socket listens on UDP 172\.18\.0\.2:5399 .*ICMP port unreachable/);
      }
    });
  });

  describe('forward-drop, sos without --allow-system-changes (its default)', () => {
    const out = path.join(work, 'default');
    let directory = '';

    beforeAll(async () => {
      directory = await capture('default', 'forward-drop', 'no-system-changes');
    }, LIVE_TIMEOUT_MS + 10_000);

    it('the listening sockets come from netstat where sos skipped ss, as the native snapshot has them', async () => {
      const listeners = (v: View) => v.namespaces.map((n) => ({ tcp: sockets(n.listeners), udp: sockets(n.udpListeners) }));
      const { snapshot } = await loadInput(directory);
      const c1 = snapshot.namespaces.find((n) => n.name === `${LAB_PREFIX}-c1`)!;
      expect(c1.sources['ss-tlnp']).toMatchObject({ status: 'ok', format: 'netstat' });
      expect(c1.sources['ss-ulnp']).toMatchObject({ status: 'ok', format: 'netstat' });
      const sos = listeners(await show(directory));
      expect(sos).toEqual(listeners(await show(path.join(out, 'native.json'))));
      expect(sos[1]).toEqual({ tcp: [expect.stringMatching(/^172\.18\.0\.2:80 busybox\(\d+\)$/)], udp: [expect.stringMatching(/^0\.0\.0\.0:53 python3\(\d+\)$/)] });
      // the socket is found; the host's iptables (skipped by sos here) leaves the verdict unknown, never a guess
      expect(await udpVerdict(directory, 53)).toMatch(/^unknown: .*probably delivered to python3 in namespace .*iptables-save of namespace host is not-collected/);
    });

    it('iptables is not collected, with sos\'s reason, and the rules that need it are skipped, never passed', async () => {
      const { snapshot } = await loadInput(directory);
      expect(snapshot.namespaces[0]!.sources['iptables-save']).toMatchObject({ status: 'not-collected', reason: expect.stringMatching(/^sos skipped `iptables [^`]+`: required kmods missing: .*\(sos_logs\/sos\.log line \d+\)$/) });
      const r = await cli(['audit', directory, '-f', 'json', '--fail-on', 'none', '--no-config']);
      const report = JSON.parse(r.stdout) as { skipped: { ruleId: string; reason: string }[] };
      expect(report.skipped).toContainEqual({ ruleId: 'docker-chains-missing', reason: expect.stringMatching(/iptables-save not collected \(sos skipped/) });
      expect(await hostErrors(directory)).toEqual([]);
    });
  });
});
