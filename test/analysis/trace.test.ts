/**
 * netaudit trace on the bundled example (a Docker host whose uplink has net.ipv4.conf.eth0.forwarding=0 while
 * net.ipv4.ip_forward=1): the classic dead published port, step by step, in text and JSON (validated against
 * the published schema), with its exit codes and usage errors. The kernel agreement is in test/e2e.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { trace } from '../../src/analysis/path/trace.js';
import { buildHost } from '../../src/model/build.js';
import { formatTraceJson } from '../../src/report/trace.js';
import { loadInput } from '../../src/snapshot/load.js';
import { cli, PROJECT_ROOT } from '../cli/run.js';

const EXAMPLE = path.join(PROJECT_ROOT, 'fixtures/example/snapshot.json');
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'schemas/trace.schema.json'), 'utf8')) as object);

interface TraceJson {
  verdict: string;
  reason: string;
  steps: { namespace: string; stage: string; verdict: string; note: string; rule?: string; evidence: { source: string; line: number; text: string }[] }[];
  reply?: { verdict: string; steps: TraceJson['steps'] };
  cause?: { ruleId: string; message: string; remediation: string };
}

async function traceJson(args: string[]): Promise<{ code: number; doc: TraceJson; stderr: string }> {
  const run = await cli(['trace', EXAMPLE, '--format', 'json', ...args]);
  const doc = JSON.parse(run.stdout) as TraceJson;
  expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
  return { code: run.code, doc, stderr: run.stderr };
}

describe('netaudit trace on the example host', () => {
  it('a container reaching the internet: the request is masqueraded out, the reply dies on eth0 forwarding=0', async () => {
    const { code, doc } = await traceJson(['--from', 'netns:web', '--to', '198.51.100.7', '--dport', '80']);
    expect(code).toBe(1);
    expect(doc.verdict).toBe('dropped');
    const masquerade = doc.steps.find((s) => s.stage === 'postrouting');
    expect(masquerade).toMatchObject({ namespace: 'host', verdict: 'snat', rule: 'POSTROUTING:1' });
    expect(masquerade?.evidence[0]).toMatchObject({ source: 'iptables-save', line: 33 });
    expect(doc.steps.at(-1)).toMatchObject({ stage: 'egress', verdict: 'leave' });
    const drop = doc.reply?.steps.at(-1);
    expect(drop).toMatchObject({ namespace: 'host', stage: 'sysctl', verdict: 'drop' });
    expect(drop?.evidence).toEqual([{ source: 'sysctl', line: 328, text: 'net.ipv4.conf.eth0.forwarding = 0' }]);
    expect(doc.reason).toMatch(/the reply is dropped: net\.ipv4\.conf\.eth0\.forwarding = 0/);
    // The audit's finding that quotes the same sysctl line names the cause and the fix.
    expect(doc.cause).toMatchObject({ ruleId: 'iface-forwarding-disabled', remediation: expect.stringContaining('sysctl -w net.ipv4.conf.<if>.forwarding=1') });
  });

  it('--one-way follows the request alone: delivered out of the host, exit 0', async () => {
    const { code, doc } = await traceJson(['--from', 'netns:web', '--to', '198.51.100.7', '--dport', '80', '--one-way']);
    expect(code).toBe(0);
    expect(doc.verdict).toBe('delivered');
    expect(doc.reply).toBeUndefined();
    expect(doc.cause).toBeUndefined();
  });

  it('the published port from outside: DNATed in PREROUTING, then dropped arriving on eth0', async () => {
    const { doc } = await traceJson(['--from', '198.51.100.7', '--to', '192.0.2.10', '--dport', '8080']);
    expect(doc.verdict).toBe('dropped');
    const dnat = doc.steps.find((s) => s.verdict === 'dnat');
    expect(dnat).toMatchObject({ namespace: 'host', stage: 'prerouting' });
    expect(dnat?.evidence.at(-1)).toMatchObject({ source: 'iptables-save', line: 35 });
    expect(doc.steps.at(-1)).toMatchObject({ stage: 'sysctl', verdict: 'drop' });
  });

  it('container to container across the bridge, and its reply: delivered to the listener or refused', async () => {
    const { doc } = await traceJson(['--from', 'netns:web', '--to', 'netns:db', '--proto', 'icmp']);
    expect(doc.verdict).toBe('delivered');
    expect(doc.steps.map((s) => s.stage)).toContain('bridge');
    expect(doc.reply?.verdict).toBe('delivered');
  });

  it('prints one line per step, marking the step that drops, and the verdict', async () => {
    const run = await cli(['trace', EXAMPLE, '--from', 'netns:web', '--to', '198.51.100.7', '--dport', '80']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^ {2}DROP {4}host +sysctl +net\.ipv4\.conf\.eth0\.forwarding = 0/m);
    expect(run.stdout).toMatch(/^ {11}sysctl:328 {2}net\.ipv4\.conf\.eth0\.forwarding = 0$/m);
    expect(run.stdout).toMatch(/MASQUERADE {2}now tcp 192\.0\.2\.10:40000 > 198\.51\.100\.7:80/);
    const tail = run.stdout.trimEnd().split('\n').slice(-3);
    expect(tail[0]).toMatch(/^verdict: DROPPED: the reply is dropped/);
    expect(tail[1]).toMatch(/^cause: iface-forwarding-disabled: net\.ipv4\.conf\.eth0\.forwarding is 0/);
    expect(tail[2]).toMatch(/^fix: Enable it on the interface/);
  });

  it('refuses what it cannot ask: exit 2, the message first, nothing on stdout', async () => {
    const cases: [string[], RegExp][] = [
      [['--from', 'netns:nosuch', '--to', '198.51.100.7'], /no namespace nosuch in the snapshot \(it holds: host, web, db\)/],
      [['--from', '2001:db8::1', '--to', '198.51.100.7'], /not of one address family/],
      [['--from', 'netns:web', '--to', 'nonsense'], /--to nonsense: expected an address or netns:NAME/],
      [['--from', 'netns:web', '--to', '198.51.100.7', '--proto', 'icmp', '--dport', '80'], /--dport goes with --proto tcp or udp/],
      [['--from', 'netns:web', '--to', '198.51.100.7', '--proto', 'tcp'], /--dport is needed for tcp/],
      [['--from', '198.51.100.7', '--to', '192.0.2.10', '--in', 'wlan9', '--dport', '80'], /--in wlan9: the host has no such interface/],
      [['--from', 'netns:web', '--to', '198.51.100.7', '--dport', '99999'], /expected a port number/],
    ];
    for (const [args, message] of cases) {
      const run = await cli(['trace', EXAMPLE, ...args]);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stdout).toBe('');
      // The message first (commander's own usage errors add the command's help after it).
      expect(run.stderr.split('\n')[0]).toMatch(message);
    }
  });

  it('never throws, and always ends in a verdict the schema accepts, for any packet between any endpoints', async () => {
    const host = buildHost((await loadInput(EXAMPLE)).snapshot);
    const endpoint = fc.oneof(
      fc.constantFrom('netns:host', 'netns:web', 'netns:db', '192.0.2.10', '172.17.0.2', '172.17.0.9', '172.17.0.1', '127.0.0.1', '10.1.2.3'),
      fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.')),
    );
    const query = fc.record({
      from: endpoint,
      to: endpoint,
      protocol: fc.constantFrom('tcp' as const, 'udp' as const, 'icmp' as const),
      dport: fc.integer({ min: 1, max: 65535 }),
      oneWay: fc.boolean(),
    });
    fc.assert(
      fc.property(query, (q) => {
        let result;
        try {
          result = trace(host, q.protocol === 'icmp' ? { from: q.from, to: q.to, protocol: 'icmp', oneWay: q.oneWay } : q);
        } catch (err) {
          // Only a query error: an endpoint the host cannot place.
          expect((err as Error).name).toBe('Error');
          expect((err as Error).message).toMatch(/route towards|not of one address family|no such interface|no global address/);
          return;
        }
        const doc = JSON.parse(formatTraceJson(result, 'example')) as TraceJson;
        expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
        const last = (doc.reply ?? doc).steps.at(-1);
        if (doc.verdict === 'dropped') expect(['drop', 'refused']).toContain(last?.verdict);
      }),
      { numRuns: 300 },
    );
  });
});
