import { describe, expect, it } from 'vitest';
import { parseCidr, type Cidr } from '../../src/model/net.js';
import { reachableChains, walkHook, type PacketClass } from '../../src/analysis/netfilter/index.js';
import { DOCKER_27, DOCKER_28, rulesetOf } from './hosts.js';

function cidr(text: string): Cidr {
  const c = parseCidr(text);
  if (!c) throw new Error(text);
  return c;
}

const published: PacketClass = {
  family: 4,
  in: { name: 'eth0' },
  out: { name: 'docker0' },
  src: { internet: true },
  dst: { cidr: cidr('172.17.0.2/32') },
  dstLocal: false,
  protocol: 'tcp',
  dport: 80,
  state: 'NEW',
  dnat: true,
};

const outbound: PacketClass = {
  family: 4,
  in: { name: 'docker0' },
  out: { name: 'eth0' },
  src: { cidr: cidr('172.17.0.0/16') },
  dst: { internet: true },
  protocol: 'tcp',
  dport: 443,
  state: 'NEW',
};

const texts = (rules: { text: string }[]): string[] => rules.map((r) => r.text.replace(/^\[\d+:\d+\] /, ''));

describe('walking Docker rulesets', () => {
  it('Docker 27: a published port is accepted by the DOCKER chain, the path is the evidence', () => {
    const w = walkHook(rulesetOf(DOCKER_27), 'filter', 'FORWARD', published);
    expect(w.decision.verdict).toBe('ACCEPT');
    expect(w.certain).toBe(true);
    expect(texts(w.decision.path)).toEqual([
      '-A FORWARD -o docker0 -j DOCKER',
      '-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT',
    ]);
    expect([...w.enteredChains].sort()).toEqual(['DOCKER', 'DOCKER-ISOLATION-STAGE-1', 'DOCKER-USER']);
  });

  it('Docker 28: through DOCKER-FORWARD → DOCKER-BRIDGE → DOCKER; another port hits the bridge drop', () => {
    const rs = rulesetOf(DOCKER_28);
    const ok = walkHook(rs, 'filter', 'FORWARD', published);
    expect(texts(ok.decision.path)).toEqual([
      '-A FORWARD -j DOCKER-FORWARD',
      '-A DOCKER-FORWARD -j DOCKER-BRIDGE',
      '-A DOCKER-BRIDGE -o docker0 -j DOCKER',
      '-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT',
    ]);
    const other = walkHook(rs, 'filter', 'FORWARD', { ...published, dport: 81 });
    expect(other.decision.verdict).toBe('DROP');
    expect(other.decision.by).toBe('rule');
    expect(other.decision.rule?.text).toContain('-A DOCKER ! -i docker0 -o docker0 -j DROP');
    expect(other.certain).toBe(true);
  });

  it('outbound container traffic: accepted after the isolation chains RETURN', () => {
    const w = walkHook(rulesetOf(DOCKER_27), 'filter', 'FORWARD', outbound);
    expect(w.decision.verdict).toBe('ACCEPT');
    expect(w.decision.rule?.text).toContain('-A FORWARD -i docker0 ! -o docker0 -j ACCEPT');
    expect(w.certain).toBe(true);
  });

  it('falls back to the chain policy, with the chain declaration as the deciding line', () => {
    const flushed = rulesetOf('*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [1234:98765]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n');
    const w = walkHook(flushed, 'filter', 'FORWARD', outbound);
    expect(w.decision).toMatchObject({ verdict: 'DROP', by: 'policy', path: [] });
    expect(w.decision.chain?.evidence.text).toBe(':FORWARD DROP [1234:98765]');
  });

  it('a missing table filters nothing', () => {
    const w = walkHook(rulesetOf('*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n'), 'filter', 'FORWARD', outbound);
    expect(w.decision).toMatchObject({ verdict: 'ACCEPT', by: 'absent' });
  });
});

describe('three-valued traversal', () => {
  const ruleset = (body: string): ReturnType<typeof rulesetOf> =>
    rulesetOf(`*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n:A - [0:0]\n:B - [0:0]\n${body}\nCOMMIT\n`);

  it('a maybe-matching ACCEPT before a certain DROP makes the DROP uncertain, with the accept as alternative', () => {
    const w = walkHook(ruleset('-A FORWARD -m set --match-set allowed src -j ACCEPT\n-A FORWARD -j DROP'), 'filter', 'FORWARD', outbound);
    expect(w.decision.verdict).toBe('DROP');
    expect(w.certain).toBe(false);
    expect(w.alternatives.map((a) => a.verdict)).toEqual(['ACCEPT']);
  });

  it('a maybe-matching DROP before a certain DROP leaves the verdict certain', () => {
    const w = walkHook(ruleset('-A FORWARD -m mark --mark 0x8000/0x8000 -j DROP\n-A FORWARD -j REJECT'), 'filter', 'FORWARD', outbound);
    expect(w.decision.verdict).toBe('REJECT');
    expect(w.certain).toBe(true);
  });

  it('RETURN goes back to the caller; a maybe RETURN makes later verdicts in the chain uncertain', () => {
    const certain = walkHook(ruleset('-A FORWARD -j A\n-A FORWARD -j ACCEPT\n-A A -i docker0 -j RETURN\n-A A -j DROP'), 'filter', 'FORWARD', outbound);
    expect(certain.decision.verdict).toBe('ACCEPT');
    expect(certain.certain).toBe(true);
    const unsure = walkHook(ruleset('-A FORWARD -j A\n-A FORWARD -j ACCEPT\n-A A -m set --match-set x src -j RETURN\n-A A -j DROP'), 'filter', 'FORWARD', outbound);
    expect(unsure.decision.verdict).toBe('DROP');
    expect(unsure.certain).toBe(false);
    expect(unsure.possibleKinds.has('accept')).toBe(true);
  });

  it('goto: a RETURN in the target returns from the chain that did the goto', () => {
    const w = walkHook(ruleset('-A FORWARD -j A\n-A FORWARD -j ACCEPT\n-A A -g B\n-A A -j DROP\n-A B -j RETURN'), 'filter', 'FORWARD', outbound);
    expect(w.decision.verdict).toBe('ACCEPT');
    expect(w.certain).toBe(true);
  });

  it('non-terminating targets (LOG, MARK) do not stop the walk; unknown targets make it uncertain', () => {
    const log = walkHook(ruleset('-A FORWARD -j LOG --log-prefix "fw: "\n-A FORWARD -j ACCEPT'), 'filter', 'FORWARD', outbound);
    expect(log).toMatchObject({ certain: true, decision: { verdict: 'ACCEPT' } });
    const odd = walkHook(ruleset('-A FORWARD -j SOMETHINGNEW --new-option 1\n-A FORWARD -j ACCEPT'), 'filter', 'FORWARD', outbound);
    expect(odd.decision.verdict).toBe('ACCEPT');
    expect(odd.certain).toBe(false);
  });

  it('a jump loop is cut off and reported instead of recursing forever', () => {
    const w = walkHook(ruleset('-A FORWARD -j A\n-A A -j B\n-A B -j A\n-A FORWARD -j ACCEPT'), 'filter', 'FORWARD', outbound);
    expect(w.limits.join(' ')).toMatch(/jump loop/);
    expect(w.certain).toBe(false);
  });

  it('evaluates a chain reached many times once (linear cost on fan-in)', () => {
    // 2000 jumps to the same 200-rule chain: without memoisation 400k rule evaluations.
    const jumps = Array.from({ length: 2000 }, () => '-A FORWARD -j A').join('\n');
    const chainA = Array.from({ length: 200 }, (_, i) => `-A A -s 10.${i >> 8}.${i & 255}.0/24 -j DROP`).join('\n');
    const w = walkHook(ruleset(`${jumps}\n${chainA}`), 'filter', 'FORWARD', outbound, { maxSteps: 5000 });
    expect(w.limits).toEqual([]);
    expect(w.decision).toMatchObject({ verdict: 'DROP', by: 'policy' });
  });
});

describe('structural reachability', () => {
  it('follows every jump that may match, whatever decides earlier', () => {
    const rs = rulesetOf(DOCKER_28);
    expect([...reachableChains(rs.tables.get('filter'), 'FORWARD', published)].sort()).toEqual([
      'DOCKER',
      'DOCKER-BRIDGE',
      'DOCKER-CT',
      'DOCKER-FORWARD',
      'DOCKER-INTERNAL',
      'DOCKER-USER',
    ]);
    // Traffic to another bridge never reaches DOCKER through `-o docker0 -j DOCKER`.
    expect(reachableChains(rs.tables.get('filter'), 'FORWARD', { ...published, out: { name: 'br-0123456789ab' } }).has('DOCKER')).toBe(false);
  });
});

describe('marks', () => {
  const ruleset = (body: string): ReturnType<typeof rulesetOf> =>
    rulesetOf(`*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:TAG - [0:0]\n${body}\nCOMMIT\n`);

  it('-m mark matches an exact mark, is unknown without one, and MARK rules the packet passes are reported in order', () => {
    const text = '-A FORWARD -j MARK --set-xmark 0x4000/0x4000\n-A FORWARD -m mark --mark 0x4000/0x4000 -j ACCEPT\n-A FORWARD -j DROP';
    const marked = walkHook(ruleset(text), 'filter', 'FORWARD', { ...outbound, mark: 0x4000 });
    expect(marked).toMatchObject({ certain: true, decision: { verdict: 'ACCEPT' } });
    expect(marked.markSetters.map((s) => [s.rule.position, s.match])).toEqual([[1, 'yes']]);
    expect(walkHook(ruleset(text), 'filter', 'FORWARD', { ...outbound, mark: 0 })).toMatchObject({ certain: true, decision: { verdict: 'DROP' } });
    expect(walkHook(ruleset(text), 'filter', 'FORWARD', outbound).certain).toBe(false);
  });

  it('a MARK in a chain entered by a jump that may not happen is reported as maybe', () => {
    const text = '-A FORWARD -m set --match-set blocked src -j TAG\n-A TAG -j MARK --set-xmark 0x1/0xffffffff';
    const w = walkHook(ruleset(text), 'filter', 'FORWARD', { ...outbound, mark: 0 });
    expect(w.markSetters.map((s) => s.match)).toEqual(['maybe']);
  });
});
