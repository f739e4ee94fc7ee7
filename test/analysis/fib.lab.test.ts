/**
 * The routing decision against the kernel's: a namespace with policy rules (from, to, iif, fwmark, not,
 * goto, nop, suppress_prefixlength, blackhole/unreachable/prohibit) and routes in several tables (throw,
 * blackhole, unreachable, equal prefixes by metric, the local table), then for each packet `ip route get`
 * and the model's Fib built from `ip -j route show table all` and `ip -j rule` of the same namespace must
 * give the same answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fib, lookupError, type FibDecision, type FibQuery } from '../../src/analysis/path/fib.js';
import { parseAddress } from '../../src/model/net.js';
import { buildPolicyRules } from '../../src/model/policy-rules.js';
import { buildRoutes } from '../../src/model/routes.js';
import { parseIpRoute } from '../../src/parse/ip-json.js';
import { parseIpRule } from '../../src/parse/ip-rule.js';
import { describeRun, inNetns, must, runSync } from '../e2e/run.js';
import { labSupport, warnIfUnsupported } from '../e2e/support.js';

const support = labSupport();
warnIfUnsupported('routing decision against ip route get', support);
const NS = `nal-fib${process.pid}`;

const SETUP = [
  // veth pairs stand in for uplinks: both ends here, so each end has carrier (no dummy module in containers).
  'link add d0 type veth peer name p0', 'link add d1 type veth peer name p1',
  'link set lo up', 'link set p0 up', 'link set p1 up', 'link set d0 up', 'link set d1 up',
  'addr add 10.10.0.1/24 dev d0', 'addr add 10.20.0.1/24 dev d1',
  'route add default via 10.10.0.254 dev d0',
  'route add 192.0.2.128/25 dev d1 metric 50', 'route add 192.0.2.128/25 dev d0 metric 10',
  'route add 203.0.113.0/24 via 10.10.0.253 dev d0',
  'route add default via 10.20.0.254 dev d1 table 100', 'route add blackhole 198.51.100.0/24 table 100',
  'route add throw 203.0.113.0/24 table 200', 'route add unreachable 192.0.2.0/26 table 200', 'route add 192.0.2.0/24 dev d1 table 200',
  'route add prohibit 100.64.0.0/10 table 300',
  'rule add from 10.20.0.0/24 lookup 100 prio 100',
  'rule add fwmark 0x1/0xff lookup 200 prio 110',
  'rule add to 198.18.0.0/15 prohibit prio 120',
  'rule add not to 172.16.0.0/12 iif d1 goto 300 prio 130',
  'rule add to 172.31.0.0/16 blackhole prio 140',
  'rule add to 172.30.0.0/16 unreachable prio 150',
  'rule add nop prio 200',
  'rule add fwmark 0x2 lookup main suppress_prefixlength 0 prio 210',
  'rule add fwmark 0x2 blackhole prio 220',
  'rule add lookup 300 prio 300',
];

function fibOf(): Fib {
  const routes = must(runSync(inNetns(NS, ['ip', '-j', 'route', 'show', 'table', 'all']))).stdout;
  const rules = must(runSync(inNetns(NS, ['ip', '-j', 'rule', 'show']))).stdout;
  const parsedRoutes = parseIpRoute({ source: 'ip-route', text: routes }, 4);
  const parsedRules = parseIpRule({ source: 'ip-rule', text: rules }, 4);
  expect(parsedRules.notes).toEqual([]);
  return new Fib(4, buildRoutes(parsedRoutes.value, 'ip-route'), buildPolicyRules(parsedRules.value, 4, 'ip-rule'));
}

interface Probe {
  dst: string;
  from?: string;
  iif?: string;
  mark?: number;
}

/** What both sides are compared on: the route's type, device and gateway, or the error of the lookup. */
function kernelAnswer(p: Probe): string {
  const argv = ['ip', '-j', 'route', 'get', p.dst];
  if (p.from) argv.push('from', p.from);
  if (p.iif) argv.push('iif', p.iif);
  if (p.mark !== undefined) argv.push('mark', `0x${p.mark.toString(16)}`);
  const r = runSync(inNetns(NS, argv));
  if (r.code !== 0) {
    const error = /RTNETLINK answers: (.+)$/m.exec(r.stderr)?.[1];
    if (error === undefined) throw new Error(`ip route get ${p.dst}: ${describeRun(r)}`);
    return error.trim();
  }
  const [route] = JSON.parse(r.stdout) as { type?: string; dev?: string; gateway?: string }[];
  return `${route?.type ?? 'unicast'} dev ${route?.dev} via ${route?.gateway ?? 'on-link'}`;
}

function modelAnswer(fib: Fib, p: Probe): string {
  const query: FibQuery = { family: 4, dst: address(p.dst), iif: p.iif ?? 'lo', mark: p.mark ?? 0 };
  if (p.from) query.src = address(p.from);
  const decision: FibDecision = fib.decide(query);
  switch (decision.outcome) {
    case 'route': {
      const r = decision.route;
      const dev = r.dev ?? r.nexthops[0]?.dev;
      return `${r.type} dev ${r.type === 'local' ? 'lo' : dev} via ${r.gateway ?? 'on-link'}`;
    }
    case 'refused':
    case 'no-route':
      return lookupError(decision) as string;
    case 'unknown':
      return `unknown: ${decision.reason}`;
  }
}

function address(text: string): bigint {
  const parsed = parseAddress(text);
  if (!parsed) throw new Error(`not an address: ${text}`);
  return parsed.value;
}

/** Locally sent packets (iif lo): the kernel answers with the route or the lookup's error. */
const LOCAL_PROBES: Probe[] = [
  { dst: '8.8.8.8' },
  { dst: '10.10.0.1' },
  { dst: '10.20.0.77' },
  { dst: '8.8.8.8', from: '10.20.0.1' },
  { dst: '198.51.100.9', from: '10.20.0.1' },
  { dst: '192.0.2.200' },
  { dst: '192.0.2.5', mark: 1 },
  { dst: '192.0.2.100', mark: 1 },
  { dst: '203.0.113.7', mark: 1 },
  { dst: '203.0.113.7', mark: 0x101 },
  { dst: '198.19.1.1' },
  { dst: '172.31.4.4' },
  { dst: '172.30.4.4' },
  { dst: '8.8.8.8', mark: 2 },
  { dst: '10.10.0.9', mark: 2 },
  { dst: '100.64.1.1' },
];

/** Forwarded packets: the lookup for a packet arriving on d1. */
const FORWARDED_PROBES: Probe[] = [
  { dst: '8.8.8.8', from: '10.20.0.5', iif: 'd1' },
  { dst: '100.64.1.1', from: '10.20.0.5', iif: 'd1' },
  { dst: '100.64.1.1', from: '192.0.2.200', iif: 'd1' },
  { dst: '172.16.1.1', from: '192.0.2.200', iif: 'd1' },
  { dst: '10.10.0.1', from: '10.20.0.5', iif: 'd1' },
  { dst: '172.31.4.4', from: '192.0.2.200', iif: 'd1' },
  { dst: '172.30.4.4', from: '192.0.2.200', iif: 'd1' },
  { dst: '172.29.4.4', from: '192.0.2.200', iif: 'd1' },
];

describe.skipIf(!support.ok)('the routing decision, against ip route get on a real kernel', () => {
  let fib: Fib;

  beforeAll(() => {
    runSync(['ip', 'netns', 'del', NS]);
    must(runSync(['ip', 'netns', 'add', NS]));
    for (const key of ['net.ipv4.ip_forward=1', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0']) {
      must(runSync(inNetns(NS, ['sysctl', '-qw', key])));
    }
    for (const line of SETUP) must(runSync(['ip', '-n', NS, ...line.split(' ')]));
    for (const dev of ['d0', 'd1']) must(runSync(inNetns(NS, ['sysctl', '-qw', `net.ipv4.conf.${dev}.rp_filter=0`])));
    fib = fibOf();
  });

  afterAll(() => {
    runSync(['ip', 'netns', 'del', NS]);
  });

  it.each(LOCAL_PROBES)('sent locally: $dst from $from mark $mark', (probe) => {
    expect(modelAnswer(fib, probe)).toBe(kernelAnswer(probe));
  });

  it.each(FORWARDED_PROBES)('forwarded: $dst from $from in $iif', (probe) => {
    expect(modelAnswer(fib, probe)).toBe(kernelAnswer(probe));
  });

  it('says unknown, naming the rule, when the packet\'s mark is not known and a rule selects on it', () => {
    const decision = fib.decide({ family: 4, dst: address('8.8.8.8'), iif: 'lo' });
    expect(decision.outcome).toBe('unknown');
    expect(decision.outcome === 'unknown' && decision.reason).toBe("policy rule 110 selects on fwmark, and the packet's mark is not known");
  });
});
