/**
 * `netaudit trace` asked about the packets of the lab's probes: for each probe, the trace query that sends
 * the same packet, and the check that the trace's verdict is the kernel's (delivered when the probe got
 * its answer, dropped when it did not; unknown is a failure: the snapshot holds everything the lab does).
 */
import { expect } from 'vitest';
import type { Lab } from './lab.js';
import { netaudit } from './netaudit.js';
import { PROBES, type ProbeName, type ProbeResult } from './probes.js';
import { TOPOLOGY as T } from './topology.js';

/** The trace flags that send a probe's packet; the internet namespace is not collected, so it is outside. */
export function traceArgs(lab: Lab, probe: ProbeName): string[] {
  const c1 = `netns:${lab.ns.c1}`;
  switch (probe) {
    case 'c1PingInternet':
      return ['--from', c1, '--to', T.remoteAddress];
    case 'c1TcpInternet':
      return ['--from', c1, '--to', T.remoteAddress, '--dport', String(T.serverPort)];
    case 'c2PingInternet':
      return ['--from', `netns:${lab.ns.c2}`, '--to', T.remoteAddress];
    case 'publishedPort':
      return ['--from', T.internetAddress, '--to', T.hostUplinkAddress, '--dport', String(T.publishedPort)];
    case 'c1TcpC2':
      return ['--from', c1, '--to', T.containers.c2.address, '--dport', String(T.serverPort)];
  }
}

export interface TraceRun {
  verdict: string;
  reason: string;
  code: number;
}

export function traceProbe(snapshot: string, lab: Lab, probe: ProbeName): TraceRun {
  const run = netaudit(['trace', snapshot, ...traceArgs(lab, probe), '--format', 'json']);
  expect(run.stderr, `trace of ${PROBES[probe].what}`).toBe('');
  const doc = JSON.parse(run.stdout) as { schema: string; verdict: string; reason: string };
  expect(doc.schema).toBe('netaudit/trace@1');
  return { verdict: doc.verdict, reason: doc.reason, code: run.code ?? -1 };
}

/** Every probe's trace agrees with the kernel: the verdict, and the exit code that goes with it. */
export function expectTracesAgree(snapshot: string, lab: Lab, results: Map<ProbeName, ProbeResult>, when: string): void {
  for (const [probe, result] of results) {
    const traced = traceProbe(snapshot, lab, probe);
    const kernel = result.ok ? 'delivered' : 'dropped';
    expect(`${traced.verdict}: ${traced.reason}`, `trace of ${PROBES[probe].what} when ${when} (the kernel: ${result.detail})`).toMatch(new RegExp(`^${kernel}: `));
    expect(traced.code).toBe(result.ok ? 0 : 1);
  }
}
