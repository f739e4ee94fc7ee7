import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkOperatorValue, evaluateOperator, OPERATOR_DOCS, resolveOperator } from '../../src/engine/operators.js';
import { MAX_SUBJECT_LENGTH, safeRegexTest, unsafeRegexReason } from '../../src/engine/safe-regex.js';

function op(name: string, fact: unknown, value: unknown): boolean {
  const operator = resolveOperator(name);
  if (!operator) throw new Error(`no operator ${name}`);
  return evaluateOperator(operator, fact, value);
}

describe('networking operators', () => {
  it('cidrContains: the fact CIDR(s) contain the value address or CIDR', () => {
    expect(op('cidrContains', '172.17.0.0/16', '172.17.0.2')).toBe(true);
    expect(op('cidrContains', '172.17.0.0/16', '172.17.4.0/24')).toBe(true);
    expect(op('cidrContains', '172.17.0.0/16', '172.16.0.0/12')).toBe(false); // the value is wider
    expect(op('cidrContains', ['10.0.0.0/8', '172.17.0.0/16'], '172.17.9.9')).toBe(true);
    expect(op('cidrContains', ['10.0.0.0/8'], ['10.1.1.1', '192.0.2.1'])).toBe(false); // every listed value must be inside
    expect(op('cidrContains', '172.17.0.1/16', '172.17.200.3')).toBe(true); // host bits of an interface address are ignored
    expect(op('cidrContains', 'not-an-address', '10.0.0.1')).toBe(false);
    expect(op('cidrContains', [], '10.0.0.1')).toBe(false);
  });

  it('cidrContains and inCidr work on IPv6 and never mix families', () => {
    expect(op('cidrContains', '2001:db8::/32', '2001:db8:1::5')).toBe(true);
    expect(op('cidrContains', '2001:db8::/32', '2001:db9::1')).toBe(false);
    expect(op('cidrContains', 'fd00::/8', 'fd12:3456::/48')).toBe(true);
    expect(op('inCidr', '::ffff:10.0.0.1', '10.0.0.0/8')).toBe(false); // an IPv4-mapped IPv6 address is IPv6
    expect(op('cidrContains', '0.0.0.0/0', '2001:db8::1')).toBe(false);
    expect(op('inCidr', 'fe80::1', ['fe80::/10', '10.0.0.0/8'])).toBe(true);
  });

  it('cidrOverlaps: some pair overlaps (one contains the other)', () => {
    expect(op('cidrOverlaps', '172.17.0.0/16', '172.16.0.0/12')).toBe(true);
    expect(op('cidrOverlaps', '172.17.0.0/16', '172.17.5.0/24')).toBe(true);
    expect(op('cidrOverlaps', '172.17.0.0/16', '172.18.0.0/16')).toBe(false);
    expect(op('cidrOverlaps', ['192.0.2.0/24', 'fd00::/64'], ['fd00::/48'])).toBe(true);
    expect(op('cidrOverlaps', ['2001:db8::/48'], ['2001:db8:1::/48'])).toBe(false);
  });

  it('inCidr: one address or CIDR inside the value CIDR(s); a list fact needs someFact:', () => {
    expect(op('inCidr', '172.17.0.2', '172.17.0.0/16')).toBe(true);
    expect(op('inCidr', '172.17.0.0/16', '172.17.0.0/24')).toBe(false);
    expect(op('inCidr', ['172.17.0.2'], '172.17.0.0/16')).toBe(false);
    expect(op('someFact:inCidr', ['192.0.2.1', '172.17.0.2'], '172.17.0.0/16')).toBe(true);
    expect(op('everyFact:inCidr', ['192.0.2.1', '172.17.0.2'], '172.17.0.0/16')).toBe(false);
  });

  it('ipInSubnetOf: on the link of an interface address, not the address itself', () => {
    expect(op('ipInSubnetOf', '172.17.0.1', '172.17.0.2/16')).toBe(true);
    expect(op('ipInSubnetOf', '172.17.0.2', '172.17.0.2/16')).toBe(false);
    expect(op('ipInSubnetOf', '172.18.0.1', ['172.17.0.2/16', '192.0.2.10/24'])).toBe(false);
    expect(op('ipInSubnetOf', '2001:db8:1::1', '2001:db8:1::242:ac11:2/64')).toBe(true);
    expect(op('ipInSubnetOf', '2001:db8:2::1', '2001:db8:1::242:ac11:2/64')).toBe(false);
    expect(op('ipInSubnetOf', '172.17.0.0/16', '172.17.0.2/16')).toBe(false); // the fact must be an address
  });

  it('startsWithAny and matchesRegex', () => {
    expect(op('startsWithAny', 'cali12ab', ['flannel.', 'cali'])).toBe(true);
    expect(op('startsWithAny', 'eth0', 'cali')).toBe(false);
    expect(op('startsWithAny', 42, 'cali')).toBe(false);
    expect(op('matchesRegex', 'br-0123456789ab', '^br-[0-9a-f]{12}$')).toBe(true);
    expect(op('matchesRegex', 'br-lab', '^br-[0-9a-f]{12}$')).toBe(false);
    expect(op('not:matchesRegex', 'docker0', '^veth')).toBe(true);
  });

  it('decorators compose as json-rules-engine composes them', () => {
    expect(op('not:someFact:equal', [1, 2], 3)).toBe(true);
    expect(op('someValue:startsWithAny', 'vethab', ['x', 'veth'])).toBe(true);
    expect(op('swap:in', ['a', 'b'], 'a')).toBe(true);
    expect(resolveOperator('bogus:equal')).toBeUndefined();
    expect(resolveOperator('nope')).toBeUndefined();
  });

  it('checks literal values at load time', () => {
    expect(checkOperatorValue('cidrContains', '172.17.0.0/16')).toBeUndefined();
    expect(checkOperatorValue('cidrContains', '172.17.0.0/33')).toMatch(/not an IPv4\/IPv6 address or CIDR/);
    expect(checkOperatorValue('cidrOverlaps', ['10.0.0.0/8', 'x'])).toMatch(/"x"/);
    expect(checkOperatorValue('ipInSubnetOf', '172.17.0.2')).toMatch(/prefix length/);
    expect(checkOperatorValue('in', 'eth0')).toMatch(/list/);
    expect(checkOperatorValue('greaterThan', '5')).toMatch(/number/);
    expect(checkOperatorValue('someValue:inCidr', ['10.0.0.0/8', 'bad'])).toMatch(/"bad"/);
    expect(checkOperatorValue('swap:inCidr', 'anything')).toBeUndefined();
    expect(checkOperatorValue('matchesRegex', '(a+)+$')).toMatch(/nested quantifier/);
  });

  it('documents every operator with an example condition that parses', () => {
    const names = OPERATOR_DOCS.map((d) => d.name);
    for (const name of ['equal', 'in', 'contains', 'lessThan', 'cidrContains', 'cidrOverlaps', 'inCidr', 'ipInSubnetOf', 'matchesRegex', 'startsWithAny', 'not:<op>', 'someFact:<op>']) {
      expect(names).toContain(name);
    }
    for (const doc of OPERATOR_DOCS) {
      expect(doc.description.length).toBeGreaterThan(10);
      const example = JSON.parse(doc.example) as { operator: string; value: unknown };
      expect(resolveOperator(example.operator), doc.name).toBeDefined();
    }
  });
});

describe('regular expressions cannot backtrack catastrophically', () => {
  it('refuses nested quantifiers, alternation under repetition, backreferences and lookarounds', () => {
    for (const pattern of ['(a+)+$', '(a*)*', '(a|a)*', '(x+x+)+y', '((ab)*)+', '(\\d+)+$', '(.*a){3,}', '(a|aa)+', '(\\w+\\s?)*$', '(a+){2,}', '(?=a)a', '(a)\\1', '(?<n>a)\\k<n>']) {
      expect(unsafeRegexReason(pattern), pattern).toBeDefined();
    }
    expect(unsafeRegexReason('a*b*c*d')).toMatch(/unbounded/);
    expect(unsafeRegexReason('x'.repeat(300))).toMatch(/longer/);
    expect(unsafeRegexReason('(unclosed')).toMatch(/invalid/);
  });

  it('accepts the patterns rule authors write', () => {
    for (const pattern of ['^veth[0-9a-f]{7}$', '^(docker|br-)', '^cali[0-9a-f]+$', '^eth\\d+(\\.\\d+)?$', '^(eth|ens|enp)', '\\.calico$', '^[a-z]+\\d*$', '(ab){2}', 'a{2,3}', 'x{3}?']) {
      expect(unsafeRegexReason(pattern), pattern).toBeUndefined();
    }
  });

  it('every accepted pattern stays fast on adversarial input', () => {
    const atoms = ['a', 'a*', 'a+', 'a?', '(a|b)', '(ab)', '[a-z]', '.', '.*', '\\d+', '(a)', '(a*)', '(a+)?', 'b'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...atoms), { minLength: 1, maxLength: 6 }), fc.constantFrom('$', '!$', ''), (parts, end) => {
        const pattern = `^${parts.join('')}${end}`;
        if (unsafeRegexReason(pattern) !== undefined) return;
        const subject = `${'a'.repeat(MAX_SUBJECT_LENGTH * 4)}!`;
        const started = process.hrtime.bigint();
        safeRegexTest(pattern, subject);
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        // Accepted patterns are at most quadratic on a clipped subject: far below this bound.
        expect(ms, pattern).toBeLessThan(1000);
      }),
      { numRuns: 300 },
    );
  });
});
